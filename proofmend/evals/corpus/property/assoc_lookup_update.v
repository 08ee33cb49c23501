From Coq Require Import List Arith.
Import ListNotations.

Definition store := list (nat * nat).

Fixpoint lookup (k : nat) (s : store) : option nat :=
  match s with
  | [] => None
  | (k', v) :: t => if Nat.eqb k k' then Some v else lookup k t
  end.

Fixpoint update (k v : nat) (s : store) : store :=
  match s with
  | [] => [(k, v)]
  | (k', v') :: t => if Nat.eqb k k' then (k, v) :: t else (k', v') :: update k v t
  end.

Theorem assoc_lookup_update : forall s k k' v,
  lookup k' (update k v s) = if Nat.eqb k' k then Some v else lookup k' s.
Proof.
Admitted.
