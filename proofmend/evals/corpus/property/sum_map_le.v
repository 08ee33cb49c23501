From Coq Require Import List Arith Lia.
Import ListNotations.

Fixpoint total (l : list nat) : nat :=
  match l with
  | [] => 0
  | x :: t => x + total t
  end.

Theorem sum_map_le : forall (A : Type) (f g : A -> nat) (l : list A),
  (forall x, In x l -> f x <= g x) -> total (map f l) <= total (map g l).
Proof.
Admitted.
