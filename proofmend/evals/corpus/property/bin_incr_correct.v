(* Little-endian binary numerals as lists of booleans. *)
From Coq Require Import List Arith Lia.
Import ListNotations.

Fixpoint to_nat (b : list bool) : nat :=
  match b with
  | [] => 0
  | false :: t => 2 * to_nat t
  | true :: t => S (2 * to_nat t)
  end.

Fixpoint incr (b : list bool) : list bool :=
  match b with
  | [] => [true]
  | false :: t => true :: t
  | true :: t => false :: incr t
  end.

Theorem bin_incr_correct : forall b, to_nat (incr b) = S (to_nat b).
Proof.
Admitted.
