From Coq Require Import List Arith Lia.
Import ListNotations.

Fixpoint maximum (l : list nat) : nat :=
  match l with
  | [] => 0
  | x :: t => Nat.max x (maximum t)
  end.

Theorem list_max_upper : forall x l, In x l -> x <= maximum l.
Proof.
Admitted.
