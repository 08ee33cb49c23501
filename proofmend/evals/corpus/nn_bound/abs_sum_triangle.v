From Coq Require Import ZArith List Lia Bool.
Import ListNotations.
Open Scope Z_scope.

Theorem abs_sum_le : forall l : list Z,
  Z.abs (fold_right Z.add 0 l) <= fold_right Z.add 0 (map Z.abs l).
Proof.
Admitted.
