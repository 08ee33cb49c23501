(** Timetable arithmetic.  This file used to [Require Import Omega]; the
    [omega] tactic is gone from Coq, and the imports now load [Lia]. *)

From Coq Require Import Arith Lia.

Definition minutes (h m : nat) : nat := 60 * h + m.

Lemma minutes_lt_day : forall h m, h < 24 -> m < 60 -> minutes h m < 1440.
Proof.
  intros h m Hh Hm. unfold minutes. omega.
Qed.

Lemma minutes_mono : forall h m, minutes h m <= minutes (S h) m.
Proof. intros h m. unfold minutes. lia. Qed.
