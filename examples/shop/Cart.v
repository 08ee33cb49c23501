(** * Cart: order lines and cart totals. *)

From Coq Require Import List Arith Lia.
Import ListNotations.
From Shop Require Import Money.

(** Changed in 2.0: the field [qty] was renamed [quantity] and moved after
    [unit_price], so that [mkLine sku price n] reads like a receipt. *)
Record line := mkLine {
  sku : nat;
  unit_price : cents;
  quantity : nat
}.

Definition line_total (l : line) : cents := unit_price l * quantity l.

Definition cart := list line.

(** Changed in 2.0: [cart_total] used to be a [Fixpoint] by direct recursion
    on the list; it is now a tail-recursive [fold_left], so that the extracted
    checkout code runs in constant stack on large carts. *)
Definition cart_total (c : cart) : cents :=
  fold_left (fun acc l => acc + line_total l) c 0.

(** A line of zero items costs nothing. *)
Lemma line_total_free : forall l, quantity l = 0 -> line_total l = 0.
Proof.
  intros [s q p] Hq. simpl in Hq. subst q.
  unfold line_total. simpl. lia.
Qed.

(** New in 2.0: the accumulator of the fold only ever adds. *)
Lemma cart_total_acc : forall c acc,
  fold_left (fun acc l => acc + line_total l) c acc = acc + cart_total c.
Proof.
  unfold cart_total.
  induction c as [| l c IH]; intros acc; simpl.
  - lia.
  - rewrite (IH (acc + line_total l)), (IH (line_total l)). lia.
Qed.

Lemma cart_total_cons : forall l c,
  cart_total (l :: c) = line_total l + cart_total c.
Proof.
  intros l c. unfold cart_total at 1. simpl.
  apply cart_total_acc.
Qed.

Lemma cart_total_app : forall c1 c2,
  cart_total (c1 ++ c2) = cart_total c1 + cart_total c2.
Proof.
  induction c1 as [| l c1 IH]; intros c2; simpl.
  - reflexivity.
  - rewrite IH. lia.
Qed.
