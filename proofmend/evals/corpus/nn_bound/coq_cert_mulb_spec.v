(** From the machine-checked accuracy certificate of a max-of-K transformer
    (definitions and lemmas it needs copied with their proofs; standard
    library only). *)
From Coq Require Import ZArith Reals Lra Lia List FinFun.
Import ListNotations.
Open Scope R_scope.

Definition prec : nat := 48.

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

Definition fx (a : Z) : R := IZR a / 2 ^ prec.

Lemma pow2Z_pos e : (0 < 2 ^ Z.of_nat e)%Z.
Proof. apply Z.pow_pos_nonneg; lia. Qed.

(** * Dyadic weights: [inj e z] is the real number [z * 2^-e] *)
Definition inj (e : nat) (z : Z) : R := IZR z / 2 ^ e.

Lemma pow2_pos e : 0 < 2 ^ e.
Proof. apply pow_lt. lra. Qed.

Lemma inj_mul a b x y : inj a x * inj b y = inj (a + b) (x * y).
Proof.
  unfold inj. rewrite mult_IZR, pow_add.
  pose proof (pow2_pos a). pose proof (pow2_pos b). field. lra.
Qed.

Section Cubic.

Local Open Scope nat_scope.

Definition shr (r : nat) (x : Z) : Z := Z.shiftr x (Z.of_nat r).

(** Parameters (any values are sound): [r] bits dropped from the output
    margins, [rb] from products of exp bounds, [keep] bits kept of attention
    scores before exp, [width] bits kept of attention weights in a case. *)
Variables r rb keep width : nat.

Definition mulb (a b : Z * Z) : Z * Z :=
  (shr rb (fst a * fst b), shr rb (snd a * snd b) + 1)%Z.

Local Open Scope R_scope.
(** ** The fast term satisfies [Hterm] *)
Lemma shr_bounds k x : IZR (shr k x) * 2 ^ k <= IZR x /\ IZR x < (IZR (shr k x) + 1) * 2 ^ k.
Proof.
  unfold shr. rewrite Z.shiftr_div_pow2 by lia. pose proof (pow2Z_pos k) as Hp.
  pose proof (IZR_div_le x _ Hp) as H1. pose proof (IZR_div_gt x _ Hp) as H2.
  rewrite IZR_pow2 in H1, H2. pose proof (pow2_pos k) as P. split.
  - apply Rmult_le_reg_r with (/ 2 ^ k); [apply Rinv_0_lt_compat; lra|].
    rewrite Rmult_assoc, Rinv_r, Rmult_1_r by lra. exact H1.
  - apply Rmult_lt_reg_r with (/ 2 ^ k); [apply Rinv_0_lt_compat; lra|].
    rewrite Rmult_assoc, Rinv_r, Rmult_1_r by lra. exact H2.
Qed.

Lemma shr_inj e k x : inj e (shr k x) <= inj (e + k) x <= inj e (shr k x + 1).
Proof.
  destruct (shr_bounds k x) as [H1 H2]. unfold inj. rewrite pow_add, plus_IZR.
  pose proof (pow2_pos e). pose proof (pow2_pos k). split.
  - replace (IZR x / (2 ^ e * 2 ^ k)) with ((IZR x / 2 ^ k) / 2 ^ e) by (field; lra).
    apply div_le_compat; [lra|]. apply Rmult_le_reg_r with (2 ^ k); [lra|].
    replace (IZR x / 2 ^ k * 2 ^ k) with (IZR x) by (field; lra). exact H1.
  - replace (IZR x / (2 ^ e * 2 ^ k)) with ((IZR x / 2 ^ k) / 2 ^ e) by (field; lra).
    apply div_le_compat; [lra|]. apply Rmult_le_reg_r with (2 ^ k); [lra|].
    replace (IZR x / 2 ^ k * 2 ^ k) with (IZR x) by (field; lra). lra.
Qed.

Lemma fx_nonneg x : (0 <= x)%Z -> 0 <= fx x.
Proof. intros H. unfold fx. apply Rmult_le_pos; [apply IZR_le; exact H|left; apply Rinv_0_lt_compat, pow2_pos]. Qed.

(* multiplying fixed-point bounds on two nonnegative reals, rounding, bounds their product *)
Lemma mulb_spec a b x y : (rb <= prec + prec)%nat ->
  (0 <= fst a)%Z -> (0 <= fst b)%Z -> fx (fst a) <= x <= fx (snd a) -> fx (fst b) <= y <= fx (snd b) ->
  inj (prec + prec - rb) (fst (mulb a b)) <= x * y <= inj (prec + prec - rb) (snd (mulb a b)).
Proof.
Admitted.

End Cubic.
