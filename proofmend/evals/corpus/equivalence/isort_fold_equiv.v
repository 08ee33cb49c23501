From Coq Require Import List Arith.
Import ListNotations.

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

Definition isort_fold (l : list nat) : list nat := fold_right insert [] l.

Theorem isort_fold_equiv : forall l, isort l = isort_fold l.
Proof.
Admitted.
