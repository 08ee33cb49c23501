(** Sums of squares for a variance estimate.  [sum_sq] used to be a
    [Fixpoint] ([x * x + sum_sq l']); it is now a tail-recursive
    [fold_left].  No lemma about the accumulator was added. *)

From Coq Require Import List Arith Lia.
Import ListNotations.

Definition sum_sq (l : list nat) : nat :=
  fold_left (fun acc x => acc + x * x) l 0.

Lemma sum_sq_nil : sum_sq [] = 0.
Proof. reflexivity. Qed.

Lemma sum_sq_app : forall l1 l2, sum_sq (l1 ++ l2) = sum_sq l1 + sum_sq l2.
Proof.
  induction l1 as [| x l1 IH]; intros l2; simpl.
  - reflexivity.
  - rewrite IH. lia.
Qed.

Lemma sum_sq_single_app : forall l x, sum_sq (l ++ [x]) = sum_sq l + x * x.
Proof. intros l x. rewrite sum_sq_app. reflexivity. Qed.
