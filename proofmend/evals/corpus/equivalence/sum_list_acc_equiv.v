From Coq Require Import List Arith Lia.
Import ListNotations.

Fixpoint sum_list (l : list nat) : nat :=
  match l with
  | [] => 0
  | x :: t => x + sum_list t
  end.

(* Tail-recursive refactoring. *)
Fixpoint sum_list_acc (l : list nat) (acc : nat) : nat :=
  match l with
  | [] => acc
  | x :: t => sum_list_acc t (acc + x)
  end.

Theorem sum_list_acc_equiv : forall l, sum_list l = sum_list_acc l 0.
Proof.
Admitted.
