From Coq Require Import List.

Fixpoint my_app {A : Type} (l1 l2 : list A) : list A :=
  match l1 with
  | nil => l2
  | x :: t => x :: my_app t l2
  end.

Theorem my_app_nil_r : forall (A : Type) (l : list A), my_app l nil = l.
Proof.
Admitted.
