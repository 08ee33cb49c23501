From Coq Require Import Arith Lia.

Fixpoint fib (n : nat) : nat :=
  match n with
  | 0 => 0
  | S k =>
      match k with
      | 0 => 1
      | S j => fib k + fib j
      end
  end.

Theorem fib_monotone : forall n, fib n <= fib (S n).
Proof.
Admitted.
