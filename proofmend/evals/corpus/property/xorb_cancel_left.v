From Coq Require Import Bool.

Theorem xorb_cancel_left : forall a b : bool, xorb a (xorb a b) = b.
Proof.
Admitted.
