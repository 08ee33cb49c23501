From Coq Require Import ZArith List Lia Bool.
Import ListNotations.
Open Scope Z_scope.

(* enough attention on the max positions beats the worst non-max contribution *)
Lemma margin_positive : forall wM wN lowM highN X Y : Z,
  0 < X -> Y <= 0 -> lowM <= wM -> 0 <= wN <= highN ->
  0 < lowM * X + highN * Y -> 0 < wM * X + wN * Y.
Proof.
Admitted.
