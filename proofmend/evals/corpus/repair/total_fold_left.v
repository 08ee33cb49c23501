(** Order totals.  [total] used to be structural recursion
    ([x + total xs]); it is now a tail-recursive [fold_left], so that the
    extracted code runs in constant stack. *)

From Coq Require Import List Arith Lia.
Import ListNotations.

Definition total (l : list nat) : nat := fold_left Nat.add l 0.

Lemma total_acc : forall l a, fold_left Nat.add l a = a + total l.
Proof.
  unfold total. induction l as [| x l IH]; intros a; simpl.
  - lia.
  - rewrite (IH (a + x)), (IH x). lia.
Qed.

Lemma total_cons : forall x l, total (x :: l) = x + total l.
Proof.
  intros x l. unfold total at 1. simpl. apply total_acc.
Qed.

Lemma total_app : forall l1 l2, total (l1 ++ l2) = total l1 + total l2.
Proof.
  induction l1 as [| x l1 IH]; intros l2; simpl.
  - reflexivity.
  - rewrite IH. lia.
Qed.

Lemma total_rev : forall l, total (rev l) = total l.
Proof.
  induction l as [| x l IH]; simpl.
  - reflexivity.
  - rewrite total_app, IH, !total_cons. change (total []) with 0. lia.
Qed.
