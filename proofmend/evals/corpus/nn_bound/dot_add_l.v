From Coq Require Import ZArith List Lia Bool.
Import ListNotations.
Open Scope Z_scope.

Fixpoint dot (x y : list Z) : Z :=
  match x, y with a :: x', b :: y' => a * b + dot x' y' | _, _ => 0 end.
Fixpoint vadd (x y : list Z) : list Z :=
  match x, y with a :: x', b :: y' => (a + b) :: vadd x' y' | _, _ => [] end.
Definition matvec (M : list (list Z)) (y : list Z) : list Z := map (fun row => dot row y) M.

Lemma dot_add_l : forall x y z, length x = length y -> dot (vadd x y) z = dot x z + dot y z.
Proof.
Admitted.
