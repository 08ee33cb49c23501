(** Client configuration.  The record gained a [retries] field, and
    validity now bounds it. *)

From Coq Require Import Arith Lia.

Record config := {
  timeout : nat;
  verbose : bool;
  retries : nat
}.

Definition valid (c : config) : Prop := 0 < timeout c /\ retries c <= 5.

Definition default : config := {| timeout := 30; verbose := false; retries := 3 |}.

Lemma valid_default : valid default.
Proof. unfold valid, default. simpl. lia. Qed.

Lemma exists_quiet_valid :
  exists c, valid c /\ verbose c = false /\ timeout c = 10.
Proof.
  exists {| timeout := 10; verbose := false |}.
  unfold valid. simpl. repeat split; lia.
Qed.
