From Coq Require Import List Arith Lia.
Import ListNotations.

Fixpoint get {A : Type} (n : nat) (l : list A) (d : A) : A :=
  match n, l with
  | _, [] => d
  | 0, x :: _ => x
  | S k, _ :: t => get k t d
  end.

Theorem nth_app_left : forall (A : Type) (l1 l2 : list A) (n : nat) (d : A),
  n < length l1 -> get n (l1 ++ l2) d = get n l1 d.
Proof.
Admitted.
