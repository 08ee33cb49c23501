(** Bounded counters: a counter moves by a fixed step and never passes its
    capacity.  Some proofs are still to be written. *)

Require Import Arith Lia.

Definition capacity : nat.
Proof. exact 8. Defined.

Lemma capacity_value : capacity = 8.
Proof. reflexivity. Qed.

(* Stated too generally for now; to be replaced by the right bound. *)
Lemma le_todo : forall a b : nat, a <= b.
Proof.
Admitted.

Section Counter.
  Variable step : nat.
  Hypothesis step_pos : 0 < step.
  Hypothesis step_one : step = 1.

  Definition advance (c : nat) : nat :=
    if c + step <=? capacity then c + step else c.

  Lemma step_ne_0 : step <> 0.
  Proof using step_pos.
  Admitted.

  Lemma advance_le (c : nat) : c <= capacity -> advance c <= capacity.
  Proof using.
  Admitted.

  Let θ_aux : forall c, c + step = step + c.
  Admitted.

  Lemma advance_mono (c : nat) : c <= advance c.
  Proof.
  Admitted.

  Lemma capacity_room : step <= capacity -> capacity - step + step = capacity.
  Proof using.
    intros H. apply Nat.sub_add. exact H.
  Qed.
End Counter.

Lemma one_ne_0 : 1 <> 0.
Proof. apply (step_ne_0 1); auto. Qed.

Section Sized.
  Set Default Proof Using "Type".
  Context {A : Type} (size : A -> nat).
  Hypothesis size_pos : forall a, 0 < size a.

  Lemma size_sum_le (a b : A) : size a <= size a + size b.
  Proof.
  Admitted.
End Sized.
