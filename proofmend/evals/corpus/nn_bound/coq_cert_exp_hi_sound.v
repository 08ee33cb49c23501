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
Definition sq_up (x : Z) : Z := (Z.shiftr (x * x) (Z.of_nat prec) + 1)%Z.

Fixpoint iter (n : nat) (f : Z -> Z) (x : Z) : Z :=
  match n with O => x | S n' => f (iter n' f x) end.

Definition fx (a : Z) : R := IZR a / 2 ^ prec.

Lemma shiftr_prec x : Z.shiftr x (Z.of_nat prec) = (x / 2 ^ Z.of_nat prec)%Z.
Proof. apply Z.shiftr_div_pow2. lia. Qed.

Lemma pow2Z_pos e : (0 < 2 ^ Z.of_nat e)%Z.
Proof. apply Z.pow_pos_nonneg; lia. Qed.

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

Lemma iter_up_sound n a w : exp w <= fx a -> exp (w * 2 ^ n) <= fx (iter n sq_up a).
Proof.
  intros H. induction n as [|n IH]; simpl.
  - rewrite Rmult_1_r. exact H.
  - replace (w * (2 * 2 ^ n)) with (2 * (w * 2 ^ n)) by ring. apply sq_up_sound. exact IH.
Qed.

(** Bounds on [exp (n / d)] in fixed point, for [d > 0]. *)
Definition big (d : Z) : Z := (d * 2 ^ Z.of_nat rsq)%Z.

Definition exp_hi (n d : Z) : Z :=
  if (0 <? big d - n)%Z
  then iter rsq sq_up ((2 ^ Z.of_nat prec * big d) / (big d - n) + 1)
  else (3 ^ (n / d + 1) * 2 ^ Z.of_nat prec)%Z.

Lemma z_scale n d : (0 < d)%Z -> IZR n / IZR (big d) * 2 ^ rsq = IZR n / IZR d.
Proof.
  intros Hd. unfold big. rewrite mult_IZR, IZR_pow2. assert (0 < IZR d) by (apply IZR_lt; lia).
  pose proof (pow2_posR rsq). field. lra.
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

(* the fixed-point upper bound on exp (n/d) is sound *)
Lemma exp_hi_sound n d : (0 < d)%Z -> exp (IZR n / IZR d) <= fx (exp_hi n d).
Proof.
Admitted.
