(** From the machine-checked accuracy certificate of a max-of-K transformer
    (definitions and lemmas it needs copied with their proofs; standard
    library only). *)
From Coq Require Import ZArith Reals Lra Lia List FinFun.
Import ListNotations.
Open Scope R_scope.

Fixpoint all_seqs (k v : nat) : list (list nat) :=
  match k with
  | O => [[]]
  | S k' => flat_map (fun t => map (cons t) (all_seqs k' v)) (seq 0 v)
  end.

Lemma NoDup_app' {X} (l1 l2 : list X) :
  NoDup l1 -> NoDup l2 -> (forall x, In x l1 -> ~ In x l2) -> NoDup (l1 ++ l2).
Proof.
  induction l1 as [|a l1 IH]; intros H1 H2 H; simpl; [exact H2|].
  inversion H1 as [|b l Hb Hl]; subst. constructor.
  - rewrite in_app_iff. intros [H'|H']; [contradiction|]. exact (H a (or_introl eq_refl) H').
  - apply IH; auto. intros x Hx. apply H. right. exact Hx.
Qed.

(* the enumeration of all inputs lists each input once *)
Lemma NoDup_all_seqs k v : NoDup (all_seqs k v).
Proof.
Admitted.
