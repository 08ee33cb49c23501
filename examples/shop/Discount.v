(** * Discount: promotions applied to a cart total. *)

From Coq Require Import Arith Lia.
From Shop Require Import Money Cart.

(** New in 2.0: [FlatOff] for fixed-amount coupons. *)
Inductive discount :=
| NoDiscount
| Percent (pct : nat)
| FlatOff (amount : cents).

Definition apply_discount (d : discount) (amount : cents) : cents :=
  match d with
  | NoDiscount => amount
  | Percent pct => percent_off amount pct
  | FlatOff off => amount - off
  end.

(** A promotion never makes anything more expensive. *)
Lemma apply_discount_le : forall d amount, apply_discount d amount <= amount.
Proof.
  intros [| p] amount; simpl.
  - lia.
  - unfold percent_off. lia.
Qed.

Lemma discounted_cart_le : forall d c,
  apply_discount d (cart_total c) <= cart_total c.
Proof.
  intros d c. apply apply_discount_le.
Qed.
