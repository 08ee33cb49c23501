(** Range checks.  Ranges used to be half-open, [lo, hi); the spec sheet
    wants inclusive upper bounds, so the upper test changed from [x <? hi] to
    [x <=? hi].  The statement was updated; the proof was not. *)

From Coq Require Import Arith Bool Lia.

Definition in_range (lo hi x : nat) : bool := (lo <=? x) && (x <=? hi).

Lemma in_range_lo : forall lo hi x, in_range lo hi x = true -> lo <= x.
Proof.
  intros lo hi x H. unfold in_range in H.
  apply andb_true_iff in H. destruct H as [H _].
  apply Nat.leb_le. exact H.
Qed.

Lemma in_range_spec : forall lo hi x, in_range lo hi x = true <-> lo <= x <= hi.
Proof.
  intros lo hi x. unfold in_range.
  rewrite andb_true_iff, Nat.leb_le, Nat.ltb_lt.
  reflexivity.
Qed.

Lemma in_range_empty : forall lo hi x, hi < lo -> in_range lo hi x = false.
Proof.
  intros lo hi x H. destruct (in_range lo hi x) eqn:E; [| reflexivity].
  apply in_range_spec in E. lia.
Qed.
