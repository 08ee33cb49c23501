From Coq Require Import List Arith Lia.
Import ListNotations.

Fixpoint len {A : Type} (l : list A) : nat :=
  match l with
  | [] => 0
  | _ :: t => S (len t)
  end.

Fixpoint len_acc {A : Type} (l : list A) (n : nat) : nat :=
  match l with
  | [] => n
  | _ :: t => len_acc t (S n)
  end.

Theorem length_acc_equiv : forall (A : Type) (l : list A), len l = len_acc l 0.
Proof.
Admitted.
