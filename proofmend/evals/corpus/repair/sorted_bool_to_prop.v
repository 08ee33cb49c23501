(** Sortedness.  [sorted] used to be a boolean function, used as
    [sorted l = true]; it is now an inductive predicate. *)

From Coq Require Import List Arith Bool Lia.
Import ListNotations.

Inductive sorted : list nat -> Prop :=
| sorted_nil : sorted []
| sorted_one : forall x, sorted [x]
| sorted_cons : forall x y l, x <= y -> sorted (y :: l) -> sorted (x :: y :: l).

Lemma sorted_tail : forall x l, sorted (x :: l) -> sorted l.
Proof.
  intros x l H. simpl in H. destruct l as [| y l'].
  - reflexivity.
  - apply andb_true_iff in H. destruct H as [_ H]. exact H.
Qed.

Lemma sorted_head_le : forall x y l, sorted (x :: y :: l) -> x <= y.
Proof. intros x y l H. inversion H. assumption. Qed.

Lemma sorted_drop2 : forall x y l, sorted (x :: y :: l) -> sorted l.
Proof.
  intros x y l H. apply sorted_tail in H. apply sorted_tail in H. exact H.
Qed.
