(** Meeting-room booking.  The helper [add_le_mono'] now takes the hypothesis
    on the second summand first (it was [a <= n -> b <= m -> a + b <= n + m]),
    matching the order in which the booking code checks them. *)

From Coq Require Import Arith Lia.

Lemma add_le_mono' : forall a b n m, b <= m -> a <= n -> a + b <= n + m.
Proof. intros a b n m Hb Ha. lia. Qed.

Definition slot_length := 100.

Definition fits (talk qa : nat) : Prop := talk + qa <= slot_length.

Lemma talk_and_questions_fit : forall talk qa,
  talk <= 60 -> qa <= 40 -> fits talk qa.
Proof.
  intros talk qa Htalk Hqa. unfold fits, slot_length.
  change 100 with (60 + 40).
  exact (add_le_mono' talk qa 60 40 Htalk Hqa).
Qed.
