From Coq Require Import Arith Lia.

Fixpoint double (n : nat) : nat :=
  match n with
  | 0 => 0
  | S k => S (S (double k))
  end.

(* Doubling as a left shift by one bit. *)
Definition double_shift (n : nat) : nat := Nat.shiftl n 1.

Theorem double_shift_equiv : forall n, double n = double_shift n.
Proof.
Admitted.
