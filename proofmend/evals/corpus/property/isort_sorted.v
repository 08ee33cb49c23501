From Coq Require Import List Arith Lia.
Import ListNotations.

Inductive sorted : list nat -> Prop :=
  | sorted_nil : sorted []
  | sorted_one : forall x, sorted [x]
  | sorted_cons : forall x y l, x <= y -> sorted (y :: l) -> sorted (x :: y :: l).

Fixpoint insert (x : nat) (l : list nat) : list nat :=
  match l with
  | [] => [x]
  | y :: t => if x <=? y then x :: y :: t else y :: insert x t
  end.

Fixpoint isort (l : list nat) : list nat :=
  match l with
  | [] => []
  | x :: t => insert x (isort t)
  end.

Theorem isort_sorted : forall l, sorted (isort l).
Proof.
Admitted.
