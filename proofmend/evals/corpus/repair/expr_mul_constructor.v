(** Arithmetic expressions and a simplifier that drops additions of zero.
    [Mul] is new in this version; before it, expressions were constants and
    sums only. *)

From Coq Require Import Arith Lia.

Inductive expr :=
| Const (n : nat)
| Plus (a b : expr)
| Mul (a b : expr).

Fixpoint eval (e : expr) : nat :=
  match e with
  | Const n => n
  | Plus a b => eval a + eval b
  | Mul a b => eval a * eval b
  end.

Fixpoint simp (e : expr) : expr :=
  match e with
  | Const n => Const n
  | Plus a b =>
      match simp a with
      | Const 0 => simp b
      | a' => Plus a' (simp b)
      end
  | Mul a b => Mul (simp a) (simp b)
  end.

Fixpoint size (e : expr) : nat :=
  match e with
  | Const _ => 1
  | Plus a b | Mul a b => 1 + size a + size b
  end.

Lemma size_pos : forall e, 0 < size e.
Proof. destruct e; simpl; lia. Qed.

Lemma simp_sound : forall e, eval (simp e) = eval e.
Proof.
  induction e as [n | a IHa b IHb]; simpl.
  - reflexivity.
  - destruct (simp a) as [[| k] | x y] eqn:E; simpl in *;
      rewrite <- IHa, <- IHb; reflexivity.
Qed.
