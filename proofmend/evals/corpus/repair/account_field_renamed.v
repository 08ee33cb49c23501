(** Bank accounts.  The record field [balance] was renamed [funds]. *)

From Coq Require Import Arith Lia.

Record account := mkAccount { owner : nat; funds : nat }.

Definition withdraw (a : account) (n : nat) : account :=
  if n <=? funds a then mkAccount (owner a) (funds a - n) else a.

Definition deposit (a : account) (n : nat) : account :=
  mkAccount (owner a) (funds a + n).

Lemma withdraw_le : forall a n, funds (withdraw a n) <= funds a.
Proof.
  intros a n. unfold withdraw. destruct (n <=? funds a); simpl; lia.
Qed.

Lemma deposit_withdraw : forall a n, withdraw (deposit a n) n = a.
Proof.
  intros a n. unfold deposit, withdraw. simpl.
  assert (Hle : n <=? balance a + n = true) by (apply Nat.leb_le; lia).
  rewrite Hle.
  assert (Hsub : balance a + n - n = balance a) by lia.
  rewrite Hsub. destruct a. reflexivity.
Qed.

Lemma deposit_owner : forall a n, owner (deposit a n) = owner a.
Proof. reflexivity. Qed.
