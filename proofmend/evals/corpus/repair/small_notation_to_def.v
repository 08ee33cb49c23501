(** Nibbles.  [small n] used to be a notation for [n < 16]; it is now a
    definition, so that error messages and [Search] mention it. *)

From Coq Require Import Arith Lia.

Definition small (n : nat) : Prop := n < 16.

Definition nibble_add (a b : nat) : nat := (a + b) mod 16.

Lemma small_nibble_add : forall a b, small (nibble_add a b).
Proof.
  intros a b. unfold small, nibble_add. apply Nat.mod_upper_bound. discriminate.
Qed.

Lemma small_sum_lt : forall a b, small a -> small b -> a + b < 32.
Proof.
  intros a b Ha Hb. lia.
Qed.
