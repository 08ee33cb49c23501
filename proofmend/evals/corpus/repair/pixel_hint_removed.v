(** Pixel arithmetic.  The lemmas [cap_le] and [cap_le_self] used to be
    registered with [Hint Resolve] in this file; the hints moved to a separate
    hint file that this one no longer loads. *)

From Coq Require Import Arith Lia.

Definition cap (n : nat) : nat := Nat.min n 255.

Lemma cap_le : forall n, cap n <= 255.
Proof. intros n. unfold cap. apply Nat.le_min_r. Qed.

Lemma cap_le_self : forall n, cap n <= n.
Proof. intros n. unfold cap. apply Nat.le_min_l. Qed.

Definition blend (a b : nat) : nat := cap a + cap b.

Lemma blend_bounds : forall a b, blend a b <= 510 /\ blend a b <= a + b.
Proof.
  intros a b. unfold blend. split.
  - apply (Nat.add_le_mono _ 255 _ 255); auto.
  - apply Nat.add_le_mono; auto.
Qed.
