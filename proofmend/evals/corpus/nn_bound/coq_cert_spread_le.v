(** From the machine-checked accuracy certificate of a max-of-K transformer
    (definitions and lemmas it needs copied with their proofs; standard
    library only). *)
From Coq Require Import ZArith Reals Lra Lia List.
Import ListNotations.
Open Scope R_scope.

Fixpoint sumZ (n : nat) (f : nat -> Z) : Z :=
  match n with O => 0%Z | S n' => (sumZ n' f + f n')%Z end.

Lemma sumZ_le n f g : (forall i, (i < n)%nat -> f i <= g i)%Z -> (sumZ n f <= sumZ n g)%Z.
Proof.
  induction n as [|n IH]; intros H; simpl; [lia|].
  pose proof (H n ltac:(lia)). pose proof (IH ltac:(intros; apply H; lia)). lia.
Qed.

Lemma sumZ_minus n f g : (sumZ n f - sumZ n g = sumZ n (fun i => f i - g i))%Z.
Proof. induction n as [|n IH]; simpl; [ring|]. rewrite <- IH. ring. Qed.

(* the spread of a . b_t over t is at most sum_j |a_j| times the range of b_j *)
Lemma spread_le n (a : nat -> Z) (b1 b2 lo hi : nat -> Z) :
  (forall j, (j < n)%nat -> lo j <= b1 j <= hi j /\ lo j <= b2 j <= hi j)%Z ->
  (sumZ n (fun j => a j * b1 j) - sumZ n (fun j => a j * b2 j) <= sumZ n (fun j => Z.abs (a j) * (hi j - lo j)))%Z.
Proof.
Admitted.
