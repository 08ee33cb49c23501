(** Membership.  [mem_In] is now an equivalence; it used to be the
    implication [mem x l = true -> In x l], with the converse stated
    separately as [In_mem]. *)

From Coq Require Import List Arith Bool.
Import ListNotations.

Fixpoint mem (x : nat) (l : list nat) : bool :=
  match l with
  | [] => false
  | y :: l' => (x =? y) || mem x l'
  end.

Lemma mem_In : forall x l, mem x l = true <-> In x l.
Proof.
  intros x l. induction l as [| y l IH]; simpl.
  - split; [discriminate | contradiction].
  - rewrite orb_true_iff, Nat.eqb_eq, IH.
    split; intros [H | H].
    + left. symmetry. exact H.
    + right. exact H.
    + left. symmetry. exact H.
    + right. exact H.
Qed.

Lemma mem_app_l : forall x l1 l2, mem x l1 = true -> mem x (l1 ++ l2) = true.
Proof.
  intros x l1 l2 H. apply In_mem.
  apply in_or_app. left. exact (mem_In x l1 H).
Qed.
