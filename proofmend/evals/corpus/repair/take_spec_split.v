(** Prefixes.  The lemma [take_spec], which stated the length of [take n l]
    and that it is a prefix of [l] in one conjunction, was split into
    [take_length] and [take_prefix]. *)

From Coq Require Import List Arith Lia.
Import ListNotations.

Fixpoint take (n : nat) (l : list nat) : list nat :=
  match n, l with
  | 0, _ => []
  | _, [] => []
  | S n', x :: l' => x :: take n' l'
  end.

Lemma take_length : forall n l, length (take n l) = Nat.min n (length l).
Proof.
  induction n as [| n IH]; intros [| x l]; simpl; try reflexivity.
  rewrite IH. reflexivity.
Qed.

Lemma take_prefix : forall n l, exists rest, l = take n l ++ rest.
Proof.
  induction n as [| n IH]; intros l.
  - exists l. reflexivity.
  - destruct l as [| x l].
    + exists []. reflexivity.
    + destruct (IH l) as [rest Hrest]. exists rest. simpl.
      rewrite <- Hrest. reflexivity.
Qed.

Lemma take_full : forall n l, length l <= n -> take n l = l.
Proof.
  intros n l H.
  destruct (take_spec n l) as [Hlen [rest Hrest]].
  rewrite Nat.min_r in Hlen by exact H.
  assert (Hl : length l = length (take n l) + length rest).
  { rewrite Hrest at 1. apply app_length. }
  destruct rest as [| r rest'].
  - rewrite app_nil_r in Hrest. symmetry. exact Hrest.
  - simpl in Hl. lia.
Qed.
