(** Unit conversion.  The hypothesis of [to_units_round_trip] is now stated
    as [0 < unit] (it was [unit <> 0]), like everywhere else in the module. *)

From Coq Require Import Arith Lia.

Definition to_units (amount unit : nat) : nat := amount / unit.
Definition of_units (n unit : nat) : nat := n * unit.

Lemma to_units_round_trip : forall n unit,
  0 < unit -> to_units (of_units n unit) unit = n.
Proof.
  intros n unit Hu. unfold to_units, of_units.
  apply Nat.div_mul. exact Hu.
Qed.

Lemma of_units_mono : forall n m unit, n <= m -> of_units n unit <= of_units m unit.
Proof. intros n m unit H. unfold of_units. apply Nat.mul_le_mono_r. exact H. Qed.
