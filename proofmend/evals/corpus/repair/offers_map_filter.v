(** Special offers.  [offers] now prices the items first and filters on the
    computed price (it used to filter the raw items and then map). *)

From Coq Require Import List Arith Lia.
Import ListNotations.

Definition price_of (x : nat) : nat := 3 * x.

Definition affordable (p : nat) : bool := p <=? 100.

Definition offers (items : list nat) : list nat :=
  filter affordable (map price_of items).

Lemma filter_length_le : forall (p : nat -> bool) (l : list nat),
  length (filter p l) <= length l.
Proof.
  intros p l. induction l as [| x l IH]; simpl.
  - lia.
  - destruct (p x); simpl; lia.
Qed.

Lemma offers_length : forall items, length (offers items) <= length items.
Proof.
  intros items. unfold offers. rewrite map_length. apply filter_length_le.
Qed.

Lemma offers_affordable : forall items p, In p (offers items) -> p <= 100.
Proof.
  intros items p H. unfold offers in H. apply filter_In in H.
  destruct H as [_ H]. unfold affordable in H. apply Nat.leb_le. exact H.
Qed.
