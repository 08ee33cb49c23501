From Coq Require Import List Arith.
Import ListNotations.

Fixpoint count (x : nat) (l : list nat) : nat :=
  match l with
  | [] => 0
  | y :: t => if Nat.eqb x y then S (count x t) else count x t
  end.

Definition count_filter (x : nat) (l : list nat) : nat :=
  length (filter (Nat.eqb x) l).

Theorem count_filter_equiv : forall x l, count x l = count_filter x l.
Proof.
Admitted.
