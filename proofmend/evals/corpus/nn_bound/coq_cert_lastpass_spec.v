(** From the machine-checked accuracy certificate of a max-of-K transformer
    (definitions and lemmas it needs copied with their proofs; standard
    library only). *)
From Coq Require Import ZArith Reals Lra Lia List FinFun.
Import ListNotations.
Open Scope R_scope.

Fixpoint lastpass (n : nat) (l : list Z) (acc : option nat) : option nat :=
  match l with
  | [] => acc
  | x :: l' => lastpass (S n) l' (if (0 <? x)%Z then Some n else acc)
  end.

(* the last position where a list is positive, as lastpass finds it, holds a positive entry *)
Lemma lastpass_spec n l acc t : lastpass n l acc = Some t ->
  acc = Some t \/ ((n <= t)%nat /\ (t - n < length l)%nat /\ (0 < nth (t - n) l 0)%Z).
Proof.
Admitted.
