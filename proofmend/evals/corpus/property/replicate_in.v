From Coq Require Import List.
Import ListNotations.

Fixpoint replicate {A : Type} (n : nat) (x : A) : list A :=
  match n with
  | 0 => []
  | S k => x :: replicate k x
  end.

Theorem replicate_in : forall (A : Type) (n : nat) (x y : A),
  In y (replicate n x) -> y = x.
Proof.
Admitted.
