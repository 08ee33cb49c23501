From Coq Require Import List Arith Lia.
Import ListNotations.

(* Coefficients, lowest degree first: [c0; c1; c2] is c0 + c1 x + c2 x^2. *)
Fixpoint poly_eval_from (cs : list nat) (x i : nat) : nat :=
  match cs with
  | [] => 0
  | c :: t => c * x ^ i + poly_eval_from t x (S i)
  end.

Definition poly_eval (cs : list nat) (x : nat) : nat := poly_eval_from cs x 0.

(* Horner's rule: no powers computed. *)
Fixpoint horner (cs : list nat) (x : nat) : nat :=
  match cs with
  | [] => 0
  | c :: t => c + x * horner t x
  end.

Theorem horner_equiv : forall cs x, poly_eval cs x = horner cs x.
Proof.
Admitted.
