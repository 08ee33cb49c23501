(* Mapping over an optional value, twice. *)

Definition omap {A B : Type} (f : A -> B) (o : option A) : option B :=
  match o with
  | Some a => Some (f a)
  | None => None
  end.

Theorem option_map_compose : forall (A B C : Type) (f : B -> C) (g : A -> B) (o : option A),
  omap f (omap g o) = omap (fun x => f (g x)) o.
Proof.
Admitted.
