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

(* at least 99% of the 625 inputs are answered correctly *)
Theorem accuracy_at_least_99 : 99 * 625 <= 100 * Z.of_nat count_correct.
Proof.
Admitted.
