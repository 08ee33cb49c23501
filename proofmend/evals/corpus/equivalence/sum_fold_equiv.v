From Coq Require Import List Arith.
Import ListNotations.

Fixpoint sum_rec (l : list nat) : nat :=
  match l with
  | [] => 0
  | x :: t => x + sum_rec t
  end.

Definition sum_fold (l : list nat) : nat := fold_right (fun x acc => x + acc) 0 l.

Theorem sum_fold_equiv : forall l, sum_rec l = sum_fold l.
Proof.
Admitted.
