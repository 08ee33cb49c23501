From Coq Require Import List.
Import ListNotations.

Fixpoint map_rev_acc {A B : Type} (f : A -> B) (l : list A) (acc : list B) : list B :=
  match l with
  | [] => acc
  | x :: t => map_rev_acc f t (f x :: acc)
  end.

(* Stack-safe map: build the result reversed, then reverse it. *)
Definition map_tailrec {A B : Type} (f : A -> B) (l : list A) : list B :=
  rev (map_rev_acc f l []).

Theorem map_tailrec_equiv : forall (A B : Type) (f : A -> B) (l : list A),
  map f l = map_tailrec f l.
Proof.
Admitted.
