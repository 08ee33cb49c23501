Fixpoint evenb (n : nat) : bool :=
  match n with
  | O => true
  | S O => false
  | S (S k) => evenb k
  end.

Fixpoint evenb_mutual (n : nat) : bool :=
  match n with
  | O => true
  | S k => oddb_mutual k
  end
with oddb_mutual (n : nat) : bool :=
  match n with
  | O => false
  | S k => evenb_mutual k
  end.

Theorem evenb_mutual_equiv : forall n, evenb n = evenb_mutual n.
Proof.
Admitted.
