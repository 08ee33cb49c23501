From Coq Require Import QArith Qabs.
Open Scope Q_scope.

(* error of a product of approximations, over the rationals *)
Theorem product_error : forall x y x' y' : Q,
  Qabs (x * y - x' * y') <= Qabs x * Qabs (y - y') + Qabs y' * Qabs (x - x').
Proof.
Admitted.
