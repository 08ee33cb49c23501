From Coq Require Import ZArith List Lia Bool.
Import ListNotations.
Open Scope Z_scope.

(* one entry per key position: attention weight, margin contribution, holds the max? *)
Fixpoint wdot (l : list (Z * Z * bool)) : Z :=
  match l with [] => 0 | (w, d, _) :: r => w * d + wdot r end.
Fixpoint wsum (b : bool) (l : list (Z * Z * bool)) : Z :=
  match l with [] => 0 | (w, _, b') :: r => (if Bool.eqb b b' then w else 0) + wsum b r end.

(* the margin is at least X times the weight on max positions plus Y times the rest *)
Lemma worst_case_combination : forall (X Y : Z) (l : list (Z * Z * bool)),
  Forall (fun '((w, d, b) : Z * Z * bool) => 0 <= w /\ (if b then X <= d else Y <= d)) l ->
  X * wsum true l + Y * wsum false l <= wdot l.
Proof.
Admitted.
