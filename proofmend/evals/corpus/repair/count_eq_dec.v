(** Counting occurrences.  [count] now tests equality with [Nat.eq_dec]
    (it used the boolean [Nat.eqb]), so that proofs get the equation for
    free in each branch. *)

From Coq Require Import List Arith Lia.
Import ListNotations.

Fixpoint count (x : nat) (l : list nat) : nat :=
  match l with
  | [] => 0
  | y :: l' => if Nat.eq_dec x y then S (count x l') else count x l'
  end.

Lemma count_app : forall x l1 l2, count x (l1 ++ l2) = count x l1 + count x l2.
Proof.
  intros x l1 l2. induction l1 as [| y l1 IH]; simpl.
  - reflexivity.
  - destruct (x =? y); rewrite IH; reflexivity.
Qed.

Lemma count_not_In : forall x l, ~ In x l -> count x l = 0.
Proof.
  intros x l. induction l as [| y l IH]; simpl; intros H.
  - reflexivity.
  - destruct (Nat.eq_dec x y) as [E | E].
    + exfalso. apply H. left. symmetry. exact E.
    + apply IH. intros Hin. apply H. right. exact Hin.
Qed.
