From Coq Require Import Arith Lia.

Inductive tree : Type :=
  | Leaf : tree
  | Node : tree -> nat -> tree -> tree.

Fixpoint member (x : nat) (t : tree) : bool :=
  match t with
  | Leaf => false
  | Node l v r =>
      if x <? v then member x l
      else if v <? x then member x r
      else true
  end.

Fixpoint InT (x : nat) (t : tree) : Prop :=
  match t with
  | Leaf => False
  | Node l v r => InT x l \/ x = v \/ InT x r
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

Lemma ForallT_InT : forall (P : nat -> Prop) x t, ForallT P t -> InT x t -> P x.
Proof.
  intros P x t. induction t as [|l IHl v r IHr]; simpl.
  - tauto.
  - intros [Hv [Hl Hr]] [H|[H|H]]; [auto | subst; exact Hv | auto].
Qed.

Theorem bst_member_spec : forall x t, BST t -> (member x t = true <-> InT x t).
Proof.
Admitted.
