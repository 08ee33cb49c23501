From Coq Require Import ZArith List Lia Bool.
Import ListNotations.
Open Scope Z_scope.

(* An attention-only max-of-K network with exact integer weights, exported from
   a trained model (v=6, K=3, d=8, seed 0).
   Key position i holding token t gets attention weight 2 ^ (QK_tok[q][t] + QK_pos[q][i])
   for query (last) token q; the logit of output o is the attention-weighted sum of
   OV_tok[t][o] + OV_pos[i][o] + Direct[q][o]: the softmax numerator, i.e. the real
   logits times a positive normaliser, so the argmax is the network's. *)
Definition vocab : nat := 6.
Definition ctx : nat := 3.
Definition QK_tok : list (list Z) :=
  [[0; 5; 7; 10; 16; 22];
   [-1; 6; 11; 17; 27; 36];
   [0; 6; 9; 15; 22; 30];
   [-1; 5; 8; 13; 21; 29];
   [0; 4; 7; 12; 17; 23];
   [1; 3; 4; 7; 9; 13]].
Definition QK_pos : list (list Z) :=
  [[1; 1; 0];
   [2; 1; 1];
   [1; 0; 1];
   [1; 1; 1];
   [1; 0; 1];
   [0; -1; 0]].
Definition OV_tok : list (list Z) :=
  [[230; 128; 63; 4; -224; -213];
   [101; 129; 61; 13; -96; -177];
   [89; 94; 252; -160; 46; -222];
   [27; 21; -168; 146; -142; 39];
   [-110; -48; 69; -76; 171; 51];
   [-154; -153; -221; 107; 50; 277]].
Definition OV_pos : list (list Z) :=
  [[-18; -4; 19; -16; 28; -3];
   [-35; -8; 18; -17; 39; -2];
   [-46; 26; -4; 19; 35; -13]].
Definition Direct : list (list Z) :=
  [[-13; 11; -28; 34; -4; 15];
   [-42; 12; -35; 44; 1; 5];
   [-42; 11; 2; 31; 16; 3];
   [-28; 4; -50; 48; 0; 18];
   [-43; -1; 0; 12; 24; 4];
   [-15; -2; -18; 19; 21; 13]].

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

Theorem count_correct_value : count_correct = 216%nat.
Proof.
Admitted.
