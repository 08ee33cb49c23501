(** Binary search trees.  [size_insert_le : forall x t, ...] became
    [insert_size_le : forall t x, ...] (tree first, like the other [insert_*]
    lemmas), and now says [1 + size t] instead of [S (size t)]. *)

From Coq Require Import Arith Lia.

Inductive tree := Leaf | Node (l : tree) (k : nat) (r : tree).

Fixpoint size (t : tree) : nat :=
  match t with
  | Leaf => 0
  | Node l _ r => size l + 1 + size r
  end.

Fixpoint insert (x : nat) (t : tree) : tree :=
  match t with
  | Leaf => Node Leaf x Leaf
  | Node l k r =>
      if x <? k then Node (insert x l) k r
      else if k <? x then Node l k (insert x r)
      else t
  end.

Lemma insert_size_le : forall t x, size (insert x t) <= 1 + size t.
Proof.
  induction t as [| l IHl k r IHr]; intros x; simpl.
  - lia.
  - destruct (x <? k); simpl.
    + specialize (IHl x). lia.
    + destruct (k <? x); simpl.
      * specialize (IHr x). lia.
      * lia.
Qed.

Lemma insert_twice_size : forall x y t,
  size (insert x (insert y t)) <= 2 + size t.
Proof.
  intros x y t.
  pose proof (size_insert_le x (insert y t)) as H1.
  pose proof (size_insert_le y t) as H2.
  lia.
Qed.
