From Coq Require Import List.
Import ListNotations.

Fixpoint flat_map_list {A B : Type} (f : A -> list B) (l : list A) : list B :=
  match l with
  | [] => []
  | x :: t => f x ++ flat_map_list f t
  end.

Definition flat_map_concat {A B : Type} (f : A -> list B) (l : list A) : list B :=
  concat (map f l).

Theorem flat_map_concat_equiv : forall (A B : Type) (f : A -> list B) (l : list A),
  flat_map_list f l = flat_map_concat f l.
Proof.
Admitted.
