From Coq Require Import Bool.

Inductive bexp : Type :=
  | BTrue : bexp
  | BFalse : bexp
  | BVar : nat -> bexp
  | BNot : bexp -> bexp
  | BAnd : bexp -> bexp -> bexp
  | BOr : bexp -> bexp -> bexp.

Fixpoint beval (env : nat -> bool) (b : bexp) : bool :=
  match b with
  | BTrue => true
  | BFalse => false
  | BVar x => env x
  | BNot a => negb (beval env a)
  | BAnd a c => beval env a && beval env c
  | BOr a c => beval env a || beval env c
  end.

(* Simplifier: constant propagation and double-negation removal. *)
Fixpoint bsimpl (b : bexp) : bexp :=
  match b with
  | BNot a =>
      match bsimpl a with
      | BTrue => BFalse
      | BFalse => BTrue
      | BNot a' => a'
      | a' => BNot a'
      end
  | BAnd a c =>
      match bsimpl a with
      | BFalse => BFalse
      | BTrue => bsimpl c
      | a' => BAnd a' (bsimpl c)
      end
  | BOr a c =>
      match bsimpl a with
      | BTrue => BTrue
      | BFalse => bsimpl c
      | a' => BOr a' (bsimpl c)
      end
  | _ => b
  end.

Theorem bsimpl_equiv : forall env b, beval env b = beval env (bsimpl b).
Proof.
Admitted.
