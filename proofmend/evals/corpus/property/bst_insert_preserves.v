From Coq Require Import Arith Lia.

Inductive tree : Type :=
  | Leaf : tree
  | Node : tree -> nat -> tree -> tree.

Fixpoint insert (x : nat) (t : tree) : tree :=
  match t with
  | Leaf => Node Leaf x Leaf
  | Node l v r =>
      if x <? v then Node (insert x l) v r
      else if v <? x then Node l v (insert x r)
      else t
  end.

Fixpoint ForallT (P : nat -> Prop) (t : tree) : Prop :=
  match t with
  | Leaf => True
  | Node l v r => P v /\ ForallT P l /\ ForallT P r
  end.

Inductive BST : tree -> Prop :=
  | BST_Leaf : BST Leaf
  | BST_Node : forall l v r,
      ForallT (fun y => y < v) l ->
      ForallT (fun y => y > v) r ->
      BST l -> BST r -> BST (Node l v r).

Lemma ForallT_insert : forall (P : nat -> Prop) x t,
  P x -> ForallT P t -> ForallT P (insert x t).
Proof.
  intros P x t Hx. induction t as [|l IHl v r IHr]; simpl; intros H.
  - tauto.
  - destruct (x <? v); [simpl; tauto|].
    destruct (v <? x); simpl; tauto.
Qed.

Theorem bst_insert_preserves : forall x t, BST t -> BST (insert x t).
Proof.
Admitted.
