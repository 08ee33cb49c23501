(** Small facts about lists and naturals: three lemmas still to prove, and one
    whose proof went stale when the helper [sum_app] was renamed
    [sum_list_app] (to match [sum_list]). *)

From Coq Require Import List Arith Lia.
Import ListNotations.

Fixpoint sum_list (l : list nat) : nat :=
  match l with
  | [] => 0
  | x :: xs => x + sum_list xs
  end.

Lemma sum_list_app : forall l1 l2,
  sum_list (l1 ++ l2) = sum_list l1 + sum_list l2.
Proof.
  induction l1 as [| x xs IH]; intros l2; simpl.
  - reflexivity.
  - rewrite IH. lia.
Qed.

(** To prove. *)
Lemma app_nil_end_length : forall (A : Type) (l : list A), length (l ++ []) = length l.
Admitted.

(** To prove. *)
Lemma sum_list_repeat : forall k n, sum_list (repeat k n) = n * k.
Admitted.

(** To prove. *)
Lemma map_length_id : forall (f : nat -> nat) (l : list nat),
  length (map f l) = length l.
Admitted.

(** Stale: written against the old name [sum_app]. *)
Lemma sum_rev_length : forall l,
  sum_list (rev l) = sum_list l /\ length (rev l) = length l.
Proof.
  induction l as [| x xs IH]; simpl.
  - split; reflexivity.
  - destruct IH as [Hs Hl]. split.
    + rewrite sum_app. simpl. rewrite Hs. lia.
    + rewrite app_length, rev_length. simpl. lia.
Qed.
