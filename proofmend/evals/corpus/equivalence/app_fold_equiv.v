From Coq Require Import List.
Import ListNotations.

Fixpoint append {A : Type} (l1 l2 : list A) : list A :=
  match l1 with
  | [] => l2
  | x :: t => x :: append t l2
  end.

Definition append_fold {A : Type} (l1 l2 : list A) : list A := fold_right cons l2 l1.

Theorem app_fold_equiv : forall (A : Type) (l1 l2 : list A), append l1 l2 = append_fold l1 l2.
Proof.
Admitted.
