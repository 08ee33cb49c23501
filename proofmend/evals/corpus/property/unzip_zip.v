From Coq Require Import List.
Import ListNotations.

Fixpoint unzip {A B : Type} (l : list (A * B)) : list A * list B :=
  match l with
  | [] => ([], [])
  | (a, b) :: t => let (xs, ys) := unzip t in (a :: xs, b :: ys)
  end.

Fixpoint zip {A B : Type} (l1 : list A) (l2 : list B) : list (A * B) :=
  match l1, l2 with
  | x :: t1, y :: t2 => (x, y) :: zip t1 t2
  | _, _ => []
  end.

Theorem unzip_zip : forall (A B : Type) (l : list (A * B)),
  zip (fst (unzip l)) (snd (unzip l)) = l.
Proof.
Admitted.
