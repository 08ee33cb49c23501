(** Score sheets.  The list helpers moved into the module [ListUtil]. *)

From Coq Require Import List Arith Lia.
Import ListNotations.

Module ListUtil.
  Definition sum (l : list nat) : nat := fold_right Nat.add 0 l.

  Lemma sum_app : forall l1 l2, sum (l1 ++ l2) = sum l1 + sum l2.
  Proof.
    induction l1 as [| x l1 IH]; intros l2; simpl.
    - reflexivity.
    - rewrite IH. lia.
  Qed.

  Lemma sum_rev : forall l, sum (rev l) = sum l.
  Proof.
    induction l as [| x l IH]; simpl.
    - reflexivity.
    - rewrite sum_app, IH. simpl. lia.
  Qed.
End ListUtil.

Definition scores := list nat.

Definition combined (s1 s2 : scores) : nat := ListUtil.sum (s1 ++ s2).

Lemma combined_comm : forall s1 s2, combined s1 s2 = combined s2 s1.
Proof.
  intros s1 s2. unfold combined. rewrite !sum_app. lia.
Qed.

Lemma combined_rev : forall s1 s2, combined (rev s1) s2 = combined s1 s2.
Proof.
  intros s1 s2. unfold combined. rewrite !ListUtil.sum_app, ListUtil.sum_rev.
  reflexivity.
Qed.
