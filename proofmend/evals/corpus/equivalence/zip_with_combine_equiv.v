From Coq Require Import List.
Import ListNotations.

Fixpoint zip_with {A B C : Type} (f : A -> B -> C) (l1 : list A) (l2 : list B) : list C :=
  match l1, l2 with
  | x :: t1, y :: t2 => f x y :: zip_with f t1 t2
  | _, _ => []
  end.

(* Refactored onto the standard library: pair up, then map. *)
Definition zip_with_combine {A B C : Type} (f : A -> B -> C) (l1 : list A) (l2 : list B) : list C :=
  map (fun p => f (fst p) (snd p)) (combine l1 l2).

Theorem zip_with_combine_equiv : forall (A B C : Type) (f : A -> B -> C) l1 l2,
  zip_with f l1 l2 = zip_with_combine f l1 l2.
Proof.
Admitted.
