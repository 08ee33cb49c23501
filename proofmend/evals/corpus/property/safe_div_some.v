From Coq Require Import Arith.

Definition safe_div (a b : nat) : option nat :=
  if Nat.eqb b 0 then None else Some (a / b).

Theorem safe_div_some : forall a b, b <> 0 -> safe_div a b = Some (a / b).
Proof.
Admitted.
