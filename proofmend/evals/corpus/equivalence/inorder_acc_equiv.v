From Coq Require Import List.
Import ListNotations.

Inductive tree : Type :=
  | Leaf : tree
  | Node : tree -> nat -> tree -> tree.

Fixpoint inorder (t : tree) : list nat :=
  match t with
  | Leaf => []
  | Node l v r => inorder l ++ v :: inorder r
  end.

(* Linear-time traversal without appends. *)
Fixpoint inorder_acc (t : tree) (acc : list nat) : list nat :=
  match t with
  | Leaf => acc
  | Node l v r => inorder_acc l (v :: inorder_acc r acc)
  end.

Theorem inorder_acc_equiv : forall t, inorder t = inorder_acc t [].
Proof.
Admitted.
