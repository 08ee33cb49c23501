(** Clamping.  The file-local tactic [crush] (intros, unfolding, [lia]) was
    removed when the proofs were spelled out; one proof still calls it. *)

From Coq Require Import Arith Lia.

Definition clamp (lo hi x : nat) : nat := Nat.max lo (Nat.min x hi).

Lemma clamp_lo : forall lo hi x, lo <= clamp lo hi x.
Proof. intros lo hi x. unfold clamp. lia. Qed.

Lemma clamp_hi : forall lo hi x, lo <= hi -> clamp lo hi x <= hi.
Proof. intros lo hi x H. unfold clamp. lia. Qed.

Lemma clamp_idem : forall lo hi x,
  lo <= hi -> clamp lo hi (clamp lo hi x) = clamp lo hi x.
Proof.
  intros lo hi x H. unfold clamp. crush.
Qed.

Lemma clamp_inside : forall lo hi x, lo <= x <= hi -> clamp lo hi x = x.
Proof. intros lo hi x H. unfold clamp. lia. Qed.
