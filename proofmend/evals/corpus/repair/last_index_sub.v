(** Cursor positions.  [last_index] used [pred (length l)]; it is now
    written [length l - 1]. *)

From Coq Require Import List Arith Lia.
Import ListNotations.

Definition last_index (l : list nat) : nat := length l - 1.

Lemma last_index_lt : forall l, l <> [] -> last_index l < length l.
Proof.
  intros l H. unfold last_index. destruct l as [| x l'].
  - contradiction.
  - simpl. apply Nat.lt_succ_diag_r.
Qed.

Lemma last_index_cons : forall x l, l <> [] -> last_index (x :: l) = S (last_index l).
Proof.
  intros x l H. unfold last_index. destruct l as [| y l'].
  - contradiction.
  - simpl. lia.
Qed.
