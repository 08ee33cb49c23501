From Coq Require Import Arith Lia.

Fixpoint power (b e : nat) : nat :=
  match e with
  | 0 => 1
  | S k => b * power b k
  end.

Fixpoint power_acc (b e acc : nat) : nat :=
  match e with
  | 0 => acc
  | S k => power_acc b k (b * acc)
  end.

Theorem pow_acc_equiv : forall b e, power b e = power_acc b e 1.
Proof.
Admitted.
