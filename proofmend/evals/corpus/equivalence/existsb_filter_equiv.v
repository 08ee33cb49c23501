From Coq Require Import List Arith Bool.
Import ListNotations.

Fixpoint any {A : Type} (p : A -> bool) (l : list A) : bool :=
  match l with
  | [] => false
  | x :: t => p x || any p t
  end.

(* Refactored: something matches iff the filtered list is non-empty. *)
Definition any_filter {A : Type} (p : A -> bool) (l : list A) : bool :=
  negb (Nat.eqb (length (filter p l)) 0).

Theorem existsb_filter_equiv : forall (A : Type) (p : A -> bool) (l : list A),
  any p l = any_filter p l.
Proof.
Admitted.
