(** List reversal with an accumulator.  [rev_onto_length] used to be stated
    for the empty accumulator only; it now holds for any accumulator. *)

From Coq Require Import List Arith Lia.
Import ListNotations.

Fixpoint rev_onto {A : Type} (l acc : list A) : list A :=
  match l with
  | [] => acc
  | x :: l' => rev_onto l' (x :: acc)
  end.

Definition reverse {A : Type} (l : list A) : list A := rev_onto l [].

Lemma rev_onto_length : forall (A : Type) (l acc : list A),
  length (rev_onto l acc) = length l + length acc.
Proof.
  intros A l. induction l as [| x l IH]; intros acc; simpl.
  - reflexivity.
  - rewrite IH. simpl. lia.
Qed.

Lemma reverse_length : forall (A : Type) (l : list A), length (reverse l) = length l.
Proof.
  intros A l. unfold reverse. apply rev_onto_length.
Qed.

Lemma reverse_nil : forall (A : Type), reverse (@nil A) = [].
Proof. reflexivity. Qed.
