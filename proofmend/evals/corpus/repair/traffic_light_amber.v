(** Traffic-light controller.  The [Yellow] phase was renamed [Amber] to match
    the wording of the regulations. *)

Inductive light := Red | Amber | Green.

Definition next (l : light) : light :=
  match l with
  | Green => Amber
  | Amber => Red
  | Red => Green
  end.

Definition may_enter (l : light) : bool :=
  match l with
  | Green => true
  | _ => false
  end.

Lemma next_cycle : forall l, next (next (next l)) = l.
Proof. destruct l; reflexivity. Qed.

Lemma red_has_predecessor : exists l, next l = Red /\ may_enter l = false.
Proof.
  exists Yellow. split.
  - reflexivity.
  - reflexivity.
Qed.
