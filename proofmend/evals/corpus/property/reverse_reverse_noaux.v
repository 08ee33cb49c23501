(* Same naive reverse, but no helper lemma is provided. *)
From Coq Require Import List.
Import ListNotations.

Fixpoint snoc {A : Type} (l : list A) (x : A) : list A :=
  match l with
  | [] => [x]
  | h :: t => h :: snoc t x
  end.

Fixpoint reverse {A : Type} (l : list A) : list A :=
  match l with
  | [] => []
  | h :: t => snoc (reverse t) h
  end.

Theorem reverse_reverse_noaux : forall (A : Type) (l : list A), reverse (reverse l) = l.
Proof.
Admitted.
