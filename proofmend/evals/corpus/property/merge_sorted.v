(* Merging two sorted lists, written with a nested fixpoint as in merge sort. *)
From Coq Require Import List Arith Lia.
Import ListNotations.

Inductive sorted : list nat -> Prop :=
  | sorted_nil : sorted []
  | sorted_one : forall x, sorted [x]
  | sorted_cons : forall x y l, x <= y -> sorted (y :: l) -> sorted (x :: y :: l).

Fixpoint merge (l1 l2 : list nat) : list nat :=
  let fix merge_aux (l2 : list nat) : list nat :=
    match l1, l2 with
    | [], _ => l2
    | _, [] => l1
    | a1 :: l1', a2 :: l2' =>
        if a1 <=? a2 then a1 :: merge l1' l2 else a2 :: merge_aux l2'
    end
  in merge_aux l2.

Lemma merge_nil_l : forall l, merge [] l = l.
Proof. intros [|x t]; reflexivity. Qed.

Lemma merge_nil_r : forall l, merge l [] = l.
Proof. intros [|x t]; reflexivity. Qed.

Lemma merge_cons : forall a l1 b l2,
  merge (a :: l1) (b :: l2) =
  if a <=? b then a :: merge l1 (b :: l2) else b :: merge (a :: l1) l2.
Proof. reflexivity. Qed.

Lemma sorted_tail : forall x l, sorted (x :: l) -> sorted l.
Proof. intros x l H. inversion H; subst; [constructor | assumption]. Qed.

Theorem merge_sorted : forall l1 l2, sorted l1 -> sorted l2 -> sorted (merge l1 l2).
Proof.
Admitted.
