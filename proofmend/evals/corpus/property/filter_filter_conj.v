From Coq Require Import List Bool.
Import ListNotations.

Theorem filter_filter_conj : forall (A : Type) (p q : A -> bool) (l : list A),
  filter p (filter q l) = filter (fun x => q x && p x) l.
Proof.
Admitted.
