From Coq Require Import List Arith Lia.
Import ListNotations.

Fixpoint keep {A : Type} (p : A -> bool) (l : list A) : list A :=
  match l with
  | [] => []
  | x :: t => if p x then x :: keep p t else keep p t
  end.

Theorem filter_length_le : forall (A : Type) (p : A -> bool) (l : list A),
  length (keep p l) <= length l.
Proof.
Admitted.
