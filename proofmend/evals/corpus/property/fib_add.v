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

Lemma fib_SS : forall n, fib (S (S n)) = fib (S n) + fib n.
Proof. reflexivity. Qed.

Theorem fib_add : forall m n, fib (m + S n) = fib m * fib n + fib (S m) * fib (S n).
Proof.
Admitted.
