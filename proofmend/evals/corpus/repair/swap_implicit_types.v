(** Pairs.  The type arguments of [map_swap_involutive] were made implicit. *)

From Coq Require Import List.
Import ListNotations.

Definition swap_pair {A B : Type} (p : A * B) : B * A := (snd p, fst p).

Lemma swap_pair_involutive : forall {A B : Type} (p : A * B),
  swap_pair (swap_pair p) = p.
Proof. intros A B [a b]. reflexivity. Qed.

Lemma map_swap_involutive : forall {A B : Type} (l : list (A * B)),
  map swap_pair (map swap_pair l) = l.
Proof.
  intros A B l. induction l as [| p l IH]; simpl.
  - reflexivity.
  - rewrite swap_pair_involutive, IH. reflexivity.
Qed.

Definition inventory := list (nat * bool).

Lemma inventory_swap_twice : forall (inv : inventory),
  map swap_pair (map swap_pair inv) = inv /\ length (map swap_pair inv) = length inv.
Proof.
  intros inv. split.
  - exact (map_swap_involutive nat bool inv).
  - apply map_length.
Qed.
