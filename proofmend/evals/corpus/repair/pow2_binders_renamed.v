(** Powers of two.  The variables of [pow2_add] were renamed from [n m] to
    [a b], like the rest of the library. *)

From Coq Require Import Arith Lia.

Fixpoint pow2 (k : nat) : nat :=
  match k with
  | 0 => 1
  | S k' => 2 * pow2 k'
  end.

Lemma pow2_pos : forall k, 0 < pow2 k.
Proof. induction k as [| k IH]; simpl; lia. Qed.

Lemma pow2_add : forall a b, pow2 (a + b) = pow2 a * pow2 b.
Proof.
  intros. induction n as [| n IH]; simpl.
  - lia.
  - rewrite IH. lia.
Qed.

Lemma pow2_double : forall k, pow2 (k + k) = pow2 k * pow2 k.
Proof. intros k. apply pow2_add. Qed.
