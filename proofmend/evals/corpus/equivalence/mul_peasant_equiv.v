(* Russian-peasant multiplication: halve the left factor, double the right. *)
From Coq Require Import Arith PArith Lia.

Definition mul (p : positive) (m : nat) : nat := Pos.to_nat p * m.

Fixpoint mul_peasant (p : positive) (m : nat) : nat :=
  match p with
  | xH => m
  | xO q => mul_peasant q (m + m)
  | xI q => m + mul_peasant q (m + m)
  end.

Theorem mul_peasant_equiv : forall p m, mul p m = mul_peasant p m.
Proof.
Admitted.
