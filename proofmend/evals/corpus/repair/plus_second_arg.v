(** Addition for the extraction-friendly arithmetic module.  [plus'] now
    recurses on its second argument (it recursed on the first). *)

From Coq Require Import Arith Lia.

Fixpoint plus' (n m : nat) : nat :=
  match m with
  | 0 => n
  | S m' => S (plus' n m')
  end.

Lemma plus'_spec : forall n m, plus' n m = n + m.
Proof.
  intros n m. induction n as [| n IH]; simpl.
  - reflexivity.
  - rewrite IH. reflexivity.
Qed.

Lemma plus'_comm : forall n m, plus' n m = plus' m n.
Proof. intros n m. rewrite !plus'_spec. lia. Qed.
