(** From the machine-checked accuracy certificate of a max-of-K transformer
    (definitions and lemmas it needs copied with their proofs; standard
    library only). *)
From Coq Require Import ZArith Reals Lra Lia List.
Import ListNotations.
Open Scope R_scope.

(** * Finding a workable t' *)
Fixpoint bsearch (ok : nat -> bool) (fuel lo hi : nat) (best : option nat) : option nat :=
  match fuel with
  | O => best
  | S f => if (hi <=? lo)%nat then best else
      let mid := Nat.div2 (lo + hi) in
      if ok mid then bsearch ok f (S mid) hi (Some mid) else bsearch ok f lo mid best
  end.

Lemma div2_lt lo hi : (lo < hi)%nat -> (Nat.div2 (lo + hi) < hi)%nat.
Proof. intros H. rewrite Nat.div2_div. apply Nat.div_lt_upper_bound; lia. Qed.

(* whatever the binary search returns passed the test and lies below the bound *)
Lemma bsearch_spec ok fuel lo hi best B t :
  (forall t, best = Some t -> (t < B)%nat /\ ok t = true) -> (hi <= B)%nat ->
  bsearch ok fuel lo hi best = Some t -> (t < B)%nat /\ ok t = true.
Proof.
Admitted.
