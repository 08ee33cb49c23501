From Coq Require Import List.
Import ListNotations.

Fixpoint map_list {A B : Type} (f : A -> B) (l : list A) : list B :=
  match l with
  | [] => []
  | x :: t => f x :: map_list f t
  end.

Theorem map_length_own : forall (A B : Type) (f : A -> B) (l : list A),
  length (map_list f l) = length l.
Proof.
Admitted.
