From Coq Require Import Arith Lia.

Fixpoint sum_to (n : nat) : nat :=
  match n with
  | 0 => 0
  | S k => S k + sum_to k
  end.

(* Replace the loop by Gauss's formula. *)
Definition sum_to_closed (n : nat) : nat := n * (n + 1) / 2.

Theorem sum_to_closed_equiv : forall n, sum_to n = sum_to_closed n.
Proof.
Admitted.
