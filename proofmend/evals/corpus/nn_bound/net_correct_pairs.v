From Coq Require Import ZArith List Lia Bool.
Import ListNotations.
Open Scope Z_scope.

(* An attention-only max-of-K network with exact integer weights, exported from
   a trained model (v=5, K=2, d=8, seed 0).
   Key position i holding token t gets attention weight 2 ^ (QK_tok[q][t] + QK_pos[q][i])
   for query (last) token q; the logit of output o is the attention-weighted sum of
   OV_tok[t][o] + OV_pos[i][o] + Direct[q][o]: the softmax numerator, i.e. the real
   logits times a positive normaliser, so the argmax is the network's. *)
Definition vocab : nat := 5.
Definition ctx : nat := 2.
Definition QK_tok : list (list Z) :=
  [[3; 7; 7; 9; 14];
   [2; 6; 6; 7; 11];
   [0; 2; 4; 9; 13];
   [0; 1; 4; 10; 16];
   [1; 0; 2; 5; 8]].
Definition QK_pos : list (list Z) :=
  [[1; -3];
   [1; -2];
   [0; 0];
   [0; 0];
   [0; 1]].
Definition OV_tok : list (list Z) :=
  [[146; 53; -10; -169; -61];
   [-7; 133; 36; -3; -158];
   [-31; 41; 269; 52; -105];
   [-118; 0; 64; 144; -13];
   [19; -105; -123; -29; 147]].
Definition OV_pos : list (list Z) :=
  [[4; 9; -62; -9; 3];
   [-52; -22; 20; 65; 21]].
Definition Direct : list (list Z) :=
  [[7; -12; -15; 4; 21];
   [-22; 19; -6; 20; -13];
   [-35; -18; 3; 13; 27];
   [-41; -9; -3; 35; 15];
   [-9; -14; -10; 7; 17]].

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

Theorem net_correct_pairs : forall a b : nat,
  (a < vocab)%nat -> (b < vocab)%nat -> correctb [a; b] = true.
Proof.
Admitted.
