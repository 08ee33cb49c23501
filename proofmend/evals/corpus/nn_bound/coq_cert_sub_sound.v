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

(** * Finite sums *)
Fixpoint sumR (n : nat) (f : nat -> R) : R :=
  match n with O => 0 | S n' => sumR n' f + f n' end.
Fixpoint sumZ (n : nat) (f : nat -> Z) : Z :=
  match n with O => 0%Z | S n' => (sumZ n' f + f n')%Z end.

Lemma sumR_ext n f g : (forall i, (i < n)%nat -> f i = g i) -> sumR n f = sumR n g.
Proof.
  induction n as [|n IH]; intros H; simpl; [reflexivity|].
  rewrite IH by (intros; apply H; lia). rewrite H by lia. reflexivity.
Qed.

Lemma sumZ_ext n f g : (forall i, (i < n)%nat -> f i = g i) -> sumZ n f = sumZ n g.
Proof.
  induction n as [|n IH]; intros H; simpl; [reflexivity|].
  rewrite IH by (intros; apply H; lia). rewrite H by lia. reflexivity.
Qed.

Lemma sumR_plus n f g : sumR n (fun i => f i + g i) = sumR n f + sumR n g.
Proof. induction n as [|n IH]; simpl; [ring|]. rewrite IH. ring. Qed.

Lemma sumR_minus n f g : sumR n (fun i => f i - g i) = sumR n f - sumR n g.
Proof. induction n as [|n IH]; simpl; [ring|]. rewrite IH. ring. Qed.

Lemma sumR_scal_l n c f : c * sumR n f = sumR n (fun i => c * f i).
Proof. induction n as [|n IH]; simpl; [ring|]. rewrite <- IH. ring. Qed.

Lemma sumR_scal_r n c f : sumR n f * c = sumR n (fun i => f i * c).
Proof. induction n as [|n IH]; simpl; [ring|]. rewrite <- IH. ring. Qed.

Lemma sumR_zero n : sumR n (fun _ => 0) = 0.
Proof. induction n as [|n IH]; simpl; [reflexivity|]. rewrite IH. ring. Qed.

Lemma sumR_swap n m f :
  sumR n (fun i => sumR m (fun j => f i j)) = sumR m (fun j => sumR n (fun i => f i j)).
Proof.
  induction n as [|n IH]; simpl.
  - symmetry. apply sumR_zero.
  - rewrite IH. symmetry. apply (sumR_plus m (fun j => sumR n (fun i => f i j)) (fun j => f n j)).
Qed.

Lemma sumR_le n f g : (forall i, (i < n)%nat -> f i <= g i) -> sumR n f <= sumR n g.
Proof.
  induction n as [|n IH]; intros H; simpl; [lra|].
  pose proof (H n ltac:(lia)). pose proof (IH ltac:(intros; apply H; lia)). lra.
Qed.

Lemma sumR_nonneg n f : (forall i, (i < n)%nat -> 0 <= f i) -> 0 <= sumR n f.
Proof.
  intros H. rewrite <- (sumR_zero n). apply sumR_le. exact H.
Qed.

(** * Dyadic weights: [inj e z] is the real number [z * 2^-e] *)
Definition inj (e : nat) (z : Z) : R := IZR z / 2 ^ e.

Lemma pow2_pos e : 0 < 2 ^ e.
Proof. apply pow_lt. lra. Qed.

Lemma inj_mul a b x y : inj a x * inj b y = inj (a + b) (x * y).
Proof.
  unfold inj. rewrite mult_IZR, pow_add.
  pose proof (pow2_pos a). pose proof (pow2_pos b). field. lra.
Qed.

Lemma inj_add e x y : inj e x + inj e y = inj e (x + y).
Proof. unfold inj. rewrite plus_IZR. pose proof (pow2_pos e). field. lra. Qed.

Lemma inj_sub e x y : inj e x - inj e y = inj e (x - y).
Proof. unfold inj. rewrite minus_IZR. pose proof (pow2_pos e). field. lra. Qed.

Lemma sumR_inj n e f : sumR n (fun i => inj e (f i)) = inj e (sumZ n f).
Proof.
  induction n as [|n IH]; simpl.
  - unfold inj. simpl. pose proof (pow2_pos e). field. lra.
  - rewrite IH. apply inj_add.
Qed.

Lemma inj_scale e k x : inj e x = inj (e + k) (x * 2 ^ Z.of_nat k).
Proof.
  unfold inj. rewrite mult_IZR, <- pow_IZR, pow_add.
  pose proof (pow2_pos e). pose proof (pow2_pos k). field. lra.
Qed.

Lemma inj_pos_iff e x : (0 < x)%Z -> 0 < inj e x.
Proof.
  intros H. unfold inj. apply Rdiv_lt_0_compat; [apply IZR_lt; exact H| apply pow2_pos].
Qed.

(** * The network *)
Record net := {
  nv : nat; nK : nat; nd : nat; nh : nat;
  WE : list (list Z); WP : list (list Z); WQ : list (list Z); WK : list (list Z);
  WV : list (list Z); WO : list (list Z); WU : list (list Z);
  eE : nat; eQ : nat; eK : nat; eV : nat; eO : nat; eU : nat }.

Definition ent (M : list (list Z)) (i j : nat) : Z := nth j (nth i M []) 0%Z.

Section Model.
Variable N : net.

(** Real weights: each stored integer times a power of two. [W_E] and [W_pos]
    share one exponent. *)
Definition rE t j := inj (eE N) (ent (WE N) t j).
Definition rP i j := inj (eE N) (ent (WP N) i j).
Definition rQ a b := inj (eQ N) (ent (WQ N) a b).
Definition rK a b := inj (eK N) (ent (WK N) a b).
Definition rV a b := inj (eV N) (ent (WV N) a b).
Definition rO a b := inj (eO N) (ent (WO N) a b).
Definition rU a b := inj (eU N) (ent (WU N) a b).

Definition tok (s : list nat) (i : nat) : nat := nth i s O.
Definition last_pos := (nK N - 1)%nat.

(** Residual stream at position [i]: token embedding plus positional embedding. *)
Definition resid s i j := rE (tok s i) j + rP i j.
Definition query s hh := sumR (nd N) (fun j => resid s last_pos j * rQ j hh).
Definition key s i hh := sumR (nd N) (fun j => resid s i j * rK j hh).
(** Attention score of the last position on position [i], scaled by 1/sqrt(d_head);
    the last position attends to every position (the causal mask hides nothing). *)
Definition score s i := sumR (nh N) (fun hh => query s hh * key s i hh) / sqrt (INR (nh N)).
Definition denom s := sumR (nK N) (fun i => exp (score s i)).
Definition attn s i := exp (score s i) / denom s.
Definition value s i hh := sumR (nd N) (fun j => resid s i j * rV j hh).
Definition head s j := sumR (nh N) (fun hh => sumR (nK N) (fun i => attn s i * value s i hh) * rO hh j).
(** Output logits at the last position: (residual + head output) unembedded. *)
Definition logit s o := sumR (nd N) (fun j => (resid s last_pos j + head s j) * rU j o).

(** The prediction: the first index of a largest logit (as [torch.argmax]). *)
Fixpoint argmax_upto (f : nat -> R) (n : nat) : nat :=
  match n with
  | O => O
  | S n' => let b := argmax_upto f n' in
            if Rlt_dec (f b) (f n') then n' else b
  end.
Definition predict s := argmax_upto (logit s) (nv N).

Definition seqmax (s : list nat) : nat := fold_right Nat.max O s.

Fixpoint all_seqs (k v : nat) : list (list nat) :=
  match k with
  | O => [[]]
  | S k' => flat_map (fun t => map (cons t) (all_seqs k' v)) (seq 0 v)
  end.

Definition correct s : bool := Nat.eqb (predict s) (seqmax s).
Definition n_correct : nat := length (filter correct (all_seqs (nK N) (nv N))).

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

Local Open Scope R_scope.

Lemma resid_inj s i j : resid s i j = inj (eE N) (xZ (tok s i) i j).
Proof. unfold resid, rE, rP, xZ. apply inj_add. Qed.

Lemma score_inj s i :
  score s i = inj eS (SZ (tok s last_pos) (tok s i) i) / sqrt (INR (nh N)).
Proof.
  unfold score, SZ, eS. f_equal. rewrite <- sumR_inj. apply sumR_ext. intros hh _.
  unfold query, key, qZ, kZ. rewrite <- (inj_mul (eE N + eQ N) (eE N + eK N)), <- !sumR_inj. f_equal.
  - apply sumR_ext. intros j _. rewrite resid_inj. unfold rQ. apply inj_mul.
  - apply sumR_ext. intros j _. rewrite resid_inj. unfold rK. apply inj_mul.
Qed.

Definition OVR s i o := sumR (nd N) (fun j => sumR (nh N) (fun hh => value s i hh * rO hh j) * rU j o).
Definition DR s o := sumR (nd N) (fun j => resid s last_pos j * rU j o).

Lemma OVR_inj s i o : OVR s i o = inj eM (OVZ (tok s i) i o).
Proof.
  unfold OVR, OVZ, eM. rewrite <- sumR_inj. apply sumR_ext. intros j _.
  rewrite <- (inj_mul (eE N + eV N + eO N) (eU N)). unfold rU. f_equal.
  unfold oZ. rewrite <- sumR_inj. apply sumR_ext. intros hh _.
  rewrite <- (inj_mul (eE N + eV N) (eO N)). unfold rO. f_equal.
  unfold value, vZ. rewrite <- sumR_inj. apply sumR_ext. intros j' _.
  rewrite resid_inj. unfold rV. apply inj_mul.
Qed.

Lemma DR_inj s o : DR s o = inj (eE N + eU N) (DZ (tok s last_pos) o).
Proof.
  unfold DR, DZ. rewrite <- sumR_inj. apply sumR_ext. intros j _.
  rewrite resid_inj. unfold rU. apply inj_mul.
Qed.

Lemma logit_paths s o : logit s o = DR s o + sumR (nK N) (fun i => attn s i * OVR s i o).
Proof.
  unfold logit, DR.
  transitivity (sumR (nd N) (fun j => resid s last_pos j * rU j o) +
                sumR (nd N) (fun j => head s j * rU j o)).
  { rewrite <- sumR_plus. apply sumR_ext. intros; ring. }
  f_equal. unfold head, OVR.
  transitivity (sumR (nd N) (fun j => sumR (nK N) (fun i =>
      attn s i * (sumR (nh N) (fun hh => value s i hh * rO hh j) * rU j o)))).
  { apply sumR_ext. intros j _. rewrite sumR_scal_r.
    transitivity (sumR (nh N) (fun hh => sumR (nK N) (fun i =>
      attn s i * (value s i hh * rO hh j * rU j o)))).
    { apply sumR_ext. intros hh _. rewrite !sumR_scal_r. apply sumR_ext. intros; ring. }
    rewrite sumR_swap. apply sumR_ext. intros i _. rewrite sumR_scal_r, sumR_scal_l.
    apply sumR_ext. intros; ring. }
  rewrite sumR_swap. apply sumR_ext. intros i _. rewrite sumR_scal_l. reflexivity.
Qed.

Lemma denom_nonneg s : 0 <= denom s.
Proof. apply sumR_nonneg. intros. left. apply exp_pos. Qed.

(** The margin of [m] over [o], times the softmax denominator, is a sum over
    positions of exp(score) times an integer path margin. *)
Lemma margin_paths s m o :
  denom s * (logit s m - logit s o) =
  sumR (nK N) (fun i => exp (score s i) * inj eM (MZ (tok s last_pos) (tok s i) i m o)).
Proof.
  destruct (nK N) as [|k] eqn:Hk.
  { simpl. unfold denom. rewrite Hk. simpl. ring. }
  assert (Hz : 0 < denom s).
  { unfold denom. rewrite Hk. simpl. pose proof (exp_pos (score s k)).
    pose proof (sumR_nonneg k (fun i => exp (score s i)) ltac:(intros; left; apply exp_pos)). lra. }
  rewrite !logit_paths, Hk.
  transitivity (denom s * (DR s m - DR s o) +
     sumR (S k) (fun i => denom s * attn s i * (OVR s i m - OVR s i o))).
  { assert (E : sumR (S k) (fun i => denom s * attn s i * (OVR s i m - OVR s i o)) =
      denom s * (sumR (S k) (fun i => attn s i * OVR s i m) - sumR (S k) (fun i => attn s i * OVR s i o))).
    { rewrite <- sumR_minus, sumR_scal_l. apply sumR_ext; intros; ring. }
    rewrite E. ring. }
  transitivity (sumR (S k) (fun i => exp (score s i) * ((OVR s i m - OVR s i o) + (DR s m - DR s o)))).
  { unfold denom at 1. rewrite Hk, sumR_scal_r, <- sumR_plus. apply sumR_ext. intros i _.
    unfold attn. field. lra. }
  apply sumR_ext. intros i _. f_equal.
  rewrite !OVR_inj, !DR_inj, !inj_sub.
  rewrite (inj_scale (eE N + eU N) (eV N + eO N)).
  replace (eE N + eU N + (eV N + eO N))%nat with eM by (unfold eM; lia).
  rewrite inj_add. reflexivity.
Qed.

Lemma margin_pos s m o :
  0 < sumR (nK N) (fun i => exp (score s i) * inj eM (MZ (tok s last_pos) (tok s i) i m o)) ->
  logit s o < logit s m.
Proof.
  intros H. rewrite <- margin_paths in H. pose proof (denom_nonneg s).
  destruct (Rle_or_lt (logit s m) (logit s o)) as [Hle|]; [|assumption].
  exfalso. assert (0 <= denom s * (logit s o - logit s m)) by (apply Rmult_le_pos; lra). lra.
Qed.

(** * The prediction is the maximum when its logit beats every other *)
Lemma argmax_upto_lt f n : (0 < n)%nat -> (argmax_upto f n < n)%nat.
Proof.
  induction n as [|n IH]; intros H; [lia|]. simpl.
  destruct n as [|n]; [simpl; destruct (Rlt_dec (f 0%nat) (f 0%nat)); lia|].
  specialize (IH ltac:(lia)). destruct (Rlt_dec _ _); lia.
Qed.

Lemma argmax_upto_unique f n m :
  (m < n)%nat -> (forall o, (o < n)%nat -> o <> m -> f o < f m) -> argmax_upto f n = m.
Proof.
  induction n as [|n IH]; intros Hm H; [lia|]. simpl.
  destruct (Nat.eq_dec n m) as [->|Hne].
  - destruct m as [|m'].
    + simpl. destruct (Rlt_dec (f 0%nat) (f 0%nat)); reflexivity.
    + pose proof (argmax_upto_lt f (S m') ltac:(lia)) as Hb.
      destruct (Rlt_dec _ _) as [|Hn]; [reflexivity|]. exfalso. apply Hn. apply H; lia.
  - rewrite IH by (lia || (intros; apply H; lia)).
    destruct (Rlt_dec _ _) as [Hl|]; [|reflexivity].
    exfalso. pose proof (H n ltac:(lia) Hne). lra.
Qed.

Lemma correct_of_margins s :
  (seqmax s < nv N)%nat ->
  (forall o, (o < nv N)%nat -> o <> seqmax s ->
     0 < sumR (nK N) (fun i => exp (score s i) * inj eM (MZ (tok s last_pos) (tok s i) i (seqmax s) o))) ->
  correct s = true.
Proof.
  intros Hm H. unfold correct, predict. rewrite (argmax_upto_unique _ _ (seqmax s) Hm).
  - apply Nat.eqb_refl.
  - intros o Ho Hne. apply margin_pos. apply H; assumption.
Qed.

(** * Inputs *)
Lemma all_seqs_spec k v s : In s (all_seqs k v) -> length s = k /\ Forall (fun t => (t < v)%nat) s.
Proof.
  revert s. induction k as [|k IH]; intros s Hs; simpl in Hs.
  - destruct Hs as [<-|[]]. split; [reflexivity|constructor].
  - apply in_flat_map in Hs. destruct Hs as [t [Ht Hs]]. apply in_map_iff in Hs.
    destruct Hs as [s' [<- Hs']]. apply in_seq in Ht. destruct (IH s' Hs') as [Hl Hf].
    split; [simpl; lia|constructor; [lia|exact Hf]].
Qed.

Lemma seqmax_lt v s : (0 < v)%nat -> Forall (fun t => (t < v)%nat) s -> (seqmax s < v)%nat.
Proof. intros Hv H. induction H; simpl; lia. Qed.

Lemma tok_lt v s i : Forall (fun t => (t < v)%nat) s -> (0 < v)%nat -> (tok s i < v)%nat.
Proof.
  intros H Hv. unfold tok. revert i. induction H; intros [|i]; simpl; auto.
Qed.

Lemma count_le (P Q : list nat -> bool) l :
  (forall s, In s l -> P s = true -> Q s = true) -> (length (filter P l) <= length (filter Q l))%nat.
Proof.
  induction l as [|a l IH]; intros H; simpl; [lia|].
  specialize (IH ltac:(intros; apply H; simpl; auto)).
  destruct (P a) eqn:Ha; [rewrite (H a (or_introl eq_refl) Ha); simpl; lia|].
  destruct (Q a); simpl; lia.
Qed.

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
Local Notation v := (nv N).
Local Notation d := (nd N).
Local Notation h := (nh N).

(** Shared integer tables *)
Definition xrow t i : list Z := map (fun j => xZ N t i j) (seq 0 d).
Definition qvec q : list Z := vecmat d h (xrow q (last_pos N)) (WQ N).
Definition kvec t i : list Z := vecmat d h (xrow t i) (WK N).
Definition dvec q : list Z := vecmat d v (xrow q (last_pos N)) (WU N).

Lemma xrow_nth t i j : (j < d)%nat -> nth j (xrow t i) 0%Z = xZ N t i j.
Proof. intros H. unfold xrow. apply (nth_map_seq (fun j => xZ N t i j)). exact H. Qed.

Lemma dvec_spec q o : (o < v)%nat -> nth o (dvec q) 0%Z = DZ N q o.
Proof.
  intros Ho. unfold dvec. rewrite nth_vecmat by exact Ho. unfold DZ. apply sumZ_ext. intros j Hj.
  rewrite xrow_nth by exact Hj. reflexivity.
Qed.

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

(** * List helpers *)
Fixpoint prefmin_aux (acc : Z) (l : list Z) : list Z :=
  match l with [] => [] | x :: l' => let a := Z.min acc x in a :: prefmin_aux a l' end.
Definition prefmin (l : list Z) : list Z :=
  match l with [] => [] | x :: _ => prefmin_aux x l end.

Definition maxlist (l : list Z) : Z := fold_right Z.max (hd 0%Z l) l.

Definition prodZ (l : list Z) : Z := fold_right Z.mul 1%Z l.
Definition sumL (l : list Z) : Z := fold_right Z.add 0%Z l.

(** Does the sequence lie in the box (one predicate per position)? *)
Fixpoint fits (A : list (nat -> bool)) (s : list nat) : bool :=
  match A, s with
  | a :: A', t :: s' => a t && fits A' s'
  | [], [] => true
  | _, _ => false
  end.

Definition box_size (v : nat) (A : list (nat -> bool)) : Z :=
  prodZ (map (fun a => Z.of_nat (length (filter a (seq 0 v)))) A).

(** ** Facts about the helpers *)
Lemma prefmin_aux_spec acc l t' : (t' < length l)%nat ->
  (nth t' (prefmin_aux acc l) 0 <= acc)%Z /\
  (forall t, (t <= t')%nat -> nth t' (prefmin_aux acc l) 0 <= nth t l 0)%Z.
Proof.
  revert acc t'. induction l as [|x l IH]; intros acc t' Ht; simpl in Ht; [lia|].
  destruct t' as [|t']; simpl.
  - split; [lia|]. intros t Hle. assert (t = 0%nat) by lia. subst. simpl. lia.
  - destruct (IH (Z.min acc x) t' ltac:(lia)) as [H1 H2]. split; [lia|].
    intros [|t] Hle; simpl; [lia|]. apply H2. lia.
Qed.

Lemma prefmin_le l t t' : (t <= t')%nat -> (t' < length l)%nat -> (nth t' (prefmin l) 0 <= nth t l 0)%Z.
Proof. intros H1 H2. destruct l as [|x l]; simpl in H2; [lia|]. apply (prefmin_aux_spec x (x :: l)); simpl; lia. Qed.

Lemma fold_max_ge x z l : In x l -> (x <= fold_right Z.max z l)%Z.
Proof. induction l as [|y l IH]; simpl; [tauto|]. intros [<-|H]; [lia|]. specialize (IH H). lia. Qed.

Lemma maxlist_ge x l : In x l -> (x <= maxlist l)%Z.
Proof. apply fold_max_ge. Qed.

Lemma nth_map' {A B} (f : A -> B) l i d0 d : (i < length l)%nat -> nth i (map f l) d = f (nth i l d0).
Proof.
  intros H. rewrite (nth_indep _ d (f d0)) by (rewrite map_length; exact H). apply map_nth.
Qed.

Lemma fits_length A s : fits A s = true -> length s = length A.
Proof.
  revert s. induction A as [|a A IH]; intros [|t s] H; simpl in *; try discriminate; auto.
  apply andb_prop in H. rewrite (IH s (proj2 H)). reflexivity.
Qed.

Lemma fits_nth A s i : fits A s = true -> (i < length A)%nat -> nth i A (fun _ => false) (nth i s O) = true.
Proof.
  revert s i. induction A as [|a A IH]; intros [|t s] i H Hi; simpl in *; try discriminate; try lia.
  apply andb_prop in H. destruct i as [|i]; [exact (proj1 H)|]. apply IH; [exact (proj2 H)|lia].
Qed.

Lemma count_cons_map (a : nat -> bool) A t X :
  length (filter (fits (a :: A)) (map (cons t) X)) = if a t then length (filter (fits A) X) else O.
Proof.
  induction X as [|x X IH]; [destruct (a t); reflexivity|]. cbn [map filter].
  change (fits (a :: A) (t :: x)) with (andb (a t) (fits A x)).
  destruct (a t), (fits A x); cbn [andb length]; rewrite IH; reflexivity.
Qed.

Lemma count_flat A a X L :
  length (filter (fits (a :: A)) (flat_map (fun t => map (cons t) X) L)) =
  (length (filter a L) * length (filter (fits A) X))%nat.
Proof.
  induction L as [|t L IH]; [reflexivity|]. cbn [flat_map].
  rewrite filter_app, app_length, count_cons_map, IH. cbn [filter length]. destruct (a t); simpl; lia.
Qed.

(** The number of inputs in a box is the product of the per-position counts. *)
Lemma box_count A v : Z.of_nat (length (filter (fits A) (all_seqs (length A) v))) = box_size v A.
Proof.
  unfold box_size, prodZ. induction A as [|a A IH]; [reflexivity|]. cbn [length all_seqs map fold_right].
  rewrite count_flat, Nat2Z.inj_mul, IH. reflexivity.
Qed.

Lemma NoDup_app' {X} (l1 l2 : list X) :
  NoDup l1 -> NoDup l2 -> (forall x, In x l1 -> ~ In x l2) -> NoDup (l1 ++ l2).
Proof.
  induction l1 as [|a l1 IH]; intros H1 H2 H; simpl; [exact H2|].
  inversion H1 as [|b l Hb Hl]; subst. constructor.
  - rewrite in_app_iff. intros [H'|H']; [contradiction|]. exact (H a (or_introl eq_refl) H').
  - apply IH; auto. intros x Hx. apply H. right. exact Hx.
Qed.

Lemma NoDup_all_seqs k v : NoDup (all_seqs k v).
Proof.
  induction k as [|k IH]; simpl; [constructor; [intros []|constructor]|].
  generalize (seq_NoDup v 0). generalize (seq 0 v). intros L HL.
  induction L as [|t L IHL]; simpl; [constructor|]. inversion HL as [|b l Hb Hl]; subst.
  apply NoDup_app'.
  - apply Injective_map_NoDup; [intros x y E; injection E; auto|exact IH].
  - apply IHL. assumption.
  - intros x Hx Hx'. apply in_map_iff in Hx. destruct Hx as [s [<- _]].
    apply in_flat_map in Hx'. destruct Hx' as [t' [Ht' Hs]]. apply in_map_iff in Hs.
    destruct Hs as [s' [E _]]. injection E as -> _. contradiction.
Qed.

Lemma filter_le_one {I} (Is : list I) (f : I -> bool) (k : I) :
  NoDup Is -> (forall i, In i Is -> f i = true -> i = k) -> (length (filter f Is) <= 1)%nat.
Proof.
  induction Is as [|i Is IH]; intros ND H; simpl; [lia|]. inversion ND as [|b l Hb Hl]; subst.
  destruct (f i) eqn:E.
  - assert (i = k) by (apply H; simpl; auto). subst.
    destruct (filter f Is) as [|j l] eqn:F; [simpl; lia|exfalso].
    assert (Hj : In j (filter f Is)) by (rewrite F; left; reflexivity).
    apply filter_In in Hj. destruct Hj as [Hj Hfj].
    pose proof (H j (or_intror Hj) Hfj). subst. contradiction.
  - apply IH; auto. intros j Hj. apply H. right. exact Hj.
Qed.

Lemma sum_filters_cons {X I} (Is : list I) (G : I -> X -> bool) x l :
  list_sum (map (fun i => length (filter (G i) (x :: l))) Is) =
  (length (filter (fun i => G i x) Is) + list_sum (map (fun i => length (filter (G i) l)) Is))%nat.
Proof.
  induction Is as [|i Is IH]; simpl in *; [reflexivity|]. rewrite IH.
  destruct (G i x); simpl; lia.
Qed.

Lemma sum_filters_le {X I} (l : list X) (Is : list I) (G : I -> X -> bool) (C : X -> bool) (key : X -> I) :
  NoDup Is ->
  (forall i x, In i Is -> In x l -> G i x = true -> key x = i /\ C x = true) ->
  (list_sum (map (fun i => length (filter (G i) l)) Is) <= length (filter C l))%nat.
Proof.
  intros ND. induction l as [|x l IH]; intros H.
  { simpl. clear. induction Is; simpl; lia. }
  rewrite (sum_filters_cons Is G x l). simpl.
  specialize (IH ltac:(intros i y Hi Hy; apply H; simpl; auto)).
  destruct (C x) eqn:Cx; simpl.
  - pose proof (filter_le_one Is (fun i => G i x) (key x) ND ltac:(intros i Hi Hg; symmetry; apply (H i x Hi (or_introl eq_refl) Hg))). lia.
  - destruct (filter (fun i => G i x) Is) as [|j l'] eqn:F; [simpl; lia|exfalso].
    assert (Hj : In j (filter (fun i => G i x) Is)) by (rewrite F; left; reflexivity).
    apply filter_In in Hj. destruct (H j x (proj1 Hj) (or_introl eq_refl) (proj2 Hj)) as [_ Hc].
    rewrite Hc in Cx. discriminate.
Qed.

(** Disjoint families: each input lies in at most one part (its key), so the parts' counts add up to at most the total. *)
Lemma part_le {X I} (l : list X) (Is : list I) (c : I -> Z) (G : I -> X -> bool) (C : X -> bool) (key : X -> I) :
  NoDup Is ->
  (forall i, In i Is -> (c i <= Z.of_nat (length (filter (G i) l)))%Z) ->
  (forall i x, In i Is -> In x l -> G i x = true -> key x = i /\ C x = true) ->
  (sumL (map c Is) <= Z.of_nat (length (filter C l)))%Z.
Proof.
  intros ND Hc H. pose proof (sum_filters_le l Is G C key ND H) as S.
  apply Z.le_trans with (Z.of_nat (list_sum (map (fun i => length (filter (G i) l)) Is))); [|lia].
  clear S H ND. induction Is as [|i Is IH]; simpl; [lia|].
  rewrite Nat2Z.inj_add. pose proof (Hc i (or_introl eq_refl)).
  specialize (IH ltac:(intros j Hj; apply Hc; right; exact Hj)). lia.
Qed.

Lemma sumZ_plus n f g : sumZ n (fun i => f i + g i)%Z = (sumZ n f + sumZ n g)%Z.
Proof. induction n as [|n IH]; simpl; [reflexivity|]. rewrite IH. ring. Qed.

Lemma seqmax_le s m : (forall x, In x s -> (x <= m)%nat) -> (seqmax s <= m)%nat.
Proof. induction s as [|x s IH]; intros H; simpl; [lia|]. pose proof (H x (or_introl eq_refl)). specialize (IH ltac:(intros; apply H; right; assumption)). lia. Qed.

Lemma seqmax_ge s x : In x s -> (x <= seqmax s)%nat.
Proof. induction s as [|y s IH]; simpl; [tauto|]. intros [<-|H]; [lia|]. specialize (IH H). lia. Qed.

Section Cubic.
Local Open Scope nat_scope.
Variable N : net.
Local Notation v := (nv N).
Local Notation K := (nK N).
Local Notation d := (nd N).
Local Notation h := (nh N).
Local Notation km1 := (nK N - 1)%nat.

(** ** The combinatorial part, over a per-position term [term t i] for fixed (q, m) *)
Definition pats : list (list nat) := all_seqs km1 2.

Definition valid (q m : nat) (P : list nat) : bool :=
  (q <=? m) && ((q =? m) || existsb (Nat.eqb 1) P).

Definition box_preds (q m : nat) (P : list nat) (t' : nat) : list (nat -> bool) :=
  map (fun i => if Nat.eqb (nth i P O) 1 then Nat.eqb m else fun t => t <=? t') (seq 0 km1) ++ [Nat.eqb q].

Local Open Scope R_scope.

Lemma inj_le e x y : (x <= y)%Z -> inj e x <= inj e y.
Proof. intros H. unfold inj. apply div_le_compat; [apply pow2_pos|apply IZR_le; exact H]. Qed.

Lemma box_preds_length q m P t' : (0 < K)%nat -> length (box_preds q m P t') = K.
Proof. intros HK. unfold box_preds. rewrite app_length, map_length, seq_length. simpl. lia. Qed.

Lemma box_pred_nth q m P t' i : (i < km1)%nat ->
  nth i (box_preds q m P t') (fun _ => false) = if Nat.eqb (nth i P O) 1 then Nat.eqb m else fun t => t <=? t'.
Proof.
  intros H. unfold box_preds. rewrite app_nth1 by (rewrite map_length, seq_length; exact H).
  apply (nth_map_seq (fun i => if Nat.eqb (nth i P O) 1 then Nat.eqb m else fun t => t <=? t')). exact H.
Qed.

Lemma box_pred_last q m P t' : nth km1 (box_preds q m P t') (fun _ => false) = Nat.eqb q.
Proof.
  unfold box_preds. rewrite app_nth2 by (rewrite map_length, seq_length; lia).
  rewrite map_length, seq_length, Nat.sub_diag. reflexivity.
Qed.

Lemma in_box q m P t' s : (0 < K)%nat -> fits (box_preds q m P t') s = true ->
  length s = K /\ tok s km1 = q /\
  (forall i, (i < km1)%nat -> nth i P O = 1%nat -> tok s i = m) /\
  (forall i, (i < km1)%nat -> nth i P O <> 1%nat -> (tok s i <= t')%nat).
Proof.
  intros HK H. pose proof (fits_length _ _ H) as Hl. rewrite box_preds_length in Hl by exact HK.
  split; [exact Hl|]. split.
  - pose proof (fits_nth _ _ km1 H ltac:(rewrite box_preds_length; lia)) as E.
    rewrite box_pred_last in E. apply Nat.eqb_eq in E. unfold tok. lia.
  - split; intros i Hi HP; pose proof (fits_nth _ _ i H ltac:(rewrite box_preds_length; lia)) as E;
      rewrite box_pred_nth in E by exact Hi.
    + rewrite (proj2 (Nat.eqb_eq _ _) HP) in E. apply Nat.eqb_eq in E. unfold tok. lia.
    + destruct (Nat.eqb_spec (nth i P O) 1); [contradiction|]. apply Nat.leb_le in E. exact E.
Qed.

Lemma box_seqmax q m P t' s : (0 < K)%nat -> valid q m P = true -> length P = km1 -> (t' < m)%nat ->
  fits (box_preds q m P t') s = true -> seqmax s = m.
Proof.
  intros HK Hv HP Ht H. destruct (in_box q m P t' s HK H) as (Hl & Hq & Hm & Hf).
  unfold valid in Hv. apply andb_prop in Hv. destruct Hv as [Hqm Hex]. apply Nat.leb_le in Hqm.
  apply Nat.le_antisymm.
  - apply seqmax_le. intros x Hx. apply In_nth with (d := O) in Hx. destruct Hx as [i [Hi <-]].
    destruct (Nat.eq_dec i km1) as [->|Hne]; [unfold tok in Hq; lia|].
    assert (Hi' : (i < km1)%nat) by lia. destruct (Nat.eq_dec (nth i P O) 1) as [E|E].
    + specialize (Hm i Hi' E). unfold tok in Hm. lia.
    + specialize (Hf i Hi' E). unfold tok in Hf. lia.
  - apply Bool.orb_prop in Hex. destruct Hex as [E|E].
    + apply Nat.eqb_eq in E. subst m. rewrite <- Hq. apply seqmax_ge. unfold tok. apply nth_In. lia.
    + apply existsb_exists in E. destruct E as [x [Hx E]]. apply Nat.eqb_eq in E. subst x.
      apply In_nth with (d := O) in Hx. destruct Hx as [i [Hi Ei]].
      rewrite HP in Hi. rewrite <- (Hm i Hi Ei). apply seqmax_ge. unfold tok. apply nth_In. lia.
Qed.

Definition pattern (m : nat) (s : list nat) : list nat :=
  map (fun i => if Nat.eqb (tok s i) m then 1%nat else O) (seq 0 km1).

Definition pat_eqb (a b : list nat) : bool := if list_eq_dec Nat.eq_dec a b then true else false.

Lemma box_pattern q m P t' s : (0 < K)%nat -> length P = km1 -> Forall (fun b => (b < 2)%nat) P -> (t' < m)%nat ->
  fits (box_preds q m P t') s = true -> pattern m s = P.
Proof.
  intros HK HP Hb Ht H. destruct (in_box q m P t' s HK H) as (Hl & Hq & Hm & Hf).
  apply nth_ext with (d := O) (d' := O). { unfold pattern. rewrite map_length, seq_length. auto. }
  intros i Hi. unfold pattern in *. rewrite map_length, seq_length in Hi.
  rewrite (nth_map_seq (fun i => if Nat.eqb (tok s i) m then 1%nat else O)) by exact Hi.
  destruct (Nat.eq_dec (nth i P O) 1) as [E|E].
  - rewrite (Hm i Hi E), Nat.eqb_refl. auto.
  - specialize (Hf i Hi E). destruct (Nat.eqb_spec (tok s i) m); [lia|].
    rewrite Forall_forall in Hb. assert (Hin : In (nth i P O) P) by (apply nth_In; lia).
    specialize (Hb _ Hin). lia.
Qed.

Local Open Scope nat_scope.
(** ** Integer tables (exact) and the fast term *)
Definition erow t : list Z := map (fun j => ent (WE N) t j) (seq 0 d).
Definition prow i : list Z := map (fun j => ent (WP N) i j) (seq 0 d).
Definition chainvec (row : list Z) : list Z :=
  vecmat d v (vecmat h d (vecmat d h row (WV N)) (WO N)) (WU N).
Definition kevec t : list Z := vecmat d h (erow t) (WK N).
Definition kpvec i : list Z := vecmat d h (prow i) (WK N).

Definition shr (r : nat) (x : Z) : Z := Z.shiftr x (Z.of_nat r).

(** Parameters (any values are sound): [r] bits dropped from the output
    margins, [rb] from products of exp bounds, [keep] bits kept of attention
    scores before exp, [width] bits kept of attention weights in a case. *)
Variables r rb keep width : nat.

Definition wlist (a : list Z) : list Z :=
  let top := maxlist a in
  map (fun p => let '(m, am) := p in
         if (am <? top)%Z then (am - top - 2)%Z
         else (am - maxlist (map snd (filter (fun p' => negb (Nat.eqb (fst p') m)) (combine (seq 0 v) a))) - 2)%Z)
      (combine (seq 0 v) a).

Definition minlist (l : list Z) : Z := fold_right Z.min (hd 0%Z l) l.

Definition ev_tab : list (list Z) := map (fun t => chainvec (erow t)) (seq 0 v).
Definition pv_tab : list (list Z) := map (fun i => chainvec (prow i)) (seq 0 K).

Local Open Scope R_scope.

Lemma shr_Z k x : (shr k x * 2 ^ Z.of_nat k <= x < (shr k x + 1) * 2 ^ Z.of_nat k)%Z.
Proof.
  unfold shr. rewrite Z.shiftr_div_pow2 by lia. pose proof (pow2Z_pos k) as Hp. split.
  - rewrite Z.mul_comm. apply Z.mul_div_le. exact Hp.
  - pose proof (Z.mul_succ_div_gt x _ Hp) as G. rewrite <- Z.add_1_r in G. lia.
Qed.

Lemma fx_max0 x e : 0 < e -> fx x <= e -> fx (Z.max 0 x) <= e.
Proof.
  intros He H. destruct (Z.max_spec 0 x) as [[_ E]|[_ E]]; rewrite E; [exact H|].
  unfold fx. unfold Rdiv. rewrite Rmult_0_l. lra.
Qed.

Lemma fx_nonneg x : (0 <= x)%Z -> 0 <= fx x.
Proof. intros H. unfold fx. apply Rmult_le_pos; [apply IZR_le; exact H|left; apply Rinv_0_lt_compat, pow2_pos]. Qed.

Lemma exp_div_mono x y c : 0 < c -> x <= y -> exp (x / c) <= exp (y / c).
Proof. intros Hc H. apply exp_mono. apply div_le_compat; assumption. Qed.

(** Path decompositions of the integer tables *)
Lemma nth_erow t j : (j < d)%nat -> nth j (erow t) 0%Z = ent (WE N) t j.
Proof. intros H. unfold erow. apply (nth_map_seq (fun j => ent (WE N) t j)). exact H. Qed.
Lemma nth_prow i j : (j < d)%nat -> nth j (prow i) 0%Z = ent (WP N) i j.
Proof. intros H. unfold prow. apply (nth_map_seq (fun j => ent (WP N) i j)). exact H. Qed.

Definition chainZ (x : nat -> Z) (o : nat) : Z :=
  sumZ d (fun j => sumZ h (fun hh => sumZ d (fun j' => x j' * ent (WV N) j' hh) * ent (WO N) hh j) * ent (WU N) j o)%Z.

Lemma chainvec_spec row o : (o < v)%nat -> nth o (chainvec row) 0%Z = chainZ (fun j => nth j row 0%Z) o.
Proof.
  intros Ho. unfold chainvec, chainZ. rewrite nth_vecmat by exact Ho. apply sumZ_ext. intros j Hj.
  f_equal. rewrite nth_vecmat by exact Hj. apply sumZ_ext. intros hh Hh.
  f_equal. rewrite nth_vecmat by exact Hh. reflexivity.
Qed.

Lemma chainZ_ext f g o : (forall j, (j < d)%nat -> f j = g j) -> chainZ f o = chainZ g o.
Proof.
  intros H. unfold chainZ. apply sumZ_ext. intros j _. f_equal. apply sumZ_ext. intros hh _. f_equal.
  apply sumZ_ext. intros j' Hj'. rewrite H by exact Hj'. reflexivity.
Qed.

Lemma chainZ_add f g o : chainZ (fun j => f j + g j)%Z o = (chainZ f o + chainZ g o)%Z.
Proof.
  unfold chainZ. rewrite <- sumZ_plus. apply sumZ_ext. intros j _. rewrite <- Z.mul_add_distr_r. f_equal.
  rewrite <- sumZ_plus. apply sumZ_ext. intros hh _. rewrite <- Z.mul_add_distr_r. f_equal.
  rewrite <- sumZ_plus. apply sumZ_ext. intros j' _. ring.
Qed.

Lemma OV_split t i o : (o < v)%nat ->
  OVZ N t i o = (nth o (chainvec (erow t)) 0 + nth o (chainvec (prow i)) 0)%Z.
Proof.
  intros Ho. rewrite !chainvec_spec by exact Ho.
  rewrite (chainZ_ext (fun j => nth j (erow t) 0%Z) (fun j => ent (WE N) t j)) by (intros; apply nth_erow; assumption).
  rewrite (chainZ_ext (fun j => nth j (prow i) 0%Z) (fun j => ent (WP N) i j)) by (intros; apply nth_prow; assumption).
  rewrite <- chainZ_add. reflexivity.
Qed.

Lemma S_split q t i : SZ N q t i = (score_of N (qvec N q) (kevec t) + score_of N (qvec N q) (kpvec i))%Z.
Proof.
  rewrite <- score_of_spec. unfold score_of. rewrite <- sumZ_plus. apply sumZ_ext. intros hh Hh.
  rewrite <- Z.mul_add_distr_l. f_equal. unfold kvec, kevec, kpvec. rewrite !nth_vecmat by exact Hh.
  rewrite <- sumZ_plus. apply sumZ_ext. intros j Hj. rewrite xrow_nth, nth_erow, nth_prow by exact Hj.
  unfold xZ. ring.
Qed.

(** The least margin [W]: below every margin of [m] over another output. *)
Lemma wlist_spec a m o : length a = v -> (m < v)%nat -> (o < v)%nat -> o <> m ->
  (nth m (wlist a) 0 <= nth m a 0 - nth o a 0 - 2)%Z.
Proof.
  intros Hl Hm Ho Hne. assert (Hc : length (combine (seq 0 v) a) = v) by (rewrite combine_length, seq_length; lia).
  unfold wlist. rewrite (nth_map' _ _ _ (O, 0%Z)) by lia.
  rewrite combine_nth by (rewrite seq_length; lia). rewrite seq_nth by exact Hm. simpl.
  assert (Ho_in : In (nth o a 0%Z) a) by (apply nth_In; lia).
  destruct (Z.ltb_spec (nth m a 0%Z) (maxlist a)) as [_|_].
  - pose proof (maxlist_ge _ _ Ho_in). lia.
  - assert (In (nth o a 0%Z) (map snd (filter (fun p' => negb (Nat.eqb (fst p') m)) (combine (seq 0 v) a)))).
    { apply in_map_iff. exists (o, nth o a 0%Z). split; [reflexivity|]. apply filter_In. split.
      - assert (E : nth o (combine (seq 0 v) a) (O, 0%Z) = (o, nth o a 0%Z)).
        { rewrite combine_nth by (rewrite seq_length; lia). rewrite seq_nth by exact Ho. reflexivity. }
        rewrite <- E. apply nth_In. lia.
      - simpl. apply Nat.eqb_neq in Hne. rewrite Hne. reflexivity. }
    pose proof (maxlist_ge _ _ H). lia.
Qed.

Lemma chainvec_length row : length (chainvec row) = v.
Proof. unfold chainvec, vecmat. rewrite map_length, seq_length. reflexivity. Qed.

Lemma dvec_length q : length (dvec N q) = v.
Proof. unfold dvec, vecmat. rewrite map_length, seq_length. reflexivity. Qed.
Definition E1 : nat := (prec + prec - rb)%nat.

End Cubic.

(** * Finding a workable t' *)
Fixpoint bsearch (ok : nat -> bool) (fuel lo hi : nat) (best : option nat) : option nat :=
  match fuel with
  | O => best
  | S f => if (hi <=? lo)%nat then best else
      let mid := Nat.div2 (lo + hi) in
      if ok mid then bsearch ok f (S mid) hi (Some mid) else bsearch ok f lo mid best
  end.

(** [m - 1] if it works, else a binary search below it; any answer is checked. *)
Definition find_t (ok : nat -> bool) (m : nat) : option nat :=
  match m with O => None | S m' => if ok m' then Some m' else bsearch ok m O m' None end.

Lemma div2_lt lo hi : (lo < hi)%nat -> (Nat.div2 (lo + hi) < hi)%nat.
Proof. intros H. rewrite Nat.div2_div. apply Nat.div_lt_upper_bound; lia. Qed.

Lemma bsearch_spec ok fuel lo hi best B t :
  (forall t, best = Some t -> (t < B)%nat /\ ok t = true) -> (hi <= B)%nat ->
  bsearch ok fuel lo hi best = Some t -> (t < B)%nat /\ ok t = true.
Proof.
  revert lo hi best. induction fuel as [|f IH]; intros lo hi best Hb Hh E; simpl in E; [apply Hb; exact E|].
  destruct (Nat.leb_spec hi lo) as [_|Hlt]; [apply Hb; exact E|].
  pose proof (div2_lt lo hi Hlt) as Hm.
  destruct (ok (Nat.div2 (lo + hi))) eqn:Ok.
  - refine (IH _ _ _ _ Hh E). intros t' E'. injection E' as <-. split; [lia|exact Ok].
  - refine (IH lo _ best Hb _ E). lia.
Qed.

Lemma find_t_spec ok m t : find_t ok m = Some t -> (t < m)%nat /\ ok t = true.
Proof.
  unfold find_t. destruct m as [|m']; [discriminate|]. destruct (ok m') eqn:Ok.
  - intros E. injection E as <-. split; [lia|exact Ok].
  - apply bsearch_spec; [discriminate|lia].
Qed.

(** * Integer helpers *)
Lemma fold_min_le x z l : In x l -> (fold_right Z.min z l <= x)%Z.
Proof. induction l as [|y l IH]; simpl; [tauto|]. intros [<-|H]; [lia|]. specialize (IH H). lia. Qed.

Lemma minlist_le x l : In x l -> (minlist l <= x)%Z.
Proof. apply fold_min_le. Qed.

Fixpoint prefmax_aux (acc : Z) (l : list Z) : list Z :=
  match l with [] => [] | x :: l' => let a := Z.max acc x in a :: prefmax_aux a l' end.
Definition prefmax (l : list Z) : list Z :=
  match l with [] => [] | x :: _ => prefmax_aux x l end.

Lemma prefmax_aux_spec acc l t' : (t' < length l)%nat ->
  (acc <= nth t' (prefmax_aux acc l) 0)%Z /\
  (forall t, (t <= t')%nat -> nth t l 0 <= nth t' (prefmax_aux acc l) 0)%Z.
Proof.
  revert acc t'. induction l as [|x l IH]; intros acc t' Ht; simpl in Ht; [lia|].
  destruct t' as [|t']; simpl.
  - split; [lia|]. intros t Hle. assert (t = 0%nat) by lia. subst. simpl. lia.
  - destruct (IH (Z.max acc x) t' ltac:(lia)) as [H1 H2]. split; [lia|].
    intros [|t] Hle; simpl; [lia|]. apply H2. lia.
Qed.

Lemma prefmax_ge l t t' : (t <= t')%nat -> (t' < length l)%nat -> (nth t l 0 <= nth t' (prefmax l) 0)%Z.
Proof. intros H1 H2. destruct l as [|x l]; simpl in H2; [lia|]. apply (prefmax_aux_spec x (x :: l)); simpl; lia. Qed.

Lemma prefmax_aux_length acc l : length (prefmax_aux acc l) = length l.
Proof. revert acc. induction l as [|x l IH]; intros acc; simpl; [reflexivity|]. rewrite IH. reflexivity. Qed.

Lemma prefmax_length l : length (prefmax l) = length l.
Proof. destruct l as [|x l]; [reflexivity|]. apply prefmax_aux_length. Qed.

Definition rangeZ (l : list Z) : Z := (maxlist l - minlist l)%Z.

Lemma sumZ_scal n c f : (c * sumZ n f = sumZ n (fun i => c * f i))%Z.
Proof. induction n as [|n IH]; simpl; [ring|]. rewrite <- IH. ring. Qed.

Lemma sumZ_swap n m f :
  sumZ n (fun i => sumZ m (fun j => f i j)) = sumZ m (fun j => sumZ n (fun i => f i j)).
Proof.
  induction n as [|n IH]; simpl.
  - induction m as [|m IHm]; simpl; [reflexivity|]. rewrite <- IHm. reflexivity.
  - rewrite IH. symmetry. apply (sumZ_plus m (fun j => sumZ n (fun i => f i j)) (fun j => f n j)).
Qed.

Lemma sumZ_le n f g : (forall i, (i < n)%nat -> f i <= g i)%Z -> (sumZ n f <= sumZ n g)%Z.
Proof.
  induction n as [|n IH]; intros H; simpl; [lia|].
  pose proof (H n ltac:(lia)). pose proof (IH ltac:(intros; apply H; lia)). lia.
Qed.

Lemma sumZ_minus n f g : (sumZ n f - sumZ n g = sumZ n (fun i => f i - g i))%Z.
Proof. induction n as [|n IH]; simpl; [ring|]. rewrite <- IH. ring. Qed.

(** The spread of [a . b_t] over [t] is at most [sum_j |a_j| * range_j]. *)
Lemma spread_le n (a : nat -> Z) (b1 b2 lo hi : nat -> Z) :
  (forall j, (j < n)%nat -> lo j <= b1 j <= hi j /\ lo j <= b2 j <= hi j)%Z ->
  (sumZ n (fun j => a j * b1 j) - sumZ n (fun j => a j * b2 j) <= sumZ n (fun j => Z.abs (a j) * (hi j - lo j)))%Z.
Proof.
  intros H. rewrite sumZ_minus. apply sumZ_le. intros j Hj. destruct (H j Hj) as [[H1 H2] [H3 H4]].
  destruct (Z.abs_spec (a j)) as [[Ha E]|[Ha E]]; rewrite E; nia.
Qed.

Lemma column_bounds (f : nat -> Z) n t : (t < n)%nat ->
  (minlist (map f (seq 0 n)) <= f t <= maxlist (map f (seq 0 n)))%Z.
Proof.
  intros H. assert (Hin : In (f t) (map f (seq 0 n))) by (apply in_map; apply in_seq; lia).
  split; [apply minlist_le|apply maxlist_ge]; exact Hin.
Qed.

Lemma sumZ_if n (b : nat -> bool) a c f g :
  sumZ n (fun i => if b i then a * f i else c * g i)%Z =
  (a * sumZ n (fun i => if b i then f i else 0) + c * sumZ n (fun i => if b i then 0 else g i))%Z.
Proof. induction n as [|n IH]; simpl; [ring|]. rewrite IH. destruct (b n); ring. Qed.

Section Subcubic.
Local Open Scope nat_scope.
Variable N : net.
Local Notation v := (nv N).
Local Notation K := (nK N).
Local Notation h := (nh N).
Local Notation km1 := (nK N - 1)%nat.

(** ** Counting boxes, for any finder that only answers with sound boxes *)
Section Count.
Variable findq : nat -> nat -> list nat -> option nat.
Hypothesis Hv : 0 < v.
Hypothesis HK : 0 < K.
Hypothesis Hfind : forall q m P t', q < v -> m < v -> q <= m -> valid q m P = true -> In P (pats N) ->
  findq q m P = Some t' -> t' < m /\
  (forall s, In s (all_seqs K v) -> fits (box_preds N q m P t') s = true -> correct N s = true).

Definition cnt_qm (g : list nat -> option nat) (q m : nat) : Z :=
  sumL (map (fun P => if valid q m P then
                        match g P with Some t' => box_size v (box_preds N q m P t') | None => 0%Z end
                      else 0%Z) (pats N)).

Definition cnt_q (f : nat -> list nat -> option nat) (q : nat) : Z :=
  sumL (map (fun m => if q <=? m then let g := f m in cnt_qm g q m else 0%Z) (seq 0 v)).

Definition cnt : Z := sumL (map (fun q => let f := findq q in cnt_q f q) (seq 0 v)).

Lemma cnt_qm_sound q m : q < v -> m < v -> q <= m ->
  (cnt_qm (findq q m) q m <= Z.of_nat (length (filter
     (fun s => (Nat.eqb (tok s km1) q && Nat.eqb (seqmax s) m && correct N s)%bool) (all_seqs K v))))%Z.
Proof.
  intros Hq Hm Hqm. unfold cnt_qm.
  apply part_le with
    (G := fun P s => (pat_eqb (pattern N m s) P && (Nat.eqb (tok s km1) q && Nat.eqb (seqmax s) m && correct N s))%bool)
    (key := pattern N m).
  - apply NoDup_all_seqs.
  - intros P HP. destruct (valid q m P) eqn:Hval; [|lia].
    destruct (findq q m P) as [t'|] eqn:Hf; [|lia].
    destruct (Hfind q m P t' Hq Hm Hqm Hval HP Hf) as [Ht Hbox].
    rewrite <- box_count. rewrite box_preds_length by exact HK. apply Nat2Z.inj_le. apply count_le.
    intros s Hs Hfit. destruct (all_seqs_spec _ _ _ HP) as [HPl HPb].
    destruct (in_box N q m P t' s HK Hfit) as (_ & Htq & _ & _).
    rewrite (box_pattern N q m P t' s HK HPl HPb Ht Hfit), (box_seqmax N q m P t' s HK Hval HPl Ht Hfit), Htq.
    unfold pat_eqb. destruct (list_eq_dec Nat.eq_dec P P) as [_|n]; [|contradiction].
    rewrite !Nat.eqb_refl. simpl. apply Hbox; assumption.
  - intros P s _ _ HG. apply andb_prop in HG. destruct HG as [E HG]. split; [|exact HG].
    unfold pat_eqb in E. destruct (list_eq_dec Nat.eq_dec (pattern N m s) P); [assumption|discriminate].
Qed.

Lemma cnt_q_sound q : q < v ->
  (cnt_q (findq q) q <= Z.of_nat (length (filter (fun s => (Nat.eqb (tok s km1) q && correct N s)%bool) (all_seqs K v))))%Z.
Proof.
  intros Hq. unfold cnt_q.
  apply part_le with (G := fun m s => (Nat.eqb (tok s km1) q && Nat.eqb (seqmax s) m && correct N s)%bool) (key := seqmax).
  - apply seq_NoDup.
  - intros m Hm. apply in_seq in Hm. destruct (Nat.leb_spec q m) as [Hqm|]; [|lia].
    cbv zeta. apply cnt_qm_sound; lia.
  - intros m s _ _ HG. apply andb_prop in HG. destruct HG as [HG Hc]. apply andb_prop in HG.
    destruct HG as [H1 H2]. apply Nat.eqb_eq in H2. split; [exact H2|]. rewrite H1, Hc. reflexivity.
Qed.

Theorem cnt_sound : (cnt <= Z.of_nat (n_correct N))%Z.
Proof.
  unfold n_correct, cnt.
  apply part_le with (G := fun q s => (Nat.eqb (tok s km1) q && correct N s)%bool) (key := fun s => tok s km1).
  - apply seq_NoDup.
  - intros q Hq. apply in_seq in Hq. apply cnt_q_sound. lia.
  - intros q s _ _ HG. apply andb_prop in HG. destruct HG as [H1 H2]. apply Nat.eqb_eq in H1. auto.
Qed.
End Count.

Local Open Scope Z_scope.
(** ** The tables *)
Lemma nth_map_shr r l m : nth m (map (shr r) l) 0 = shr r (nth m l 0).
Proof.
  rewrite <- (map_nth (shr r) l 0 m). f_equal. unfold shr. symmetry. apply Z.shiftr_0_l.
Qed.

(** Parameters and hint (any values are sound): [r] bits dropped from the
    output margins; the key vectors in the hint basis: [ke_t = z_t u + sum_l C[t,l] G_l + res_t]. *)
Variable r : nat.
Variables u z : list Z.
Variables G C : list (list Z).
Local Notation nL := (length G).

Definition ge_tab : list (list Z) := map (fun row => map (shr r) (wlist N row)) (ev_tab N).
Definition gp_tab : list Z :=
  let gpi := map (fun row => map (shr r) (wlist N row)) (pv_tab N) in
  map (fun m => minlist (map (fun row => nth m row 0) gpi)) (seq 0 v).
Definition fl_tab (ge : list (list Z)) : list (list Z) :=
  map (fun m => prefmin (map (fun row => nth m row 0) ge)) (seq 0 v).
Definition gd_of (q : nat) : list Z :=
  map (shr r) (wlist N (map (fun x => x * 2 ^ Z.of_nat (eV N + eO N)) (dvec N q))).

Definition res_row (kr : list Z) (zt : Z) (cr : list Z) : list Z :=
  map (fun j => nth j kr 0 - zt * nth j u 0 - sumZ nL (fun l => nth l cr 0 * nth j (nth l G []) 0)) (seq 0 h).
Definition res_tab (ke : list (list Z)) : list (list Z) :=
  map (fun t => res_row (nth t ke []) (nth t z 0) (nth t C [])) (seq 0 v).
Definition rc_tab : list Z := map (fun l => rangeZ (map (fun t => nth l (nth t C []) 0) (seq 0 v))) (seq 0 nL).
Definition rr_tab (res : list (list Z)) : list Z :=
  map (fun j => rangeZ (map (fun t => nth j (nth t res []) 0) (seq 0 v))) (seq 0 h).

Definition y_of (qv : list Z) : Z := sumZ h (fun j => nth j u 0 * nth j qv 0).
Definition A_of (qv : list Z) (l : nat) : Z := sumZ h (fun j => nth j (nth l G []) 0 * nth j qv 0).
Definition eps_of (rc rr qv : list Z) : Z :=
  sumZ nL (fun l => Z.abs (A_of qv l) * nth l rc 0) + sumZ h (fun j => Z.abs (nth j qv 0) * nth j rr 0).

(** The box finder for query [q]: per query, bounds on exp of the rank-1
    part plus the error spread ([eh], by the largest token), of the
    positional scores ([epl], [eph]); per max [m], the least margin [xm] of
    a max position and the query's own term; per pattern, a search for t'. *)
Definition findq (ge : list (list Z)) (gp : list Z) (fl : list (list Z)) (kp : list (list Z))
    (rc rr : list Z) (q : nat) : nat -> list nat -> option nat :=
  let qv := qvec N q in
  let y := y_of qv in
  let eps := eps_of rc rr qv in
  let eh := map (fun x => s_hi_at N (eS N) (x + eps)) (prefmax (map (fun t => y * nth t z 0) (seq 0 v))) in
  let sp := map (fun i => score_of N qv (nth i kp [])) (seq 0 K) in
  let epl := map (fun s => Z.max 0 (s_lo_at N (eS N) s)) sp in
  let eph := map (fun s => s_hi_at N (eS N) s) sp in
  let gd := gd_of q in
  fun m =>
    let gpd := nth m gp 0 + nth m gd 0 in
    let xm := nth m (nth m ge []) 0 + gpd in
    if 0 <? xm then
      let ea := Z.max 0 (s_lo_at N (eS N) (y * nth m z 0)) in
      let eax := ea * xm in
      let last := if (q =? m)%nat then 0 else Z.min (nth m (nth q ge []) 0 + gpd) 0 * nth q eh 0 * nth km1 eph 0 in
      let flm := nth m fl [] in
      fun P =>
        let pm := sumZ km1 (fun i => if (nth i P O =? 1)%nat then nth i epl 0 else 0) +
                  (if (q =? m)%nat then nth km1 epl 0 else 0) in
        let pf := sumZ km1 (fun i => if (nth i P O =? 1)%nat then 0 else nth i eph 0) in
        let a := pm * eax + last in
        find_t (fun t' => 0 <? a + pf * (Z.min (nth t' flm 0 + gpd) 0 * nth t' eh 0)) m
    else fun _ => None.

Definition sub_count : Z :=
  let ge := ge_tab in
  let gp := gp_tab in
  let fl := fl_tab ge in
  let ke := map (kevec N) (seq 0 v) in
  let kp := map (kpvec N) (seq 0 K) in
  let res := res_tab ke in
  cnt (findq ge gp fl kp rc_tab (rr_tab res)).

(** ** Facts about the tables *)
Lemma ge_nth t m : (t < v)%nat -> nth m (nth t ge_tab []) 0 = shr r (nth m (wlist N (chainvec N (erow N t))) 0).
Proof.
  intros Ht. unfold ge_tab, ev_tab. rewrite (nth_map' _ _ _ []) by (rewrite map_length, seq_length; exact Ht).
  rewrite (nth_map_seq (fun t => chainvec N (erow N t))) by exact Ht. apply nth_map_shr.
Qed.

Lemma gp_le i m : (i < K)%nat -> (m < v)%nat -> nth m gp_tab 0 <= shr r (nth m (wlist N (chainvec N (prow N i))) 0).
Proof.
  intros Hi Hm. unfold gp_tab. cbv zeta.
  rewrite (nth_map_seq (fun m => minlist (map (fun row => nth m row 0) _))) by exact Hm.
  rewrite <- nth_map_shr. apply minlist_le. apply in_map_iff.
  exists (map (shr r) (wlist N (chainvec N (prow N i)))). split; [reflexivity|].
  apply in_map_iff. exists (chainvec N (prow N i)). split; [reflexivity|].
  unfold pv_tab. apply in_map_iff. exists i. split; [reflexivity|]. apply in_seq. lia.
Qed.

Lemma gd_nth q m : (m < v)%nat -> nth m (gd_of q) 0 = shr r (nth m (wlist N (map (fun x => x * 2 ^ Z.of_nat (eV N + eO N)) (dvec N q))) 0).
Proof. intros _. apply nth_map_shr. Qed.

Lemma path_margin_lb q t i m o : (q < v)%nat -> (t < v)%nat -> (i < K)%nat -> (m < v)%nat -> (o < v)%nat -> o <> m ->
  (nth m (nth t ge_tab []) 0 + (nth m gp_tab 0 + nth m (gd_of q) 0)) * 2 ^ Z.of_nat r <= MZ N q t i m o.
Proof.
  intros Hq Ht Hi Hm Ho Hne. rewrite ge_nth, gd_nth by assumption. pose proof (gp_le i m Hi Hm) as Hgp.
  set (k := Z.of_nat (eV N + eO N)).
  set (D2 := map (fun x => x * 2 ^ k) (dvec N q)).
  assert (LD : length D2 = v) by (unfold D2; rewrite map_length, dvec_length; reflexivity).
  assert (ED : forall x, (x < v)%nat -> nth x D2 0 = DZ N q x * 2 ^ k).
  { intros x Hx. unfold D2. rewrite (nth_map' _ _ _ 0) by (rewrite dvec_length; exact Hx). rewrite dvec_spec by exact Hx. reflexivity. }
  pose proof (wlist_spec N _ m o (chainvec_length N (erow N t)) Hm Ho Hne) as W1.
  pose proof (wlist_spec N _ m o (chainvec_length N (prow N i)) Hm Ho Hne) as W2.
  pose proof (wlist_spec N D2 m o LD Hm Ho Hne) as W3. rewrite !ED in W3 by assumption.
  pose proof (shr_Z r (nth m (wlist N (chainvec N (erow N t))) 0)) as [S1 _].
  pose proof (shr_Z r (nth m (wlist N (chainvec N (prow N i))) 0)) as [S2 _].
  pose proof (shr_Z r (nth m (wlist N D2) 0)) as [S3 _].
  pose proof (pow2Z_pos r) as Hp.
  assert (Hgp' : nth m gp_tab 0 * 2 ^ Z.of_nat r <= shr r (nth m (wlist N (chainvec N (prow N i))) 0) * 2 ^ Z.of_nat r)
    by (apply Z.mul_le_mono_nonneg_r; lia).
  unfold MZ. rewrite !OV_split by assumption. fold k. fold D2.
  rewrite !Z.mul_add_distr_r. lia.
Qed.

Lemma fl_le m t t' : (m < v)%nat -> (t <= t')%nat -> (t' < v)%nat ->
  nth t' (nth m (fl_tab ge_tab) []) 0 <= nth m (nth t ge_tab []) 0.
Proof.
  intros Hm H1 H2. unfold fl_tab. rewrite (nth_map_seq (fun m => prefmin _)) by exact Hm.
  assert (L : length ge_tab = v) by (unfold ge_tab, ev_tab; rewrite !map_length, seq_length; reflexivity).
  rewrite <- (nth_map' (fun row => nth m row 0) ge_tab t [] 0) by lia.
  apply prefmin_le; [exact H1|rewrite map_length; lia].
Qed.

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

Lemma res_nth ke t j : ke = map (kevec N) (seq 0 v) -> (t < v)%nat -> (j < h)%nat ->
  nth j (nth t (res_tab ke) []) 0 = resZ t j.
Proof.
  intros -> Ht Hj. unfold res_tab. rewrite (nth_map_seq (fun t => res_row _ _ _)) by exact Ht.
  unfold res_row. rewrite (nth_map_seq (fun j => _)) by exact Hj.
  rewrite (nth_map_seq (kevec N)) by exact Ht. reflexivity.
Qed.

Lemma err_spread ke q t m : ke = map (kevec N) (seq 0 v) -> (t < v)%nat -> (m < v)%nat ->
  errZ q t - errZ q m <= eps_of rc_tab (rr_tab (res_tab ke)) (qvec N q).
Proof.
  intros Hke Ht Hm. unfold errZ, eps_of.
  assert (E : forall a b c e, a + b - (c + e) = (a - c) + (b - e)) by (intros; ring). rewrite E. clear E.
  apply Z.add_le_mono.
  - unfold rc_tab. rewrite (sumZ_ext _ (fun l => Z.abs (A_of (qvec N q) l) * nth l _ 0)
      (fun l => Z.abs (A_of (qvec N q) l) * (maxlist (map (fun t => ct t l) (seq 0 v)) - minlist (map (fun t => ct t l) (seq 0 v))))).
    + apply spread_le. intros j _. split; apply (column_bounds (fun t' => ct t' j)); assumption.
    + intros l Hl. rewrite (nth_map_seq (fun l => rangeZ _)) by exact Hl. reflexivity.
  - unfold rr_tab. rewrite (sumZ_ext _ (fun j => Z.abs (nth j (qvec N q) 0) * nth j _ 0)
      (fun j => Z.abs (nth j (qvec N q) 0) * (maxlist (map (fun t => resZ t j) (seq 0 v)) - minlist (map (fun t => resZ t j) (seq 0 v))))).
    + apply spread_le. intros j _. split; apply (column_bounds (fun t' => resZ t' j)); assumption.
    + intros j Hj. rewrite (nth_map_seq (fun j => rangeZ _)) by exact Hj. unfold rangeZ. f_equal; f_equal; f_equal;
        apply map_ext_in; intros t' Ht'; apply in_seq in Ht'; apply res_nth; (assumption || lia).
Qed.

(** ** Soundness *)
Definition SPZ q i := score_of N (qvec N q) (kpvec N i).
Definition Gm q t m := nth m (nth t ge_tab []) 0 + (nth m gp_tab 0 + nth m (gd_of q) 0).

Local Open Scope R_scope.
Definition cs (x : Z) : R := inj (eS N) x / sqrt (INR h).
Definition Ebits : nat := (prec + prec + (eM N - r))%nat.

Lemma expc_add a b : exp (cs (a + b)) = exp (cs a) * exp (cs b).
Proof. unfold cs. rewrite <- inj_add, <- exp_plus. f_equal. unfold Rdiv. ring. Qed.

Lemma expc_mono a b : (0 < h)%nat -> (a <= b)%Z -> exp (cs a) <= exp (cs b).
Proof. intros Hh H. unfold cs. apply exp_div_mono; [apply sqrt_lt_R0, lt_0_INR; exact Hh|apply inj_le; exact H]. Qed.

Lemma inj3 a b x k : inj (prec + prec + k) (a * b * x) = fx a * fx b * inj k x.
Proof. unfold inj, fx. rewrite !mult_IZR, !pow_add. pose proof (pow2_pos prec). pose proof (pow2_pos k). field. lra. Qed.

Lemma inj_nonneg e x : (0 <= x)%Z -> 0 <= inj e x.
Proof. intros H. unfold inj. apply Rmult_le_pos; [apply IZR_le; exact H|left; apply Rinv_0_lt_compat, pow2_pos]. Qed.

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

Lemma Gm_le q t i m o : (r <= eM N)%nat -> (q < v)%nat -> (t < v)%nat -> (i < K)%nat -> (m < v)%nat -> (o < v)%nat -> o <> m ->
  inj (eM N - r) (Gm q t m) <= inj (eM N) (MZ N q t i m o).
Proof.
  intros Hr Hq Ht Hi Hm Ho Hne. rewrite (inj_scale (eM N - r) r). replace (eM N - r + r)%nat with (eM N) by lia.
  apply inj_le. apply path_margin_lb; assumption.
Qed.

Lemma term_max q m i o x : (0 < h)%nat -> (0 <= x)%Z -> inj (eM N - r) x <= inj (eM N) (MZ N q m i m o) ->
  exp (cs (errZ q m)) * inj Ebits (Z.max 0 (s_lo_at N (eS N) (y_of (qvec N q) * nth m z 0%Z)) *
                                   Z.max 0 (s_lo_at N (eS N) (SPZ q i)) * x)
  <= exp (inj (eS N) (SZ N q m i) / sqrt (INR h)) * inj (eM N) (MZ N q m i m o).
Proof.
  intros Hh Hx HM. rewrite score_split. unfold Ebits. rewrite inj3.
  set (A := Z.max 0 _). set (B := Z.max 0 (s_lo_at N (eS N) (SPZ q i))).
  assert (HA : 0 <= fx A <= exp (cs (y_of (qvec N q) * nth m z 0%Z))).
  { split; [apply fx_nonneg, Z.le_max_l|]. apply fx_max0; [apply exp_pos|]. apply (s_bounds_at N _ _ Hh). }
  assert (HB : 0 <= fx B <= exp (cs (SPZ q i))).
  { split; [apply fx_nonneg, Z.le_max_l|]. apply fx_max0; [apply exp_pos|]. apply (s_bounds_at N _ _ Hh). }
  pose proof (inj_nonneg (eM N - r) x Hx). pose proof (exp_pos (cs (errZ q m))).
  assert (H1 : fx A * fx B * inj (eM N - r) x <=
               exp (cs (y_of (qvec N q) * nth m z 0%Z)) * exp (cs (SPZ q i)) * inj (eM N) (MZ N q m i m o)).
  { apply Rmult_le_compat; [apply Rmult_le_pos; lra|lra|apply Rmult_le_compat; lra|lra]. }
  replace (exp (cs (y_of (qvec N q) * nth m z 0%Z)) * exp (cs (errZ q m)) * exp (cs (SPZ q i)) * inj (eM N) (MZ N q m i m o))
    with (exp (cs (errZ q m)) * (exp (cs (y_of (qvec N q) * nth m z 0%Z)) * exp (cs (SPZ q i)) * inj (eM N) (MZ N q m i m o))) by ring.
  apply Rmult_le_compat_l; lra.
Qed.

Lemma term_free q m t i o w e0 x : (0 < h)%nat -> (y_of (qvec N q) * nth t z 0 <= w)%Z ->
  (errZ q t - errZ q m <= e0)%Z -> (x <= 0)%Z -> inj (eM N - r) x <= inj (eM N) (MZ N q t i m o) ->
  exp (cs (errZ q m)) * inj Ebits (s_hi_at N (eS N) (w + e0) * s_hi_at N (eS N) (SPZ q i) * x)
  <= exp (inj (eS N) (SZ N q t i) / sqrt (INR h)) * inj (eM N) (MZ N q t i m o).
Proof.
  intros Hh Hw He Hx HM. rewrite score_split. unfold Ebits. rewrite inj3.
  set (a := exp (cs (y_of (qvec N q) * nth t z 0%Z))). set (b := exp (cs (errZ q t))). set (c := exp (cs (SPZ q i))).
  set (F := exp (cs (errZ q m))).
  assert (Hab : a * b <= F * fx (s_hi_at N (eS N) (w + e0))).
  { unfold a, b, F. rewrite <- expc_add.
    replace (y_of (qvec N q) * nth t z 0 + errZ q t)%Z with ((y_of (qvec N q) * nth t z 0 + errZ q t - errZ q m) + errZ q m)%Z by ring.
    rewrite expc_add. rewrite Rmult_comm. apply Rmult_le_compat_l; [left; apply exp_pos|].
    eapply Rle_trans; [apply expc_mono; [exact Hh|]|apply (s_bounds_at N _ _ Hh)]. lia. }
  assert (Hc : c <= fx (s_hi_at N (eS N) (SPZ q i))) by apply (s_bounds_at N _ _ Hh).
  pose proof (inj_nonpos (eM N - r) x Hx) as H. pose proof (exp_pos (cs (y_of (qvec N q) * nth t z 0%Z))) as H1.
  pose proof (exp_pos (cs (errZ q t))) as H2. pose proof (exp_pos (cs (SPZ q i))) as H3. pose proof (exp_pos (cs (errZ q m))) as H4.
  fold a b c F in H1, H2, H3, H4.
  assert (HS : a * b * c <= F * fx (s_hi_at N (eS N) (w + e0)) * fx (s_hi_at N (eS N) (SPZ q i))).
  { apply Rmult_le_compat; [apply Rmult_le_pos; lra|lra|exact Hab|exact Hc]. }
  set (X := inj (eM N - r) x) in *. set (M := inj (eM N) (MZ N q t i m o)) in *.
  assert (P1 : a * b * c * X <= a * b * c * M) by (apply Rmult_le_compat_l; [apply Rmult_le_pos; [apply Rmult_le_pos|]; lra|exact HM]).
  assert (P2 : (F * fx (s_hi_at N (eS N) (w + e0)) * fx (s_hi_at N (eS N) (SPZ q i))) * X <= a * b * c * X)
    by (rewrite !(Rmult_comm _ X); apply Rmult_le_compat_neg_l; [exact H|exact HS]).
  replace (F * (fx (s_hi_at N (eS N) (w + e0)) * fx (s_hi_at N (eS N) (SPZ q i)) * X))
    with ((F * fx (s_hi_at N (eS N) (w + e0)) * fx (s_hi_at N (eS N) (SPZ q i))) * X) by ring.
  lra.
Qed.

Local Open Scope Z_scope.

(* the subcubic checker's count is at most the number of correctly classified inputs *)
Theorem sub_sound : (0 < h)%nat -> (0 < v)%nat -> (0 < K)%nat -> (r <= eM N)%nat ->
  (sub_count <= Z.of_nat (n_correct N))%Z.
Proof.
Admitted.

End Subcubic.
