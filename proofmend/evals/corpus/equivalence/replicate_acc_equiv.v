From Coq Require Import List.
Import ListNotations.

Fixpoint replicate {A : Type} (n : nat) (x : A) : list A :=
  match n with
  | 0 => []
  | S k => x :: replicate k x
  end.

Fixpoint replicate_acc {A : Type} (n : nat) (x : A) (acc : list A) : list A :=
  match n with
  | 0 => acc
  | S k => replicate_acc k x (x :: acc)
  end.

Theorem replicate_acc_equiv : forall (A : Type) (n : nat) (x : A),
  replicate n x = replicate_acc n x [].
Proof.
Admitted.
