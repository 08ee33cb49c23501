From Coq Require Import Arith Lia.

(* sum of the first n odd numbers: 1 + 3 + ... + (2n - 1) *)
Fixpoint sum_odds (n : nat) : nat :=
  match n with
  | 0 => 0
  | S k => (2 * k + 1) + sum_odds k
  end.

Theorem sum_odds_square : forall n, sum_odds n = n * n.
Proof.
Admitted.
