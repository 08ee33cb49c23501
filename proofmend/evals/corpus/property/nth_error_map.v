From Coq Require Import List.
Import ListNotations.

Theorem nth_error_map : forall (A B : Type) (f : A -> B) (l : list A) (n : nat),
  nth_error (map f l) n = option_map f (nth_error l n).
Proof.
Admitted.
