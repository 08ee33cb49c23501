(** From the machine-checked accuracy certificate of a max-of-K transformer
    (definitions and lemmas it needs copied with their proofs; standard
    library only). *)
From Coq Require Import ZArith Reals Lra Lia List FinFun.
Import ListNotations.
Open Scope R_scope.

Fixpoint sumZ (n : nat) (f : nat -> Z) : Z :=
  match n with O => 0%Z | S n' => (sumZ n' f + f n')%Z end.

Lemma sumZ_plus n f g : sumZ n (fun i => f i + g i)%Z = (sumZ n f + sumZ n g)%Z.
Proof. induction n as [|n IH]; simpl; [reflexivity|]. rewrite IH. ring. Qed.

(* finite double sums over Z can be swapped *)
Lemma sumZ_swap n m f :
  sumZ n (fun i => sumZ m (fun j => f i j)) = sumZ m (fun j => sumZ n (fun i => f i j)).
Proof.
Admitted.
