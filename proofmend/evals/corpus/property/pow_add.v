From Coq Require Import Arith Lia.

Fixpoint power (b e : nat) : nat :=
  match e with
  | 0 => 1
  | S k => b * power b k
  end.

Theorem pow_add : forall b m n, power b (m + n) = power b m * power b n.
Proof.
Admitted.
