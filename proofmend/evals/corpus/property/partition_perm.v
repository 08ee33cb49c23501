From Coq Require Import List Sorting.Permutation.
Import ListNotations.

Fixpoint split_by {A : Type} (p : A -> bool) (l : list A) : list A * list A :=
  match l with
  | [] => ([], [])
  | x :: t =>
      let (yes, no) := split_by p t in
      if p x then (x :: yes, no) else (yes, x :: no)
  end.

Theorem partition_perm : forall (A : Type) (p : A -> bool) (l : list A),
  Permutation l (fst (split_by p l) ++ snd (split_by p l)).
Proof.
Admitted.
