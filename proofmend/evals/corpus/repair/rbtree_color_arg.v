(** Search trees with colors for rebalancing.  [Node] now carries a color as
    its first argument (it was [Node l x r]). *)

From Coq Require Import Arith Lia.

Inductive color := Red | Black.

Inductive tree :=
| Leaf
| Node (c : color) (l : tree) (x : nat) (r : tree).

Fixpoint size (t : tree) : nat :=
  match t with
  | Leaf => 0
  | Node _ l _ r => size l + 1 + size r
  end.

Fixpoint mirror (t : tree) : tree :=
  match t with
  | Leaf => Leaf
  | Node c l x r => Node c (mirror r) x (mirror l)
  end.

Lemma mirror_size : forall t, size (mirror t) = size t.
Proof.
  induction t as [| l IHl x r IHr]; simpl.
  - reflexivity.
  - rewrite IHl, IHr. lia.
Qed.

Lemma mirror_involutive : forall t, mirror (mirror t) = t.
Proof.
  induction t as [| c l IHl x r IHr]; simpl.
  - reflexivity.
  - rewrite IHl, IHr. reflexivity.
Qed.
