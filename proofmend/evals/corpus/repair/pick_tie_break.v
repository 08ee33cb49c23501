(** Choosing between two offers.  Ties now go to the second offer, so the test
    changed from [a <=? b] to [a <? b] (the same price either way here, but
    the offer records built on [pick] carry a seller). *)

From Coq Require Import Arith Lia.

Definition pick (a b : nat) : nat := if a <? b then a else b.

Lemma pick_le_l : forall a b, pick a b <= a.
Proof.
  intros a b. unfold pick.
  destruct (Nat.leb_spec a b); lia.
Qed.

Lemma pick_le_r : forall a b, pick a b <= b.
Proof. intros a b. unfold pick. destruct (Nat.ltb_spec a b); lia. Qed.

Lemma pick_is_min : forall a b, pick a b = Nat.min a b.
Proof. intros a b. unfold pick. destruct (Nat.ltb_spec a b); lia. Qed.
