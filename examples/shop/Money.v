(** * Money: amounts in cents and percentage reductions. *)

From Coq Require Import Arith Lia.

(** All amounts are whole cents. *)
Definition cents := nat.

(** [percent_off amount pct] is [amount] reduced by [pct] percent, with the
    reduction rounded down (in the shop's favour).

    Changed in 2.0: the amount now comes first, like every other function in
    the shop.  The lemma [discount_le] (with [pct] first) became
    [percent_off_le]. *)
Definition percent_off (amount pct : nat) : cents :=
  amount - amount * pct / 100.

Lemma percent_off_le : forall amount pct, percent_off amount pct <= amount.
Proof.
  intros amount pct. unfold percent_off. lia.
Qed.

Lemma percent_off_0 : forall amount, percent_off amount 0 = amount.
Proof.
  intros amount. unfold percent_off.
  rewrite Nat.mul_0_r. simpl. lia.
Qed.
