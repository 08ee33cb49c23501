Fixpoint ltb_old (n m : nat) : bool :=
  match n, m with
  | _, 0 => false
  | 0, S _ => true
  | S n', S m' => ltb_old n' m'
  end.

(* Refactored: inspect the second argument first. *)
Fixpoint ltb_new (n m : nat) : bool :=
  match m with
  | 0 => false
  | S m' =>
      match n with
      | 0 => true
      | S n' => ltb_new n' m'
      end
  end.

Theorem ltb_reordered_equiv : forall n m, ltb_old n m = ltb_new n m.
Proof.
Admitted.
