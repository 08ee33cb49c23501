(** Binary trees.  Renamed in this release: the constructor [Leaf] is now
    [Empty], and [height_node] is now [height_Node]. *)

From Coq Require Import Arith Lia.

Inductive tree := Empty | Node (l : tree) (x : nat) (r : tree).

Fixpoint height (t : tree) : nat :=
  match t with
  | Empty => 0
  | Node l _ r => 1 + Nat.max (height l) (height r)
  end.

Lemma height_Node : forall l x r,
  height (Node l x r) = S (Nat.max (height l) (height r)).
Proof. reflexivity. Qed.

Definition singleton (x : nat) : tree := Node Empty x Empty.

Lemma exists_height_2 : exists t, height t = 2 /\ t <> Empty.
Proof.
  exists (Node (singleton 1) 2 Leaf). split.
  - rewrite height_node. reflexivity.
  - discriminate.
Qed.
