From Coq Require Import List.
Import ListNotations.

Fixpoint last_elem {A : Type} (l : list A) (d : A) : A :=
  match l with
  | [] => d
  | [x] => x
  | _ :: t => last_elem t d
  end.

(* Refactored: the last element is the head of the reversed list. *)
Definition last_elem_rev {A : Type} (l : list A) (d : A) : A := hd d (rev l).

Theorem last_rev_equiv : forall (A : Type) (l : list A) (d : A),
  last_elem l d = last_elem_rev l d.
Proof.
Admitted.
