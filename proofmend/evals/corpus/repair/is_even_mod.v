(** Parity.  [is_even] is now computed with [mod] (it was [Nat.even]), to
    share code with the [is_multiple] check. *)

From Coq Require Import Arith Lia.

Definition is_multiple (k n : nat) : bool := n mod k =? 0.

Definition is_even (n : nat) : bool := is_multiple 2 n.

Lemma is_even_0 : is_even 0 = true.
Proof. reflexivity. Qed.

Lemma is_even_double : forall n, is_even (n + n) = true.
Proof.
  intros n. unfold is_even. rewrite Nat.even_add.
  destruct (Nat.even n); reflexivity.
Qed.
