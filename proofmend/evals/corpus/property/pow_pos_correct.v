(* Exponentiation by squaring, driven by the binary digits of the exponent. *)
From Coq Require Import Arith PArith Lia.

Fixpoint pow_pos (b : nat) (p : positive) : nat :=
  match p with
  | xH => b
  | xO q => let r := pow_pos b q in r * r
  | xI q => let r := pow_pos b q in b * (r * r)
  end.

Theorem pow_pos_correct : forall b p, pow_pos b p = b ^ Pos.to_nat p.
Proof.
Admitted.
