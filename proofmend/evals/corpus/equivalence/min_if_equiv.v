From Coq Require Import Arith Lia.

Definition min_if (a b : nat) : nat := if a <=? b then a else b.

Definition min_std (a b : nat) : nat := Nat.min a b.

Theorem min_if_equiv : forall a b, min_if a b = min_std a b.
Proof.
Admitted.
