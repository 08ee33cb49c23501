(* Constant folding with neutral-element simplification. *)
From Coq Require Import Arith Lia.

Inductive expr : Type :=
  | Num : nat -> expr
  | Var : nat -> expr
  | Add : expr -> expr -> expr
  | Mul : expr -> expr -> expr.

Fixpoint eval (env : nat -> nat) (e : expr) : nat :=
  match e with
  | Num n => n
  | Var x => env x
  | Add a b => eval env a + eval env b
  | Mul a b => eval env a * eval env b
  end.

Fixpoint cfold (e : expr) : expr :=
  match e with
  | Num n => Num n
  | Var x => Var x
  | Add a b =>
      match cfold a, cfold b with
      | Num n, Num m => Num (n + m)
      | Num 0, b' => b'
      | a', Num 0 => a'
      | a', b' => Add a' b'
      end
  | Mul a b =>
      match cfold a, cfold b with
      | Num n, Num m => Num (n * m)
      | Num 1, b' => b'
      | a', Num 1 => a'
      | a', b' => Mul a' b'
      end
  end.

Theorem cfold_equiv : forall env e, eval env e = eval env (cfold e).
Proof.
Admitted.
