(** From the machine-checked accuracy certificate of a max-of-K transformer
    (definitions and lemmas it needs copied with their proofs; standard
    library only). *)
From Coq Require Import ZArith Reals Lra Lia List.
Import ListNotations.
Open Scope R_scope.

Lemma exp_mono x y : x <= y -> exp x <= exp y.
Proof. intros [H|H]; [left; apply exp_increasing; exact H|subst; lra]. Qed.

(* the fallback bound for large arguments: exp x <= 3^k when x <= k *)
Lemma exp_le_pow3 (k : Z) x : (0 <= k)%Z -> x <= IZR k -> exp x <= IZR (3 ^ k).
Proof.
Admitted.
