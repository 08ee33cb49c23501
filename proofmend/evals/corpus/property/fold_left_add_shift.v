From Coq Require Import List Arith Lia.
Import ListNotations.

Theorem fold_left_add_shift : forall (l : list nat) (a : nat),
  fold_left Nat.add l a = a + fold_left Nat.add l 0.
Proof.
Admitted.
