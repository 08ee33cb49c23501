(** From the machine-checked accuracy certificate of a max-of-K transformer
    (definitions and lemmas it needs copied with their proofs; standard
    library only). *)
From Coq Require Import ZArith Reals Lra Lia List.
Import ListNotations.
Open Scope R_scope.

Section Model.

(** The prediction: the first index of a largest logit (as [torch.argmax]). *)
Fixpoint argmax_upto (f : nat -> R) (n : nat) : nat :=
  match n with
  | O => O
  | S n' => let b := argmax_upto f n' in
            if Rlt_dec (f b) (f n') then n' else b
  end.

Local Open Scope R_scope.

(** * The prediction is the maximum when its logit beats every other *)
Lemma argmax_upto_lt f n : (0 < n)%nat -> (argmax_upto f n < n)%nat.
Proof.
  induction n as [|n IH]; intros H; [lia|]. simpl.
  destruct n as [|n]; [simpl; destruct (Rlt_dec (f 0%nat) (f 0%nat)); lia|].
  specialize (IH ltac:(lia)). destruct (Rlt_dec _ _); lia.
Qed.

(* an output whose logit beats every other one is the argmax *)
Lemma argmax_upto_unique f n m :
  (m < n)%nat -> (forall o, (o < n)%nat -> o <> m -> f o < f m) -> argmax_upto f n = m.
Proof.
Admitted.

End Model.
