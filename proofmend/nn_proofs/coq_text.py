"""Coq source fragments for the exported tasks (standard library only, Coq 8.16).

``network_prelude`` renders an :class:`~.intnet.IntNet` and its semantics; the
generic lemmas are plain constants. The Python mirror of every definition lives
in :mod:`.intnet`.
"""

from __future__ import annotations

from .intnet import IntNet

HEADER = """From Coq Require Import ZArith List Lia Bool.
Import ListNotations.
Open Scope Z_scope.
"""


def zlist(xs: list[int]) -> str:
    return "[" + "; ".join(str(x) for x in xs) + "]"


def zmatrix(rows: list[list[int]]) -> str:
    return "[" + ";\n   ".join(zlist(r) for r in rows) + "]"


def network_prelude(net: IntNet, origin: str) -> str:
    """Definitions of an integer max-of-K network, its correctness checker and its input space."""
    return f"""{HEADER}
(* An attention-only max-of-K network with exact integer weights, exported from
   {origin}.
   Key position i holding token t gets attention weight 2 ^ (QK_tok[q][t] + QK_pos[q][i])
   for query (last) token q; the logit of output o is the attention-weighted sum of
   OV_tok[t][o] + OV_pos[i][o] + Direct[q][o]: the softmax numerator, i.e. the real
   logits times a positive normaliser, so the argmax is the network's. *)
Definition vocab : nat := {net.vocab}.
Definition ctx : nat := {net.ctx}.
Definition QK_tok : list (list Z) :=
  {zmatrix(net.S)}.
Definition QK_pos : list (list Z) :=
  {zmatrix(net.P)}.
Definition OV_tok : list (list Z) :=
  {zmatrix(net.V)}.
Definition OV_pos : list (list Z) :=
  {zmatrix(net.PV)}.
Definition Direct : list (list Z) :=
  {zmatrix(net.U)}.

Definition at2 (m : list (list Z)) (i j : nat) : Z := nth j (nth i m []) 0.

Fixpoint last_tok (x : list nat) : nat :=
  match x with [] => 0%nat | [t] => t | _ :: r => last_tok r end.

Fixpoint terms (q : nat) (x : list nat) (i : nat) : list (Z * nat * nat) :=
  match x with
  | [] => []
  | t :: r => (2 ^ (at2 QK_tok q t + at2 QK_pos q i), t, i) :: terms q r (S i)
  end.

Definition logit (x : list nat) (o : nat) : Z :=
  let q := last_tok x in
  fold_right (fun (wti : Z * nat * nat) acc => let '(w, t, i) := wti in
                w * (at2 OV_tok t o + at2 OV_pos i o + at2 Direct q o) + acc)
             0 (terms q x 0).

Fixpoint list_max_nat (x : list nat) : nat :=
  match x with [] => 0%nat | t :: r => Nat.max t (list_max_nat r) end.

(* the max of the input gets a strictly larger logit than every other token *)
Definition correctb (x : list nat) : bool :=
  let m := list_max_nat x in
  forallb (fun o => Nat.eqb o m || (logit x o <? logit x m)) (seq 0 vocab).

Fixpoint all_seqs (k : nat) : list (list nat) :=
  match k with
  | O => [[]]
  | S k' => flat_map (fun t => map (cons t) (all_seqs k')) (seq 0 vocab)
  end.

Definition count_correct : nat := length (filter correctb (all_seqs ctx)).
"""


CUBIC_DEFS = """
(* ---- a cubic-style certificate: one worst-case check per case (q, m, t', c) ---- *)
Definition minl (l : list Z) : Z := match l with [] => 0 | a :: r => fold_right Z.min a r end.
Definition maxl (l : list Z) : Z := match l with [] => 0 | a :: r => fold_right Z.max a r end.
Definition others (m : nat) : list nat := filter (fun o => negb (Nat.eqb o m)) (seq 0 vocab).

(* margin of output m over o contributed by key position i holding token t *)
Definition delta (q m o i t : nat) : Z :=
  at2 OV_tok t m - at2 OV_tok t o + at2 OV_pos i m - at2 OV_pos i o + at2 Direct q m - at2 Direct q o.

Definition xmin (q m : nat) : Z :=
  minl (flat_map (fun o => map (fun i => delta q m o i m) (seq 0 ctx)) (others m)).
Definition ymin (q m tp : nat) : Z :=
  minl (flat_map (fun o => flat_map (fun i => map (fun t => delta q m o i t) (seq 0 (S tp)))
                                    (seq 0 ctx)) (others m)).

(* query q, max m, largest non-max token tp, c copies of m *)
Definition case_ok (q m tp c : nat) : bool :=
  match others m with
  | [] => true
  | _ =>
    let x := xmin q m in
    let y := ymin q m tp in
    let lowM := Z.of_nat c * 2 ^ (at2 QK_tok q m + minl (nth q QK_pos [])) in
    let highN := Z.of_nat (ctx - c) * 2 ^ (maxl (firstn (S tp) (nth q QK_tok [])) + maxl (nth q QK_pos [])) in
    (0 <? x) && ((0 <=? y) || (0 <? lowM * x + highN * y))
  end.

Definition count_eq (m : nat) (x : list nat) : nat := length (filter (Nat.eqb m) x).
Definition nonmax_max (x : list nat) : nat :=
  list_max_nat (filter (fun t => negb (Nat.eqb t (list_max_nat x))) x).
Definition cubic_ok (x : list nat) : bool :=
  case_ok (last_tok x) (list_max_nat x) (nonmax_max x) (count_eq (list_max_nat x) x).

Fixpoint binom (n k : nat) : nat :=
  match n, k with
  | _, O => 1
  | O, S _ => 0
  | S n', S k' => binom n' k' + binom n' (S k')
  end.

(* number of inputs in case (q, m, tp, c) *)
Definition case_count (q m tp c : nat) : nat :=
  if Nat.eqb c ctx then (if Nat.eqb q m && Nat.eqb tp 0 then 1 else 0)
  else if Nat.eqb c 0 || Nat.ltb m q || Nat.leb m tp then 0
  else if Nat.eqb q m then binom (ctx - 1) (c - 1) * ((tp + 1) ^ (ctx - c) - tp ^ (ctx - c))
  else if Nat.ltb tp q then 0
  else if Nat.eqb tp q then binom (ctx - 1) c * (tp + 1) ^ (ctx - 1 - c)
  else binom (ctx - 1) c * ((tp + 1) ^ (ctx - 1 - c) - tp ^ (ctx - 1 - c)).

Definition all_cases : list (nat * nat * nat * nat) :=
  flat_map (fun q => flat_map (fun m => flat_map (fun tp =>
    map (fun c => (q, m, tp, c)) (seq 0 (S ctx))) (seq 0 vocab)) (seq 0 vocab)) (seq 0 vocab).

Definition cubic_count : nat :=
  fold_right (fun (cs : nat * nat * nat * nat) acc => let '(q, m, tp, c) := cs in
                ((if case_ok q m tp c then case_count q m tp c else 0) + acc)%nat) 0%nat all_cases.
"""

DOT_DEFS = """
Fixpoint dot (x y : list Z) : Z :=
  match x, y with a :: x', b :: y' => a * b + dot x' y' | _, _ => 0 end.
Fixpoint vadd (x y : list Z) : list Z :=
  match x, y with a :: x', b :: y' => (a + b) :: vadd x' y' | _, _ => [] end.
Definition matvec (M : list (list Z)) (y : list Z) : list Z := map (fun row => dot row y) M.
"""

DOT_LEMMAS = """
Lemma dot_add_l : forall x y z, length x = length y -> dot (vadd x y) z = dot x z + dot y z.
Proof.
  induction x as [|a x IH]; intros [|b y] [|c z] H; simpl in *; try lia.
  rewrite IH by lia. ring.
Qed.

Lemma dot_add_r : forall x y z, length y = length z -> dot x (vadd y z) = dot x y + dot x z.
Proof.
  induction x as [|a x IH]; intros [|b y] [|c z] H; simpl in *; try lia.
  rewrite IH by lia. ring.
Qed.

Lemma matvec_add : forall M y z, length y = length z -> matvec M (vadd y z) = vadd (matvec M y) (matvec M z).
Proof.
  induction M as [|row M IH]; intros y z H; simpl; [reflexivity|].
  rewrite dot_add_r by exact H. f_equal. apply IH, H.
Qed.

Lemma matvec_length : forall M y, length (matvec M y) = length M.
Proof. intros. unfold matvec. apply map_length. Qed.
"""

ALL_SEQS_COMPLETE_PROOF = """Proof.
  induction k as [|k IH]; intros x Hlen Hall.
  - destruct x; [left; reflexivity | discriminate].
  - destruct x as [|t x]; [discriminate|]. simpl in Hlen. inversion Hall as [|? ? Ht Hx]; subst.
    cbn [all_seqs]. apply in_flat_map. exists t. split.
    + apply in_seq. lia.
    + apply in_map. apply IH; [lia | exact Hx].
Qed."""
