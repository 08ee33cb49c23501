From Coq Require Import Arith Lia.

Definition abs_diff (a b : nat) : nat := if a <? b then b - a else a - b.

(* Branch-free: one of the two truncated differences is zero. *)
Definition abs_diff_nobranch (a b : nat) : nat := (a - b) + (b - a).

Theorem abs_diff_equiv : forall a b, abs_diff a b = abs_diff_nobranch a b.
Proof.
Admitted.
