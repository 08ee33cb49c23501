From Coq Require Import List.
Import ListNotations.

Fixpoint rev_naive {A : Type} (l : list A) : list A :=
  match l with
  | [] => []
  | x :: t => rev_naive t ++ [x]
  end.

Fixpoint rev_acc {A : Type} (l acc : list A) : list A :=
  match l with
  | [] => acc
  | x :: t => rev_acc t (x :: acc)
  end.

Theorem rev_acc_equiv : forall (A : Type) (l : list A), rev_naive l = rev_acc l [].
Proof.
Admitted.
