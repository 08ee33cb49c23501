(* Euclid's algorithm with an explicit fuel bound. *)
From Coq Require Import Arith Lia.

Fixpoint gcd_fuel (fuel a b : nat) : nat :=
  match fuel with
  | 0 => a
  | S f =>
      match b with
      | 0 => a
      | _ => gcd_fuel f b (a mod b)
      end
  end.

Theorem gcd_fuel_greatest : forall fuel a b d,
  Nat.divide d a -> Nat.divide d b -> Nat.divide d (gcd_fuel fuel a b).
Proof.
Admitted.
