From Coq Require Import List.
Import ListNotations.

Theorem nodup_app_left : forall (A : Type) (l1 l2 : list A),
  NoDup (l1 ++ l2) -> NoDup l1.
Proof.
Admitted.
