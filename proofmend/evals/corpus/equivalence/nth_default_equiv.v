From Coq Require Import List.
Import ListNotations.

Fixpoint nth_rec {A : Type} (n : nat) (l : list A) (d : A) : A :=
  match l with
  | [] => d
  | x :: t =>
      match n with
      | 0 => x
      | S k => nth_rec k t d
      end
  end.

(* Refactored on top of the option-returning lookup. *)
Definition nth_default_opt {A : Type} (n : nat) (l : list A) (d : A) : A :=
  match nth_error l n with
  | Some x => x
  | None => d
  end.

Theorem nth_default_equiv : forall (A : Type) (n : nat) (l : list A) (d : A),
  nth_rec n l d = nth_default_opt n l d.
Proof.
Admitted.
