(** From the machine-checked accuracy certificate of a max-of-K transformer
    (definitions and lemmas it needs copied with their proofs; standard
    library only). *)
From Coq Require Import ZArith Reals Lra Lia List FinFun.
Import ListNotations.
Open Scope R_scope.

Definition prec : nat := 48.
Definition rsq : nat := 20.

Lemma exp_mono x y : x <= y -> exp x <= exp y.
Proof. intros [H|H]; [left; apply exp_increasing; exact H|subst; lra]. Qed.

Lemma pow2_posR e : 0 < 2 ^ e.
Proof. apply pow_lt. lra. Qed.

Lemma IZR_div_le a b : (0 < b)%Z -> IZR (a / b) <= IZR a / IZR b.
Proof.
  intros Hb. pose proof (Z.mul_div_le a b Hb) as H. apply IZR_le in H. rewrite mult_IZR in H.
  assert (0 < IZR b) by (apply IZR_lt; exact Hb).
  apply (Rmult_le_reg_l (IZR b)); [assumption|]. field_simplify; lra.
Qed.

Lemma IZR_div_gt a b : (0 < b)%Z -> IZR a / IZR b < IZR (a / b) + 1.
Proof.
  intros Hb. pose proof (Z.mul_succ_div_gt a b Hb) as H. apply IZR_lt in H.
  rewrite mult_IZR, succ_IZR in H. assert (0 < IZR b) by (apply IZR_lt; exact Hb).
  apply (Rmult_lt_reg_l (IZR b)); [assumption|]. field_simplify; lra.
Qed.

Lemma IZR_pow2 e : IZR (2 ^ Z.of_nat e) = 2 ^ e.
Proof. rewrite <- pow_IZR. reflexivity. Qed.

Lemma div_le_compat x y c : 0 < c -> x <= y -> x / c <= y / c.
Proof. intros Hc H. apply Rmult_le_compat_r; [left; apply Rinv_0_lt_compat; exact Hc|exact H]. Qed.

Lemma div_lt_compat x y c : 0 < c -> x < y -> x / c < y / c.
Proof. intros Hc H. apply Rmult_lt_compat_r; [apply Rinv_0_lt_compat; exact Hc|exact H]. Qed.

Definition sq_dn (x : Z) : Z := Z.shiftr (x * x) (Z.of_nat prec).
Definition sq_up (x : Z) : Z := (Z.shiftr (x * x) (Z.of_nat prec) + 1)%Z.

Fixpoint iter (n : nat) (f : Z -> Z) (x : Z) : Z :=
  match n with O => x | S n' => f (iter n' f x) end.

Definition fx (a : Z) : R := IZR a / 2 ^ prec.

Lemma shiftr_prec x : Z.shiftr x (Z.of_nat prec) = (x / 2 ^ Z.of_nat prec)%Z.
Proof. apply Z.shiftr_div_pow2. lia. Qed.

Lemma pow2Z_pos e : (0 < 2 ^ Z.of_nat e)%Z.
Proof. apply Z.pow_pos_nonneg; lia. Qed.

Lemma sq_dn_sound a w : (0 <= a)%Z -> fx a <= exp w -> (0 <= sq_dn a)%Z /\ fx (sq_dn a) <= exp (2 * w).
Proof.
  intros Ha H. unfold sq_dn. rewrite shiftr_prec. split.
  - apply Z.div_pos; [nia|apply pow2Z_pos].
  - unfold fx in *. pose proof (IZR_div_le (a * a) _ (pow2Z_pos prec)) as Hd.
    rewrite IZR_pow2, mult_IZR in Hd. pose proof (pow2_posR prec).
    replace (2 * w) with (w + w) by ring. rewrite exp_plus.
    assert (0 <= IZR a / 2 ^ prec) by (unfold Rdiv; apply Rmult_le_pos; [apply IZR_le; lia|left; apply Rinv_0_lt_compat; lra]).
    apply Rle_trans with (IZR a / 2 ^ prec * (IZR a / 2 ^ prec)).
    + apply Rle_trans with (IZR a * IZR a / 2 ^ prec / 2 ^ prec).
      * apply div_le_compat; [lra|exact Hd].
      * right. field. lra.
    + apply Rmult_le_compat; lra.
Qed.

Lemma sq_up_sound a w : exp w <= fx a -> exp (2 * w) <= fx (sq_up a).
Proof.
  intros H. unfold sq_up. rewrite shiftr_prec. unfold fx in *.
  pose proof (IZR_div_gt (a * a) _ (pow2Z_pos prec)) as Hd.
  rewrite IZR_pow2, mult_IZR in Hd. pose proof (pow2_posR prec).
  replace (2 * w) with (w + w) by ring. rewrite exp_plus. rewrite plus_IZR.
  pose proof (exp_pos w).
  apply Rle_trans with (IZR a / 2 ^ prec * (IZR a / 2 ^ prec)).
  + apply Rmult_le_compat; lra.
  + apply Rle_trans with ((IZR (a * a / 2 ^ Z.of_nat prec) + 1) / 2 ^ prec).
    * replace (IZR a / 2 ^ prec * (IZR a / 2 ^ prec)) with (IZR a * IZR a / 2 ^ prec / 2 ^ prec) by (field; lra).
      apply div_le_compat; lra.
    * right. reflexivity.
Qed.

Lemma iter_dn_sound n a w :
  (0 <= a)%Z -> fx a <= exp w -> fx (iter n sq_dn a) <= exp (w * 2 ^ n).
Proof.
  intros Ha H. cut ((0 <= iter n sq_dn a)%Z /\ fx (iter n sq_dn a) <= exp (w * 2 ^ n)); [tauto|].
  induction n as [|n IH]; simpl.
  - rewrite Rmult_1_r. split; assumption.
  - destruct IH as [H1 H2]. destruct (sq_dn_sound _ _ H1 H2) as [H3 H4]. split; [exact H3|].
    replace (w * (2 * 2 ^ n)) with (2 * (w * 2 ^ n)) by ring. exact H4.
Qed.

Lemma iter_up_sound n a w : exp w <= fx a -> exp (w * 2 ^ n) <= fx (iter n sq_up a).
Proof.
  intros H. induction n as [|n IH]; simpl.
  - rewrite Rmult_1_r. exact H.
  - replace (w * (2 * 2 ^ n)) with (2 * (w * 2 ^ n)) by ring. apply sq_up_sound. exact IH.
Qed.

(** Bounds on [exp (n / d)] in fixed point, for [d > 0]. *)
Definition big (d : Z) : Z := (d * 2 ^ Z.of_nat rsq)%Z.

Definition exp_lo (n d : Z) : Z :=
  if (0 <=? big d + n)%Z
  then iter rsq sq_dn ((2 ^ Z.of_nat prec * (big d + n)) / big d)
  else 0%Z.

Definition exp_hi (n d : Z) : Z :=
  if (0 <? big d - n)%Z
  then iter rsq sq_up ((2 ^ Z.of_nat prec * big d) / (big d - n) + 1)
  else (3 ^ (n / d + 1) * 2 ^ Z.of_nat prec)%Z.

Lemma z_scale n d : (0 < d)%Z -> IZR n / IZR (big d) * 2 ^ rsq = IZR n / IZR d.
Proof.
  intros Hd. unfold big. rewrite mult_IZR, IZR_pow2. assert (0 < IZR d) by (apply IZR_lt; lia).
  pose proof (pow2_posR rsq). field. lra.
Qed.

Lemma exp_lo_sound n d : (0 < d)%Z -> fx (exp_lo n d) <= exp (IZR n / IZR d).
Proof.
  intros Hd. unfold exp_lo. assert (Hb : (0 < big d)%Z) by (unfold big; pose proof (pow2Z_pos rsq); nia).
  destruct (Z.leb_spec 0 (big d + n)) as [H|H].
  - rewrite <- (z_scale n d Hd). apply iter_dn_sound.
    + apply Z.div_pos; [pose proof (pow2Z_pos prec); nia|lia].
    + apply Rle_trans with (1 + IZR n / IZR (big d)); [|apply exp_ineq1_le].
      unfold fx. pose proof (IZR_div_le (2 ^ Z.of_nat prec * (big d + n)) (big d) Hb) as Hd'.
      rewrite mult_IZR, plus_IZR, IZR_pow2 in Hd'. pose proof (pow2_posR prec).
      assert (0 < IZR (big d)) by (apply IZR_lt; lia).
      apply Rle_trans with (2 ^ prec * (IZR (big d) + IZR n) / IZR (big d) / 2 ^ prec).
      * apply div_le_compat; lra.
      * right. field. lra.
  - unfold fx. pose proof (pow2_posR prec). replace (IZR 0 / 2 ^ prec) with 0 by (field; lra). left. apply exp_pos.
Qed.

Lemma exp_le_pow3 (k : Z) x : (0 <= k)%Z -> x <= IZR k -> exp x <= IZR (3 ^ k).
Proof.
  intros Hk Hx. apply Rle_trans with (exp (IZR k)); [apply exp_mono; exact Hx|].
  rewrite <- (Z2Nat.id k Hk). generalize (Z.to_nat k) as m. intros m.
  rewrite <- pow_IZR, <- INR_IZR_INZ. induction m as [|m IH].
  - simpl. rewrite exp_0. lra.
  - rewrite S_INR, exp_plus. simpl. pose proof (exp_pos (INR m)).
    rewrite Rmult_comm. pose proof exp_le_3. pose proof (exp_pos 1). apply Rmult_le_compat; lra.
Qed.

Lemma exp_hi_sound n d : (0 < d)%Z -> exp (IZR n / IZR d) <= fx (exp_hi n d).
Proof.
  intros Hd. unfold exp_hi. assert (Hb : (0 < big d)%Z) by (unfold big; pose proof (pow2Z_pos rsq); nia).

  destruct (Z.ltb_spec 0 (big d - n)) as [H|H]; clear -H Hd Hb; assert (0 < IZR (big d)) by (apply IZR_lt; lia); pose proof (pow2_posR prec).
  - rewrite <- (z_scale n d Hd). apply iter_up_sound.
    set (z := IZR n / IZR (big d)).
    assert (Hz : z < 1).
    { unfold z. apply IZR_lt in H. rewrite minus_IZR in H.
      apply Rlt_le_trans with (IZR (big d) / IZR (big d)); [apply div_lt_compat; lra|right; field; lra]. }
    assert (He : exp z <= 1 / (1 - z)).
    { pose proof (exp_ineq1_le (- z)) as E. rewrite exp_Ropp in E. pose proof (exp_pos z).
      replace (1 / (1 - z)) with (/ (1 - z)) by (field; lra).
      replace (exp z) with (/ / exp z) by (field; lra). apply Rinv_le_contravar; [lra|exact E]. }
    apply Rle_trans with (1 := He). unfold fx.
    pose proof (IZR_div_gt (2 ^ Z.of_nat prec * big d) (big d - n) H) as G.
    rewrite mult_IZR, minus_IZR, IZR_pow2 in G. rewrite plus_IZR.
    replace (1 / (1 - z)) with (2 ^ prec * IZR (big d) / (IZR (big d) - IZR n) / 2 ^ prec).
    + apply Rmult_le_compat_r; [left; apply Rinv_0_lt_compat; lra|]. lra.
    + unfold z. apply IZR_lt in H. rewrite minus_IZR in H. field. lra.
  - unfold fx. rewrite mult_IZR, IZR_pow2.
    replace (IZR (3 ^ (n / d + 1)) * 2 ^ prec / 2 ^ prec) with (IZR (3 ^ (n / d + 1))) by (field; lra).
    apply exp_le_pow3.
    + assert (0 <= n)%Z by (unfold big in H; pose proof (pow2Z_pos rsq); nia).
      pose proof (Z.div_pos n d ltac:(lia) Hd). lia.
    + pose proof (IZR_div_gt n d Hd). rewrite plus_IZR. lra.
Qed.
Fixpoint sumZ (n : nat) (f : nat -> Z) : Z :=
  match n with O => 0%Z | S n' => (sumZ n' f + f n')%Z end.

Lemma sumZ_ext n f g : (forall i, (i < n)%nat -> f i = g i) -> sumZ n f = sumZ n g.
Proof.
  induction n as [|n IH]; intros H; simpl; [reflexivity|].
  rewrite IH by (intros; apply H; lia). rewrite H by lia. reflexivity.
Qed.

(** * Dyadic weights: [inj e z] is the real number [z * 2^-e] *)
Definition inj (e : nat) (z : Z) : R := IZR z / 2 ^ e.

Lemma pow2_pos e : 0 < 2 ^ e.
Proof. apply pow_lt. lra. Qed.

Lemma inj_add e x y : inj e x + inj e y = inj e (x + y).
Proof. unfold inj. rewrite plus_IZR. pose proof (pow2_pos e). field. lra. Qed.

(** * The network *)
Record net := {
  nv : nat; nK : nat; nd : nat; nh : nat;
  WE : list (list Z); WP : list (list Z); WQ : list (list Z); WK : list (list Z);
  WV : list (list Z); WO : list (list Z); WU : list (list Z);
  eE : nat; eQ : nat; eK : nat; eV : nat; eO : nat; eU : nat }.

Definition ent (M : list (list Z)) (i j : nat) : Z := nth j (nth i M []) 0%Z.

Section Model.
Variable N : net.
Definition last_pos := (nK N - 1)%nat.

(** * Integer path tables (specifications) *)
Local Open Scope Z_scope.
Definition xZ t i j := (ent (WE N) t j + ent (WP N) i j)%Z.
Definition qZ q hh := sumZ (nd N) (fun j => xZ q last_pos j * ent (WQ N) j hh).
Definition kZ t i hh := sumZ (nd N) (fun j => xZ t i j * ent (WK N) j hh).
Definition SZ q t i := sumZ (nh N) (fun hh => qZ q hh * kZ t i hh).
Definition vZ t i hh := sumZ (nd N) (fun j => xZ t i j * ent (WV N) j hh).
Definition oZ t i j := sumZ (nh N) (fun hh => vZ t i hh * ent (WO N) hh j).
Definition OVZ t i o := sumZ (nd N) (fun j => oZ t i j * ent (WU N) j o).
Definition DZ q o := sumZ (nd N) (fun j => xZ q last_pos j * ent (WU N) j o).

Definition eS : nat := (eE N + eQ N + (eE N + eK N))%nat.
Definition eM : nat := (eE N + eV N + eO N + eU N)%nat.
(** Margin of output [m] over [o] carried by position [i] holding token [t], query token [q]. *)
Definition MZ q t i m o :=
  (OVZ t i m - OVZ t i o + (DZ q m - DZ q o) * 2 ^ Z.of_nat (eV N + eO N))%Z.

End Model.

(** [vecmat n p u M]: the row vector [u] (length n) times the n x p matrix [M]
    (the matrix entry is the left factor: [Z.mul] costs less with the shorter number first). *)
Definition vecmat (n p : nat) (u : list Z) (M : list (list Z)) : list Z :=
  map (fun c => sumZ n (fun j => (ent M j c * nth j u 0)%Z)) (seq 0 p).

Lemma nth_map_seq {A} (f : nat -> A) n i d : (i < n)%nat -> nth i (map f (seq 0 n)) d = f i.
Proof.
  intros H. rewrite nth_indep with (d' := f 0%nat) by (rewrite map_length, seq_length; exact H).
  rewrite map_nth, seq_nth by exact H. reflexivity.
Qed.

Lemma nth_vecmat n p u M c : (c < p)%nat ->
  nth c (vecmat n p u M) 0%Z = sumZ n (fun j => (nth j u 0 * ent M j c)%Z).
Proof.
  intros H. unfold vecmat. rewrite (nth_map_seq (fun c => sumZ n (fun j => (ent M j c * nth j u 0)%Z))) by exact H.
  apply sumZ_ext. intros; apply Z.mul_comm.
Qed.

Section Brute.
Variable N : net.
Local Notation d := (nd N).
Local Notation h := (nh N).

(** Shared integer tables *)
Definition xrow t i : list Z := map (fun j => xZ N t i j) (seq 0 d).
Definition qvec q : list Z := vecmat d h (xrow q (last_pos N)) (WQ N).
Definition kvec t i : list Z := vecmat d h (xrow t i) (WK N).

Lemma xrow_nth t i j : (j < d)%nat -> nth j (xrow t i) 0%Z = xZ N t i j.
Proof. intros H. unfold xrow. apply (nth_map_seq (fun j => xZ N t i j)). exact H. Qed.

Definition score_of (qv kv : list Z) : Z := sumZ h (fun hh => (nth hh qv 0 * nth hh kv 0)%Z).

Lemma score_of_spec q t i : score_of (qvec q) (kvec t i) = SZ N q t i.
Proof.
  unfold score_of, SZ. apply sumZ_ext. intros hh Hh. unfold qvec, kvec.
  rewrite !nth_vecmat by exact Hh. unfold qZ, kZ. f_equal; apply sumZ_ext; intros j Hj;
  rewrite xrow_nth by exact Hj; reflexivity.
Qed.

Lemma neg_pos_mul a b : a < 0 -> 0 < b -> a * b < 0.
Proof. intros. nra. Qed.

(** Bounds on exp(score) from bounds on sqrt(d_head). *)
Definition sq_a : Z := Z.sqrt (Z.of_nat h * 2 ^ 40).
Definition p2 (e : nat) : Z := (2 ^ Z.of_nat e)%Z.
(** Bounds on [exp (inj e S / sqrt d_head)], for an integer [S] at exponent [e]. *)
Definition s_lo_at (e : nat) (S : Z) : Z :=
  if (0 <=? S)%Z then exp_lo (S * p2 20) (p2 e * (sq_a + 1)) else exp_lo (S * p2 20) (p2 e * sq_a).
Definition s_hi_at (e : nat) (S : Z) : Z :=
  if (0 <=? S)%Z then exp_hi (S * p2 20) (p2 e * sq_a) else exp_hi (S * p2 20) (p2 e * (sq_a + 1)).

Lemma sqrt_bounds : (0 < h)%nat ->
  0 < IZR sq_a / 2 ^ 20 /\ IZR sq_a / 2 ^ 20 <= sqrt (INR h) <= IZR (sq_a + 1) / 2 ^ 20.
Proof.
  intros Hh. assert (H0 : (0 <= Z.of_nat h * 2 ^ 40)%Z) by lia.
  pose proof (Z.sqrt_spec _ H0) as [H1 H2]. fold sq_a in H1, H2.
  assert (Ha : (0 < sq_a)%Z) by (apply Z.sqrt_pos; lia).
  pose proof (pow2_posR 20) as P.
  assert (E : INR h = IZR (Z.of_nat h * 2 ^ 40) / (2 ^ 20 * 2 ^ 20)).
  { rewrite mult_IZR, <- INR_IZR_INZ. replace (IZR (2 ^ 40)) with (2 ^ 20 * 2 ^ 20) by (simpl; lra). field. }
  split; [apply Rdiv_lt_0_compat; [apply IZR_lt; lia|lra]|split].
  - rewrite <- (sqrt_square (IZR sq_a / 2 ^ 20)) by (apply Rmult_le_pos; [apply IZR_le; lia|left; apply Rinv_0_lt_compat; lra]).
    apply sqrt_le_1_alt. rewrite E. apply IZR_le in H1. rewrite (mult_IZR sq_a) in H1.
    replace (IZR sq_a / 2 ^ 20 * (IZR sq_a / 2 ^ 20)) with (IZR sq_a * IZR sq_a / (2 ^ 20 * 2 ^ 20)) by (field; lra).
    apply div_le_compat; [nra|exact H1].
  - rewrite <- (sqrt_square (IZR (sq_a + 1) / 2 ^ 20)) by (apply Rmult_le_pos; [apply IZR_le; lia|left; apply Rinv_0_lt_compat; lra]).
    apply sqrt_le_1_alt. rewrite E. apply IZR_lt in H2. rewrite (mult_IZR (Z.succ sq_a)), succ_IZR in H2. rewrite plus_IZR.
    replace ((IZR sq_a + 1) / 2 ^ 20 * ((IZR sq_a + 1) / 2 ^ 20)) with ((IZR sq_a + 1) * (IZR sq_a + 1) / (2 ^ 20 * 2 ^ 20)) by (field; lra).
    apply div_le_compat; [nra|lra].
Qed.

Lemma div_bounds y cl c ch : 0 < cl -> cl <= c <= ch ->
  (0 <= y -> y / ch <= y / c <= y / cl) /\ (y < 0 -> y / cl <= y / c <= y / ch).
Proof.
  intros H0 [H1 H2]. assert (/ ch <= / c) by (apply Rinv_le_contravar; lra).
  assert (/ c <= / cl) by (apply Rinv_le_contravar; lra). unfold Rdiv.
  split; intros Hy; split; nra.
Qed.

Lemma s_bounds_at e S : (0 < h)%nat ->
  fx (s_lo_at e S) <= exp (inj e S / sqrt (INR h)) <= fx (s_hi_at e S).
Proof.
  intros Hh. destruct (sqrt_bounds Hh) as [Hp Hs].
  assert (Hb : IZR sq_a / 2 ^ 20 <= IZR (sq_a + 1) / 2 ^ 20) by (rewrite plus_IZR; apply div_le_compat; [apply pow2_posR|lra]).
  destruct (div_bounds (inj e S) _ _ _ Hp Hs) as [Hpos Hneg].
  assert (Ha : (0 < sq_a)%Z) by (apply Z.sqrt_pos; lia).
  pose proof (pow2_posR e). pose proof (pow2_posR 20).
  assert (R1 : forall c, (0 < c)%Z -> IZR (S * p2 20) / IZR (p2 e * c) = inj e S / (IZR c / 2 ^ 20)).
  { intros c Hc. unfold p2, inj. rewrite !mult_IZR, !IZR_pow2. assert (0 < IZR c) by (apply IZR_lt; lia). field. lra. }
  assert (Pc : forall c, (0 < c)%Z -> (0 < p2 e * c)%Z) by (intros; unfold p2; pose proof (pow2Z_pos e); nia).
  unfold s_lo_at, s_hi_at. destruct (Z.leb_spec 0 S) as [HS|HS].
  - assert (0 <= inj e S) by (unfold inj; apply Rmult_le_pos; [apply IZR_le; lia|left; apply Rinv_0_lt_compat; lra]).
    destruct (Hpos H1). split.
    + eapply Rle_trans; [apply exp_lo_sound, Pc; lia|]. apply exp_mono. rewrite R1 by lia. exact H2.
    + eapply Rle_trans; [|apply exp_hi_sound, Pc; lia]. apply exp_mono. rewrite R1 by lia. exact H3.
  - assert (inj e S < 0) by (unfold inj, Rdiv; apply neg_pos_mul; [apply IZR_lt; lia|apply Rinv_0_lt_compat; lra]).
    destruct (Hneg H1). split.
    + eapply Rle_trans; [apply exp_lo_sound, Pc; lia|]. apply exp_mono. rewrite R1 by lia. exact H2.
    + eapply Rle_trans; [|apply exp_hi_sound, Pc; lia]. apply exp_mono. rewrite R1 by lia. exact H3.
Qed.
End Brute.

Lemma sumZ_plus n f g : sumZ n (fun i => f i + g i)%Z = (sumZ n f + sumZ n g)%Z.
Proof. induction n as [|n IH]; simpl; [reflexivity|]. rewrite IH. ring. Qed.

Section Cubic.
Local Open Scope nat_scope.
Variable N : net.
Local Notation d := (nd N).
Local Notation h := (nh N).

Local Open Scope R_scope.

Lemma inj_le e x y : (x <= y)%Z -> inj e x <= inj e y.
Proof. intros H. unfold inj. apply div_le_compat; [apply pow2_pos|apply IZR_le; exact H]. Qed.

Local Open Scope nat_scope.
(** ** Integer tables (exact) and the fast term *)
Definition erow t : list Z := map (fun j => ent (WE N) t j) (seq 0 d).
Definition prow i : list Z := map (fun j => ent (WP N) i j) (seq 0 d).
Definition kevec t : list Z := vecmat d h (erow t) (WK N).
Definition kpvec i : list Z := vecmat d h (prow i) (WK N).

Local Open Scope R_scope.

Lemma exp_div_mono x y c : 0 < c -> x <= y -> exp (x / c) <= exp (y / c).
Proof. intros Hc H. apply exp_mono. apply div_le_compat; assumption. Qed.

(** Path decompositions of the integer tables *)
Lemma nth_erow t j : (j < d)%nat -> nth j (erow t) 0%Z = ent (WE N) t j.
Proof. intros H. unfold erow. apply (nth_map_seq (fun j => ent (WE N) t j)). exact H. Qed.
Lemma nth_prow i j : (j < d)%nat -> nth j (prow i) 0%Z = ent (WP N) i j.
Proof. intros H. unfold prow. apply (nth_map_seq (fun j => ent (WP N) i j)). exact H. Qed.

Lemma S_split q t i : SZ N q t i = (score_of N (qvec N q) (kevec t) + score_of N (qvec N q) (kpvec i))%Z.
Proof.
  rewrite <- score_of_spec. unfold score_of. rewrite <- sumZ_plus. apply sumZ_ext. intros hh Hh.
  rewrite <- Z.mul_add_distr_l. f_equal. unfold kvec, kevec, kpvec. rewrite !nth_vecmat by exact Hh.
  rewrite <- sumZ_plus. apply sumZ_ext. intros j Hj. rewrite xrow_nth, nth_erow, nth_prow by exact Hj.
  unfold xZ. ring.
Qed.

End Cubic.

Lemma sumZ_scal n c f : (c * sumZ n f = sumZ n (fun i => c * f i))%Z.
Proof. induction n as [|n IH]; simpl; [ring|]. rewrite <- IH. ring. Qed.

Lemma sumZ_swap n m f :
  sumZ n (fun i => sumZ m (fun j => f i j)) = sumZ m (fun j => sumZ n (fun i => f i j)).
Proof.
  induction n as [|n IH]; simpl.
  - induction m as [|m IHm]; simpl; [reflexivity|]. rewrite <- IHm. reflexivity.
  - rewrite IH. symmetry. apply (sumZ_plus m (fun j => sumZ n (fun i => f i j)) (fun j => f n j)).
Qed.

Section Subcubic.
Local Open Scope nat_scope.
Variable N : net.
Local Notation h := (nh N).

Local Open Scope Z_scope.

(** Parameters and hint (any values are sound): [r] bits dropped from the
    output margins; the key vectors in the hint basis: [ke_t = z_t u + sum_l C[t,l] G_l + res_t]. *)
Variable r : nat.
Variables u z : list Z.
Variables G C : list (list Z).
Local Notation nL := (length G).

Definition y_of (qv : list Z) : Z := sumZ h (fun j => nth j u 0 * nth j qv 0).
Definition A_of (qv : list Z) (l : nat) : Z := sumZ h (fun j => nth j (nth l G []) 0 * nth j qv 0).

(** The score of a key token: rank-1 part plus error. *)
Definition ct t l := nth l (nth t C []) 0.
Definition resZ t j := nth j (kevec N t) 0 - nth t z 0 * nth j u 0 - sumZ nL (fun l => ct t l * nth j (nth l G []) 0).
Definition errZ q t := sumZ nL (fun l => A_of (qvec N q) l * ct t l) + sumZ h (fun j => nth j (qvec N q) 0 * resZ t j).

Lemma score_rank1 q t : score_of N (qvec N q) (kevec N t) = y_of (qvec N q) * nth t z 0 + errZ q t.
Proof.
  unfold score_of, errZ, y_of, A_of. set (qv := qvec N q).
  transitivity (sumZ h (fun j => nth t z 0 * (nth j u 0 * nth j qv 0)) +
                sumZ h (fun j => sumZ nL (fun l => ct t l * (nth j (nth l G []) 0 * nth j qv 0))) +
                sumZ h (fun j => nth j qv 0 * resZ t j)).
  { rewrite <- !sumZ_plus. apply sumZ_ext. intros j _.
    assert (E : nth j qv 0 * sumZ nL (fun l => ct t l * nth j (nth l G []) 0) =
                sumZ nL (fun l => ct t l * (nth j (nth l G []) 0 * nth j qv 0))).
    { rewrite sumZ_scal. apply sumZ_ext. intros; ring. }
    rewrite <- E. unfold resZ. ring. }
  rewrite <- sumZ_scal, sumZ_swap.
  rewrite (sumZ_ext nL _ (fun l => sumZ h (fun j => nth j (nth l G []) 0 * nth j qv 0) * ct t l)).
  - ring.
  - intros l _. rewrite Z.mul_comm, sumZ_scal. apply sumZ_ext. intros; ring.
Qed.

(** ** Soundness *)
Definition SPZ q i := score_of N (qvec N q) (kpvec N i).

Local Open Scope R_scope.
Definition cs (x : Z) : R := inj (eS N) x / sqrt (INR h).
Definition Ebits : nat := (prec + prec + (eM N - r))%nat.

Lemma expc_add a b : exp (cs (a + b)) = exp (cs a) * exp (cs b).
Proof. unfold cs. rewrite <- inj_add, <- exp_plus. f_equal. unfold Rdiv. ring. Qed.

Lemma expc_mono a b : (0 < h)%nat -> (a <= b)%Z -> exp (cs a) <= exp (cs b).
Proof. intros Hh H. unfold cs. apply exp_div_mono; [apply sqrt_lt_R0, lt_0_INR; exact Hh|apply inj_le; exact H]. Qed.

Lemma inj3 a b x k : inj (prec + prec + k) (a * b * x) = fx a * fx b * inj k x.
Proof. unfold inj, fx. rewrite !mult_IZR, !pow_add. pose proof (pow2_pos prec). pose proof (pow2_pos k). field. lra. Qed.

Lemma inj_nonpos e x : (x <= 0)%Z -> inj e x <= 0.
Proof. intros H. unfold inj. unfold Rdiv. pose proof (pow2_pos e). apply IZR_le in H.
  assert (0 < / 2 ^ e) by (apply Rinv_0_lt_compat; lra). nra. Qed.

Lemma score_split q t i :
  exp (inj (eS N) (SZ N q t i) / sqrt (INR h)) =
  exp (cs (y_of (qvec N q) * nth t z 0%Z)) * exp (cs (errZ q t)) * exp (cs (SPZ q i)).
Proof.
  rewrite S_split, score_rank1. fold (SPZ q i). change (inj (eS N) ?x / sqrt (INR h)) with (cs x).
  rewrite !expc_add. reflexivity.
Qed.

(* a free position's share of the margin is bounded by the rank-1 attention bound *)
Lemma term_free q m t i o w e0 x : (0 < h)%nat -> (y_of (qvec N q) * nth t z 0 <= w)%Z ->
  (errZ q t - errZ q m <= e0)%Z -> (x <= 0)%Z -> inj (eM N - r) x <= inj (eM N) (MZ N q t i m o) ->
  exp (cs (errZ q m)) * inj Ebits (s_hi_at N (eS N) (w + e0) * s_hi_at N (eS N) (SPZ q i) * x)
  <= exp (inj (eS N) (SZ N q t i) / sqrt (INR h)) * inj (eM N) (MZ N q t i m o).
Proof.
Admitted.

End Subcubic.
