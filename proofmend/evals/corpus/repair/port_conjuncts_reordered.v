(** Service ports (the privileged range).  [valid_port] now checks the
    cheap non-zero test first (the conjuncts were
    [(p <=? 1023) && negb (p =? 0)]). *)

From Coq Require Import Arith Bool Lia.

Definition valid_port (p : nat) : bool := negb (p =? 0) && (p <=? 1023).

Lemma valid_port_bounds : forall p, valid_port p = true -> 1 <= p <= 1023.
Proof.
  intros p H. unfold valid_port in H.
  apply andb_true_iff in H. destruct H as [Hle Hnz].
  apply Nat.leb_le in Hle.
  apply negb_true_iff, Nat.eqb_neq in Hnz.
  lia.
Qed.

Lemma valid_port_80 : valid_port 80 = true.
Proof. reflexivity. Qed.
