(** Shapes for a cutting plan.  [Rect] is new. *)

From Coq Require Import Arith Lia.

Inductive shape :=
| Square (side : nat)
| Circle (radius : nat)
| Rect (w h : nat).

Definition valid (s : shape) : Prop :=
  match s with
  | Square a => 0 < a
  | Circle r => 0 < r
  | Rect w h => 0 < w /\ 0 < h
  end.

(** Perimeter, rounding pi down to 3 (the saw does not care). *)
Definition perimeter (s : shape) : nat :=
  match s with
  | Square a => 4 * a
  | Circle r => 6 * r
  | Rect w h => 2 * (w + h)
  end.

Definition bounding_width (s : shape) : nat :=
  match s with
  | Square a => a
  | Circle r => 2 * r
  | Rect w _ => w
  end.

Lemma perimeter_pos : forall s, valid s -> 0 < perimeter s.
Proof.
  intros [a | r] H; simpl in *.
  - lia.
  - lia.
Qed.

Lemma bounding_width_le_perimeter : forall s, bounding_width s <= perimeter s.
Proof. intros [a | r | w h]; simpl; lia. Qed.
