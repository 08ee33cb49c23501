(* A hand-rolled append on lists and its length. *)
From Coq Require Import List Arith.

Fixpoint my_app {A : Type} (l1 l2 : list A) : list A :=
  match l1 with
  | nil => l2
  | x :: t => x :: my_app t l2
  end.

Fixpoint my_length {A : Type} (l : list A) : nat :=
  match l with
  | nil => 0
  | _ :: t => S (my_length t)
  end.

Theorem my_app_length : forall (A : Type) (l1 l2 : list A),
  my_length (my_app l1 l2) = my_length l1 + my_length l2.
Proof.
Admitted.
