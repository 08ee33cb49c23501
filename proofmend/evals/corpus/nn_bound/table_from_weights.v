From Coq Require Import ZArith List Lia Bool.
Import ListNotations.
Open Scope Z_scope.

Fixpoint dot (x y : list Z) : Z :=
  match x, y with a :: x', b :: y' => a * b + dot x' y' | _, _ => 0 end.
Fixpoint vadd (x y : list Z) : list Z :=
  match x, y with a :: x', b :: y' => (a + b) :: vadd x' y' | _, _ => [] end.
Definition matvec (M : list (list Z)) (y : list Z) : list Z := map (fun row => dot row y) M.

(* query-side and key-side embeddings of a trained model times W_Q / W_K, scaled by 8
   and rounded; the attention table QK_table is precomputed from them *)
Definition vocab : nat := 6.
Definition QE : list (list Z) :=
  [[15; 14; 4; -24; 7; 18; 14; 11];
   [25; 18; 13; -21; 24; 34; 24; 22];
   [20; 17; 7; -11; 26; 24; 17; 19];
   [23; 15; 14; -16; 19; 25; 18; 20];
   [14; 10; 10; 3; 27; 18; 14; 16];
   [13; 5; 11; 7; 14; 5; 4; 10]].
Definition KE : list (list Z) :=
  [[-13; -16; -8; 10; -13; -17; -15; -15];
   [-11; -11; -6; 5; -8; -7; -12; -8];
   [-11; -7; -5; 4; -7; 2; -9; -7];
   [2; -4; 1; 4; 2; -7; -1; 2];
   [3; 5; 3; -3; 6; 10; 4; 4];
   [18; 15; 7; -4; 14; 7; 17; 14]].
Definition Id : list (list Z) :=
  [[1; 0; 0; 0; 0; 0; 0; 0];
   [0; 1; 0; 0; 0; 0; 0; 0];
   [0; 0; 1; 0; 0; 0; 0; 0];
   [0; 0; 0; 1; 0; 0; 0; 0];
   [0; 0; 0; 0; 1; 0; 0; 0];
   [0; 0; 0; 0; 0; 1; 0; 0];
   [0; 0; 0; 0; 0; 0; 1; 0];
   [0; 0; 0; 0; 0; 0; 0; 1]].
Definition QK_table : list (list Z) :=
  [[-1463; -901; -595; -222; 521; 1220];
   [-2507; -1550; -1020; -263; 935; 2185];
   [-1984; -1236; -838; -160; 739; 1795];
   [-2053; -1285; -877; -179; 750; 1828];
   [-1499; -947; -653; -44; 575; 1426];
   [-744; -504; -399; 54; 266; 797]].
Definition at2 (m : list (list Z)) (i j : nat) : Z := nth j (nth i m []) 0.

Theorem qk_table_correct : forall q t : nat, (q < vocab)%nat -> (t < vocab)%nat ->
  at2 QK_table q t = dot (nth q QE []) (matvec Id (nth t KE [])).
Proof.
Admitted.
