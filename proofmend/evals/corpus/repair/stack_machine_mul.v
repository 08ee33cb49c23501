(** A compiler from arithmetic expressions to a stack machine.
    Multiplication is new: [AMul] in the source language and [IMul] in the
    machine. *)

From Coq Require Import List Arith Lia.
Import ListNotations.

Inductive aexp :=
| ANum (n : nat)
| APlus (a b : aexp)
| AMul (a b : aexp).

Fixpoint aeval (a : aexp) : nat :=
  match a with
  | ANum n => n
  | APlus a b => aeval a + aeval b
  | AMul a b => aeval a * aeval b
  end.

Inductive instr := IPush (n : nat) | IAdd | IMul.

Fixpoint exec (p : list instr) (s : list nat) : list nat :=
  match p with
  | [] => s
  | IPush n :: p' => exec p' (n :: s)
  | IAdd :: p' =>
      match s with
      | x :: y :: s' => exec p' (y + x :: s')
      | _ => exec p' s
      end
  | IMul :: p' =>
      match s with
      | x :: y :: s' => exec p' (y * x :: s')
      | _ => exec p' s
      end
  end.

Fixpoint compile (a : aexp) : list instr :=
  match a with
  | ANum n => [IPush n]
  | APlus a b => compile a ++ compile b ++ [IAdd]
  | AMul a b => compile a ++ compile b ++ [IMul]
  end.

Lemma compile_correct : forall a p s,
  exec (compile a ++ p) s = exec p (aeval a :: s).
Proof.
  induction a as [n | a1 IH1 a2 IH2]; intros p s; simpl.
  - reflexivity.
  - rewrite <- !app_assoc, IH1, IH2. simpl. reflexivity.
Qed.

Theorem compile_run : forall a, exec (compile a) [] = [aeval a].
Proof.
  intros a. rewrite <- (app_nil_r (compile a)). apply compile_correct.
Qed.
