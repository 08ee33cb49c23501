From Coq Require Import List.
Import ListNotations.

Fixpoint take {A : Type} (n : nat) (l : list A) : list A :=
  match n, l with
  | 0, _ => []
  | _, [] => []
  | S k, x :: t => x :: take k t
  end.

Fixpoint drop {A : Type} (n : nat) (l : list A) : list A :=
  match n, l with
  | 0, _ => l
  | _, [] => []
  | S k, _ :: t => drop k t
  end.

Theorem take_drop_app : forall (A : Type) (n : nat) (l : list A), take n l ++ drop n l = l.
Proof.
Admitted.
