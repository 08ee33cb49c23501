From Coq Require Import List Arith.
Import ListNotations.

Fixpoint zip {A B : Type} (l1 : list A) (l2 : list B) : list (A * B) :=
  match l1, l2 with
  | x :: t1, y :: t2 => (x, y) :: zip t1 t2
  | _, _ => []
  end.

Theorem zip_length_min : forall (A B : Type) (l1 : list A) (l2 : list B),
  length (zip l1 l2) = Nat.min (length l1) (length l2).
Proof.
Admitted.
