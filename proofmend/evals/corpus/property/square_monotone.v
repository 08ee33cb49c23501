From Coq Require Import Arith Lia.

Definition square (n : nat) : nat := n * n.

Theorem square_monotone : forall n m, n <= m -> square n <= square m.
Proof.
Admitted.
