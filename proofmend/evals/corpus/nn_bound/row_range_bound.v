From Coq Require Import ZArith List Lia Bool.
Import ListNotations.
Open Scope Z_scope.

(* entries (a_k, B[k,i], B[k,j], lo_k, hi_k) with lo_k <= B[k,_] <= hi_k *)
Fixpoint lhs (l : list (Z * Z * Z * Z * Z)) : Z :=
  match l with [] => 0 | (a, u, v, _, _) :: r => a * u - a * v + lhs r end.
Fixpoint rhs (l : list (Z * Z * Z * Z * Z)) : Z :=
  match l with [] => 0 | (a, _, _, lo, hi) :: r => Z.abs a * (hi - lo) + rhs r end.

(* (AB)[r,i] - (AB)[r,j] <= sum_k |A[r,k]| * (max_i B[k,i] - min_j B[k,j]) *)
Theorem err_bound : forall l : list (Z * Z * Z * Z * Z),
  Forall (fun '((a, u, v, lo, hi) : Z * Z * Z * Z * Z) => lo <= u <= hi /\ lo <= v <= hi) l ->
  lhs l <= rhs l.
Proof.
Admitted.
