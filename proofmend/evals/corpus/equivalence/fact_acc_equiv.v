From Coq Require Import Arith Lia.

Fixpoint fact (n : nat) : nat :=
  match n with
  | 0 => 1
  | S k => S k * fact k
  end.

Fixpoint fact_acc (n acc : nat) : nat :=
  match n with
  | 0 => acc
  | S k => fact_acc k (S k * acc)
  end.

Theorem fact_acc_equiv : forall n, fact n = fact_acc n 1.
Proof.
Admitted.
