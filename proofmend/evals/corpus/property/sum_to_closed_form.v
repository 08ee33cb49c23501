(* Sum of the first n naturals (Gauss). *)
From Coq Require Import Arith Lia.

Fixpoint sum_to (n : nat) : nat :=
  match n with
  | 0 => 0
  | S k => S k + sum_to k
  end.

Theorem sum_to_closed_form : forall n, 2 * sum_to n = n * (n + 1).
Proof.
Admitted.
