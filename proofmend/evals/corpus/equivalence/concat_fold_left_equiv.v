From Coq Require Import List.
Import ListNotations.

Fixpoint flatten {A : Type} (ls : list (list A)) : list A :=
  match ls with
  | [] => []
  | l :: t => l ++ flatten t
  end.

Definition flatten_fold {A : Type} (ls : list (list A)) : list A :=
  fold_left (fun acc l => acc ++ l) ls [].

Theorem concat_fold_left_equiv : forall (A : Type) (ls : list (list A)),
  flatten ls = flatten_fold ls.
Proof.
Admitted.
