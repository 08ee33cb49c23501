(** Dropping zero entries.  [keep] now tests [0 <? x]; it used to be
    [negb (x =? 0)]. *)

From Coq Require Import List Arith Bool Lia.
Import ListNotations.

Definition keep (x : nat) : bool := 0 <? x.

Definition compact (l : list nat) : list nat := filter keep l.

Fixpoint sum (l : list nat) : nat :=
  match l with
  | [] => 0
  | x :: l' => x + sum l'
  end.

Lemma compact_sum : forall l, sum (compact l) = sum l.
Proof.
  unfold compact. induction l as [| x l IH]; simpl.
  - reflexivity.
  - destruct (keep x) eqn:E; simpl.
    + rewrite IH. reflexivity.
    + unfold keep in E. apply negb_false_iff, Nat.eqb_eq in E.
      subst x. simpl. exact IH.
Qed.

Lemma compact_length : forall l, length (compact l) <= length l.
Proof.
  unfold compact. induction l as [| x l IH]; simpl.
  - lia.
  - destruct (keep x); simpl; lia.
Qed.
