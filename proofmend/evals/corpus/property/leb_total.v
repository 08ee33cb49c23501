Fixpoint leb (n m : nat) : bool :=
  match n, m with
  | O, _ => true
  | S _, O => false
  | S n', S m' => leb n' m'
  end.

Theorem leb_total : forall n m, leb n m = true \/ leb m n = true.
Proof.
Admitted.
