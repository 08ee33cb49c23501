From Coq Require Import List.
Import ListNotations.

Theorem nodup_filter : forall (A : Type) (p : A -> bool) (l : list A),
  NoDup l -> NoDup (filter p l).
Proof.
Admitted.
