From Coq Require Import List Arith Lia.
Import ListNotations.

Fixpoint maximum (l : list nat) : nat :=
  match l with
  | [] => 0
  | x :: t => Nat.max x (maximum t)
  end.

Definition maximum_fold (l : list nat) : nat := fold_left Nat.max l 0.

Theorem max_fold_equiv : forall l, maximum l = maximum_fold l.
Proof.
Admitted.
