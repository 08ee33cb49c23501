From Coq Require Import List.
Import ListNotations.

Fixpoint map_list {A B : Type} (f : A -> B) (l : list A) : list B :=
  match l with
  | [] => []
  | x :: t => f x :: map_list f t
  end.

Definition scale_then_shift (l : list nat) : list nat :=
  map_list (fun x => x + 1) (map_list (fun x => 2 * x) l).

(* One traversal instead of two. *)
Definition scale_then_shift_fused (l : list nat) : list nat :=
  map_list (fun x => 2 * x + 1) l.

Theorem map_map_fused_equiv : forall l, scale_then_shift l = scale_then_shift_fused l.
Proof.
Admitted.
