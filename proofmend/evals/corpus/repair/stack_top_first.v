(** Stacks.  A stack is now a list with the top first; it used to be a list
    with the top last ([push x s = s ++ [x]], [top s = hd_error (rev s)],
    [pop = removelast]). *)

From Coq Require Import List.
Import ListNotations.

Definition stack := list nat.

Definition push (x : nat) (s : stack) : stack := x :: s.
Definition top (s : stack) : option nat := hd_error s.
Definition pop (s : stack) : stack := tl s.

Lemma pop_push_top : forall x s, pop (push x s) = s /\ top (push x s) = Some x.
Proof.
  intros x s. unfold pop, top, push. split.
  - apply removelast_last.
  - rewrite rev_app_distr. reflexivity.
Qed.

Lemma push_length : forall x s, length (push x s) = S (length s).
Proof. reflexivity. Qed.
