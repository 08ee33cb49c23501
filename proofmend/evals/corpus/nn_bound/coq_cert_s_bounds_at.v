(** From the machine-checked accuracy certificate of a max-of-K transformer
    (definitions and lemmas it needs copied with their proofs; standard
    library only). *)
From Coq Require Import ZArith Reals Lra Lia List.
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

(** * Dyadic weights: [inj e z] is the real number [z * 2^-e] *)
Definition inj (e : nat) (z : Z) : R := IZR z / 2 ^ e.

(** * The network *)
Record net := {
  nv : nat; nK : nat; nd : nat; nh : nat;
  WE : list (list Z); WP : list (list Z); WQ : list (list Z); WK : list (list Z);
  WV : list (list Z); WO : list (list Z); WU : list (list Z);
  eE : nat; eQ : nat; eK : nat; eV : nat; eO : nat; eU : nat }.

Section Brute.
Variable N : net.
Local Notation h := (nh N).

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

(* bounds on exp of an attention score, scaled by 1/sqrt(d_head), from fixed-point bounds *)
Lemma s_bounds_at e S : (0 < h)%nat ->
  fx (s_lo_at e S) <= exp (inj e S / sqrt (INR h)) <= fx (s_hi_at e S).
Proof.
Admitted.

End Brute.
