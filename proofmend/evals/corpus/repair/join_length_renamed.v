(** Word lists.  [join_len] was renamed [length_join] to follow the
    [length_*] naming convention of the standard library. *)

From Coq Require Import List Arith Lia.
Import ListNotations.

Definition word := list nat.

Definition join (ws : list word) : word := concat ws.

Definition total_letters (ws : list word) : nat :=
  fold_right (fun w n => length w + n) 0 ws.

Lemma length_join : forall ws, length (join ws) = total_letters ws.
Proof.
  unfold join. induction ws as [| w ws IH]; simpl.
  - reflexivity.
  - rewrite app_length, IH. reflexivity.
Qed.

Lemma join_app_length : forall ws1 ws2,
  length (join (ws1 ++ ws2)) = length (join ws1) + length (join ws2).
Proof.
  intros ws1 ws2. rewrite !join_len.
  induction ws1 as [| w ws1 IH]; simpl.
  - reflexivity.
  - rewrite IH. lia.
Qed.
