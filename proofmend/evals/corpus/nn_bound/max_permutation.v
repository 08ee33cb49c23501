From Coq Require Import ZArith List Lia Bool.
Import ListNotations.
Open Scope Z_scope.
From Coq Require Import Permutation.
Fixpoint list_max_nat (x : list nat) : nat :=
  match x with [] => 0%nat | t :: r => Nat.max t (list_max_nat r) end.

(* the target of max-of-K is invariant under reordering the input *)
Theorem max_perm : forall x y, Permutation x y -> list_max_nat x = list_max_nat y.
Proof.
Admitted.
