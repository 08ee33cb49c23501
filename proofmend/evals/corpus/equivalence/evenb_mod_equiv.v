From Coq Require Import Arith Lia.

Fixpoint evenb (n : nat) : bool :=
  match n with
  | O => true
  | S O => false
  | S (S k) => evenb k
  end.

Definition evenb_mod (n : nat) : bool := Nat.eqb (n mod 2) 0.

Theorem evenb_mod_equiv : forall n, evenb n = evenb_mod n.
Proof.
Admitted.
