(** Widths for a layout engine: a typeclass of positive sizes, Program
    definitions with obligations, and defaults that later definitions compute
    with.  Some proofs are still to be written. *)

Require Import Arith Lia Program.

Generalizable All Variables.
#[local] Obligation Tactic := idtac.

Definition default_width : nat.
Proof. exact 4. Defined.

Ltac todo := admit.
Create HintDb layout.
#[export] Hint Extern 100 => todo : layout.

(* Stated too generally for now. *)
Lemma lt_todo : forall a b : nat, a < b.
Proof.
Admitted.

Class Positive (n : nat) := { positive : 0 < n }.

#[export] Instance : Positive default_width.
Proof.
Admitted.

Program Definition widen (n : nat) : {m | n < m} := n + default_width.
Next Obligation.
Proof.
Admitted.

Goal forall n, n < n + default_width.
Proof.
Admitted.

Lemma width_gt_2 : 2 < default_width.
Proof.
Admitted.

Definition sizes : nat * nat.
Proof.
  split.
  - exact default_width.
  - admit.
Defined.

Lemma sizes_fst : fst sizes = default_width.
Proof.
Admitted.

Lemma positive_size `{Positive W} : 0 < W.
Proof. intros. apply positive. Qed.

Lemma sizes_snd_pos : 0 < snd sizes.
Proof.
Admitted.
