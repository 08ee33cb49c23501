(* Ripple-carry addition on little-endian binary numerals. *)
From Coq Require Import List Arith Bool Lia.
Import ListNotations.

Fixpoint to_nat (b : list bool) : nat :=
  match b with
  | [] => 0
  | false :: t => 2 * to_nat t
  | true :: t => S (2 * to_nat t)
  end.

Fixpoint incr (b : list bool) : list bool :=
  match b with
  | [] => [true]
  | false :: t => true :: t
  | true :: t => false :: incr t
  end.

Lemma incr_correct : forall b, to_nat (incr b) = S (to_nat b).
Proof.
  induction b as [|[] t IH]; simpl; [reflexivity | rewrite IH; lia | reflexivity].
Qed.

Fixpoint add_c (c : bool) (a b : list bool) : list bool :=
  match a, b with
  | [], _ => if c then incr b else b
  | _, [] => if c then incr a else a
  | x :: a', y :: b' =>
      xorb (xorb x y) c :: add_c ((x && y) || (c && xorb x y)) a' b'
  end.

Theorem bin_add_correct : forall a b c,
  to_nat (add_c c a b) = to_nat a + to_nat b + (if c then 1 else 0).
Proof.
Admitted.
