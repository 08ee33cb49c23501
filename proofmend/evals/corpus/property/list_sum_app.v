From Coq Require Import List Arith Lia.
Import ListNotations.

Definition list_sum (l : list nat) : nat := fold_right Nat.add 0 l.

Theorem list_sum_app : forall l1 l2, list_sum (l1 ++ l2) = list_sum l1 + list_sum l2.
Proof.
Admitted.
