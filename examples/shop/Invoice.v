(** * Invoice: what the customer pays. *)

From Coq Require Import List Arith Lia.
Import ListNotations.
From Shop Require Import Money Cart Discount.

Record invoice := mkInvoice {
  items : cart;
  promo : discount
}.

Definition invoice_subtotal (i : invoice) : cents := cart_total (items i).

Definition invoice_total (i : invoice) : cents :=
  apply_discount (promo i) (invoice_subtotal i).

Definition add_line (l : line) (i : invoice) : invoice :=
  {| items := l :: items i; promo := promo i |}.

Lemma invoice_percent_le : forall c pct,
  invoice_total (mkInvoice c (Percent pct)) <= cart_total c.
Proof.
  intros c pct. unfold invoice_total, invoice_subtotal. simpl.
  apply (discount_le pct).
Qed.

(** New in 2.0, still to be proved. *)
Lemma invoice_total_le : forall i, invoice_total i <= invoice_subtotal i.
Admitted.

Lemma add_line_subtotal : forall l i,
  invoice_subtotal (add_line l i) = line_total l + invoice_subtotal i.
Proof.
  intros l i. unfold invoice_subtotal, add_line. simpl.
  apply cart_total_cons.
Qed.
