From Coq Require Import List Arith Sorting.Permutation.
Import ListNotations.

Fixpoint count (x : nat) (l : list nat) : nat :=
  match l with
  | [] => 0
  | y :: t => if Nat.eqb x y then S (count x t) else count x t
  end.

Theorem count_perm : forall x l1 l2, Permutation l1 l2 -> count x l1 = count x l2.
Proof.
Admitted.
