(* A peephole pass over stack-machine code. *)
From Coq Require Import List Arith Lia.
Import ListNotations.

Inductive instr : Type :=
  | IPush : nat -> instr
  | IAdd : instr
  | IMul : instr
  | IPop : instr.

Fixpoint exec (p : list instr) (s : list nat) : option (list nat) :=
  match p with
  | [] => Some s
  | IPush n :: p' => exec p' (n :: s)
  | IAdd :: p' => match s with y :: x :: s' => exec p' (x + y :: s') | _ => None end
  | IMul :: p' => match s with y :: x :: s' => exec p' (x * y :: s') | _ => None end
  | IPop :: p' => match s with _ :: s' => exec p' s' | _ => None end
  end.

Fixpoint peephole (p : list instr) : list instr :=
  match p with
  | IPush a :: IPush b :: IAdd :: rest => IPush (a + b) :: peephole rest
  | IPush a :: IPush b :: IMul :: rest => IPush (a * b) :: peephole rest
  | IPush _ :: IPop :: rest => peephole rest
  | i :: rest => i :: peephole rest
  | [] => []
  end.

Theorem peephole_equiv : forall p s, exec p s = exec (peephole p) s.
Proof.
Admitted.
