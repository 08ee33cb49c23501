Definition both (a b : bool) : bool := if a then b else false.

Theorem andb_true_split : forall a b, both a b = true -> a = true /\ b = true.
Proof.
Admitted.
