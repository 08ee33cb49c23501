(** From the machine-checked accuracy certificate of a max-of-K transformer
    (definitions and lemmas it needs copied with their proofs; standard
    library only). *)
From Coq Require Import ZArith Reals Lra Lia List FinFun.
Import ListNotations.
Open Scope R_scope.

(** * Dyadic weights: [inj e z] is the real number [z * 2^-e] *)
Definition inj (e : nat) (z : Z) : R := IZR z / 2 ^ e.

Lemma pow2_pos e : 0 < 2 ^ e.
Proof. apply pow_lt. lra. Qed.

Lemma inj_mul a b x y : inj a x * inj b y = inj (a + b) (x * y).
Proof.
  unfold inj. rewrite mult_IZR, pow_add.
  pose proof (pow2_pos a). pose proof (pow2_pos b). field. lra.
Qed.

Fixpoint all_seqs (k v : nat) : list (list nat) :=
  match k with
  | O => [[]]
  | S k' => flat_map (fun t => map (cons t) (all_seqs k' v)) (seq 0 v)
  end.

Definition prodZ (l : list Z) : Z := fold_right Z.mul 1%Z l.

(** Does the sequence lie in the box (one predicate per position)? *)
Fixpoint fits (A : list (nat -> bool)) (s : list nat) : bool :=
  match A, s with
  | a :: A', t :: s' => a t && fits A' s'
  | [], [] => true
  | _, _ => false
  end.

Definition box_size (v : nat) (A : list (nat -> bool)) : Z :=
  prodZ (map (fun a => Z.of_nat (length (filter a (seq 0 v)))) A).

Lemma count_cons_map (a : nat -> bool) A t X :
  length (filter (fits (a :: A)) (map (cons t) X)) = if a t then length (filter (fits A) X) else O.
Proof.
  induction X as [|x X IH]; [destruct (a t); reflexivity|]. cbn [map filter].
  change (fits (a :: A) (t :: x)) with (andb (a t) (fits A x)).
  destruct (a t), (fits A x); cbn [andb length]; rewrite IH; reflexivity.
Qed.

Lemma count_flat A a X L :
  length (filter (fits (a :: A)) (flat_map (fun t => map (cons t) X) L)) =
  (length (filter a L) * length (filter (fits A) X))%nat.
Proof.
  induction L as [|t L IH]; [reflexivity|]. cbn [flat_map].
  rewrite filter_app, app_length, count_cons_map, IH. cbn [filter length]. destruct (a t); simpl; lia.
Qed.

(* the number of inputs in a box is the product of the per-position counts *)
Lemma box_count A v : Z.of_nat (length (filter (fits A) (all_seqs (length A) v))) = box_size v A.
Proof.
Admitted.
