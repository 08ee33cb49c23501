From Coq Require Import Arith.

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

Fixpoint member (x : nat) (t : tree) : bool :=
  match t with
  | Leaf => false
  | Node l v r =>
      if x <? v then member x l
      else if v <? x then member x r
      else true
  end.

Theorem bst_member_insert : forall x t, member x (insert x t) = true.
Proof.
Admitted.
