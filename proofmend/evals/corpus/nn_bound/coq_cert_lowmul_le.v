(** From the machine-checked accuracy certificate of a max-of-K transformer
    (definitions and lemmas it needs copied with their proofs; standard
    library only). *)
From Coq Require Import ZArith Reals Lra Lia List.
Import ListNotations.
Open Scope R_scope.

Definition prec : nat := 48.

Lemma pow2_posR e : 0 < 2 ^ e.
Proof. apply pow_lt. lra. Qed.

Definition fx (a : Z) : R := IZR a / 2 ^ prec.

(** * Dyadic weights: [inj e z] is the real number [z * 2^-e] *)
Definition inj (e : nat) (z : Z) : R := IZR z / 2 ^ e.

Lemma neg_pos_mul a b : a < 0 -> 0 < b -> a * b < 0.
Proof. intros. nra. Qed.

(** [lowmul lo hi x] is at most [e * x] for any [e] in [[lo, hi]] (fixed point). *)
Definition lowmul (lo hi x : Z) : Z := if (0 <=? x)%Z then (lo * x)%Z else (hi * x)%Z.

(* lowmul lo hi x is at most e * x for every e between the fixed-point bounds lo and hi *)
Lemma lowmul_le lo hi x e k : fx lo <= e <= fx hi -> inj (prec + k) (lowmul lo hi x) <= e * inj k x.
Proof.
Admitted.
