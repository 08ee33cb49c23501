(** Evenness as an inductive predicate.  The constructors [ev0] and [evSS]
    were renamed [ev_0] and [ev_SS]. *)

From Coq Require Import Arith Lia.

Inductive even : nat -> Prop :=
| ev_0 : even 0
| ev_SS : forall n, even n -> even (S (S n)).

Lemma even_4 : even 4.
Proof. apply ev_SS, ev_SS, ev_0. Qed.

Lemma even_double : forall n, even (n + n).
Proof.
  induction n as [| n IH]; simpl.
  - apply ev0.
  - rewrite <- plus_n_Sm. apply evSS. exact IH.
Qed.

Lemma even_2n : forall n, even (2 * n).
Proof.
  intros n. replace (2 * n) with (n + n) by lia. apply even_double.
Qed.
