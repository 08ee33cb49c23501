From Coq Require Import List Arith Lia.
Import ListNotations.

(* [a; a+1; ...; a+n-1] *)
Fixpoint range (a n : nat) : list nat :=
  match n with
  | 0 => []
  | S k => a :: range (S a) k
  end.

(* Refactored: shift a range that starts at zero. *)
Definition range_shift (a n : nat) : list nat := map (fun i => a + i) (range 0 n).

Theorem range_map_equiv : forall a n, range a n = range_shift a n.
Proof.
Admitted.
