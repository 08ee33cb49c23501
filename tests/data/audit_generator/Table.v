(** Association tables over keys with a boolean equality, built by a functor
    and instantiated for natural numbers.  Some proofs are still to be
    written. *)

Require Import Arith Lia List.
Import ListNotations.

Module Type KEY.
  Parameter t : Type.
  Parameter eqb : t -> t -> bool.
  Axiom eqb_refl : forall k, eqb k k = true.
End KEY.

Module Type BOUNDED.
  Parameter bound : nat.
  Axiom bound_pos : 0 < bound.
End BOUNDED.

Module Type BOUNDED_FACTS.
  Parameter bound : nat.
  Axiom bound_pos : 0 < bound.

  Lemma bound_todo : forall n, n < bound.
  Proof.
  Admitted.

  Lemma bound_ne_0 : bound <> 0.
  Proof.
  Admitted.
End BOUNDED_FACTS.

Module NatKey : KEY.
  Definition t := nat.
  Definition eqb := Nat.eqb.

  Lemma eqb_spec_todo : forall a b, eqb a b = true <-> a = b.
  Proof.
  Admitted.

  Lemma eqb_refl : forall k, eqb k k = true.
  Proof.
  Admitted.
End NatKey.

Module Ten : BOUNDED.
  Definition bound := 10.

  Lemma bound_pos : 0 < bound.
  Proof.
  Admitted.
End Ten.

(* Ten.bound is sealed; its value is known to be 10. *)
Lemma ten_todo : Ten.bound = 10.
Proof.
Admitted.

Lemma ten_pos_or_zero : 0 < Ten.bound \/ Ten.bound = 0.
Proof.
Admitted.

Module MakeTable (K : KEY).
  Definition table (V : Type) := list (K.t * V).

  Fixpoint find {V : Type} (k : K.t) (m : table V) : option V :=
    match m with
    | [] => None
    | (k', v) :: rest => if K.eqb k k' then Some v else find k rest
    end.

  Definition add {V : Type} (k : K.t) (v : V) (m : table V) : table V := (k, v) :: m.

  Lemma find_todo : forall {V : Type} (k : K.t) (m : table V) (v : V), find k m = Some v.
  Proof.
  Admitted.

  Lemma find_add {V : Type} (k : K.t) (v : V) (m : table V) : find k (add k v m) = Some v.
  Proof.
  Admitted.

  Lemma find_nil {V : Type} (k : K.t) : find k ([] : table V) = None.
  Proof.
  Admitted.
End MakeTable.

Module NatTable := MakeTable NatKey.
Module Tables := NatTable.

Module TablesWithDefault.
  Include NatTable.
  Definition find_or {V : Type} (d : V) (k : NatKey.t) (m : table V) : V :=
    match find k m with Some v => v | None => d end.
End TablesWithDefault.
