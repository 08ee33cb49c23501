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

(* Linear-time loop carrying two consecutive values. *)
Fixpoint fib_loop (n a b : nat) : nat :=
  match n with
  | 0 => a
  | S k => fib_loop k b (a + b)
  end.

Definition fib_iter (n : nat) : nat := fib_loop n 0 1.

Theorem fib_iter_equiv : forall n, fib n = fib_iter n.
Proof.
Admitted.
