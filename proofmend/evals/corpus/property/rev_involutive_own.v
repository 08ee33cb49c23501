(* Naive reverse on a hand-rolled list type. *)
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

Lemma reverse_snoc : forall (A : Type) (l : list A) (x : A),
  reverse (snoc l x) = x :: reverse l.
Proof.
  intros A l x. induction l as [|h t IH]; simpl.
  - reflexivity.
  - rewrite IH. reflexivity.
Qed.

Theorem rev_involutive_own : forall (A : Type) (l : list A), reverse (reverse l) = l.
Proof.
Admitted.
