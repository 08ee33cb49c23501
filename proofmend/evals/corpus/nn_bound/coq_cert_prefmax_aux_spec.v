(** From the machine-checked accuracy certificate of a max-of-K transformer
    (definitions and lemmas it needs copied with their proofs; standard
    library only). *)
From Coq Require Import ZArith Reals Lra Lia List.
Import ListNotations.
Open Scope R_scope.

Fixpoint prefmax_aux (acc : Z) (l : list Z) : list Z :=
  match l with [] => [] | x :: l' => let a := Z.max acc x in a :: prefmax_aux a l' end.

(* a running maximum is at least every earlier entry *)
Lemma prefmax_aux_spec acc l t' : (t' < length l)%nat ->
  (acc <= nth t' (prefmax_aux acc l) 0)%Z /\
  (forall t, (t <= t')%nat -> nth t l 0 <= nth t' (prefmax_aux acc l) 0)%Z.
Proof.
Admitted.
