From Coq Require Import List Bool.
Import ListNotations.

Fixpoint all {A : Type} (p : A -> bool) (l : list A) : bool :=
  match l with
  | [] => true
  | x :: t => if p x then all p t else false
  end.

Definition all_fold {A : Type} (p : A -> bool) (l : list A) : bool :=
  fold_right (fun x b => p x && b) true l.

Theorem forallb_fold_equiv : forall (A : Type) (p : A -> bool) (l : list A),
  all p l = all_fold p l.
Proof.
Admitted.
