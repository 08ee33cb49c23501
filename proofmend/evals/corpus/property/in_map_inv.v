From Coq Require Import List.
Import ListNotations.

Fixpoint mem {A : Type} (x : A) (l : list A) : Prop :=
  match l with
  | [] => False
  | y :: t => y = x \/ mem x t
  end.

Theorem in_map_inv : forall (A B : Type) (f : A -> B) (l : list A) (y : B),
  mem y (map f l) -> exists x, f x = y /\ mem x l.
Proof.
Admitted.
