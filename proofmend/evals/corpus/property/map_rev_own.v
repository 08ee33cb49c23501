From Coq Require Import List.
Import ListNotations.

Fixpoint reverse {A : Type} (l : list A) : list A :=
  match l with
  | [] => []
  | h :: t => reverse t ++ [h]
  end.

Lemma map_app_own : forall (A B : Type) (f : A -> B) (l1 l2 : list A),
  map f (l1 ++ l2) = map f l1 ++ map f l2.
Proof.
  intros A B f l1 l2. induction l1 as [|x t IH]; simpl; [reflexivity | rewrite IH; reflexivity].
Qed.

Theorem map_rev_own : forall (A B : Type) (f : A -> B) (l : list A),
  map f (reverse l) = reverse (map f l).
Proof.
Admitted.
