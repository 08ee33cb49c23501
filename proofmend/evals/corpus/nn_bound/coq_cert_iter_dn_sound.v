(** From the machine-checked accuracy certificate of a max-of-K transformer
    (definitions and lemmas it needs copied with their proofs; standard
    library only). *)
From Coq Require Import ZArith Reals Lra Lia List.
Import ListNotations.
Open Scope R_scope.

Definition prec : nat := 48.

Lemma pow2_posR e : 0 < 2 ^ e.
Proof. apply pow_lt. lra. Qed.

Lemma IZR_div_le a b : (0 < b)%Z -> IZR (a / b) <= IZR a / IZR b.
Proof.
  intros Hb. pose proof (Z.mul_div_le a b Hb) as H. apply IZR_le in H. rewrite mult_IZR in H.
  assert (0 < IZR b) by (apply IZR_lt; exact Hb).
  apply (Rmult_le_reg_l (IZR b)); [assumption|]. field_simplify; lra.
Qed.

Lemma IZR_pow2 e : IZR (2 ^ Z.of_nat e) = 2 ^ e.
Proof. rewrite <- pow_IZR. reflexivity. Qed.

Lemma div_le_compat x y c : 0 < c -> x <= y -> x / c <= y / c.
Proof. intros Hc H. apply Rmult_le_compat_r; [left; apply Rinv_0_lt_compat; exact Hc|exact H]. Qed.

Definition sq_dn (x : Z) : Z := Z.shiftr (x * x) (Z.of_nat prec).

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

(* n squarings rounding down turn a lower bound on exp w into one on exp (w 2^n) *)
Lemma iter_dn_sound n a w :
  (0 <= a)%Z -> fx a <= exp w -> fx (iter n sq_dn a) <= exp (w * 2 ^ n).
Proof.
Admitted.
