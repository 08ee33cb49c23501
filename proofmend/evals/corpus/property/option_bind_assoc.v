Definition bind {A B : Type} (o : option A) (f : A -> option B) : option B :=
  match o with
  | Some a => f a
  | None => None
  end.

Theorem option_bind_assoc : forall (A B C : Type) (o : option A)
  (f : A -> option B) (g : B -> option C),
  bind (bind o f) g = bind o (fun a => bind (f a) g).
Proof.
Admitted.
