From Coq Require Import List Arith.
Import ListNotations.

(* Old: square everything, then keep the even results. *)
Definition even_squares (l : list nat) : list nat :=
  filter Nat.even (map (fun x => x * x) l).

(* New: filter on the input first, squaring only what survives. *)
Definition even_squares_fused (l : list nat) : list nat :=
  map (fun x => x * x) (filter (fun x => Nat.even (x * x)) l).

Theorem filter_map_fusion_equiv : forall l, even_squares l = even_squares_fused l.
Proof.
Admitted.
