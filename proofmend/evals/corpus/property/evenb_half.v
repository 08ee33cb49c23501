From Coq Require Import Arith Lia.

Fixpoint evenb (n : nat) : bool :=
  match n with
  | O => true
  | S O => false
  | S (S k) => evenb k
  end.

Theorem evenb_half : forall n, evenb n = true -> exists k, n = k + k.
Proof.
Admitted.
