(* Arithmetic expressions compiled to a small stack machine. *)
From Coq Require Import List Arith.
Import ListNotations.

Inductive expr : Type :=
  | Const : nat -> expr
  | Plus : expr -> expr -> expr
  | Minus : expr -> expr -> expr
  | Mult : expr -> expr -> expr.

Fixpoint eval (e : expr) : nat :=
  match e with
  | Const n => n
  | Plus a b => eval a + eval b
  | Minus a b => eval a - eval b
  | Mult a b => eval a * eval b
  end.

Inductive instr : Type :=
  | IPush : nat -> instr
  | IAdd : instr
  | ISub : instr
  | IMul : instr.

Fixpoint exec (p : list instr) (s : list nat) : option (list nat) :=
  match p with
  | [] => Some s
  | IPush n :: p' => exec p' (n :: s)
  | IAdd :: p' => match s with y :: x :: s' => exec p' (x + y :: s') | _ => None end
  | ISub :: p' => match s with y :: x :: s' => exec p' (x - y :: s') | _ => None end
  | IMul :: p' => match s with y :: x :: s' => exec p' (x * y :: s') | _ => None end
  end.

Fixpoint compile (e : expr) : list instr :=
  match e with
  | Const n => [IPush n]
  | Plus a b => compile a ++ compile b ++ [IAdd]
  | Minus a b => compile a ++ compile b ++ [ISub]
  | Mult a b => compile a ++ compile b ++ [IMul]
  end.

Theorem compile_correct : forall e, exec (compile e) [] = Some [eval e].
Proof.
Admitted.
