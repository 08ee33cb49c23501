(** Column widths.  [width] used [Nat.max]; it now uses the project's own
    [maxn], which extracts to a native comparison.  The facts about [maxn]
    are proved below. *)

From Coq Require Import List Arith Lia.
Import ListNotations.

Definition maxn (a b : nat) : nat := if a <? b then b else a.

Lemma maxn_le_l : forall a b, a <= maxn a b.
Proof. intros a b. unfold maxn. destruct (Nat.ltb_spec a b); lia. Qed.

Lemma maxn_le_r : forall a b, b <= maxn a b.
Proof. intros a b. unfold maxn. destruct (Nat.ltb_spec a b); lia. Qed.

Fixpoint width (l : list nat) : nat :=
  match l with
  | [] => 0
  | x :: l' => maxn x (width l')
  end.

Lemma width_ge : forall x l, In x l -> x <= width l.
Proof.
  intros x l. induction l as [| y l IH]; simpl; intros H.
  - contradiction.
  - destruct H as [-> | H].
    + apply Nat.le_max_l.
    + eapply Nat.le_trans; [apply IH, H | apply Nat.le_max_r].
Qed.
