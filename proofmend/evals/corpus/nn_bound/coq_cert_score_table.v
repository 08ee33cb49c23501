(** A max-of-K attention-only transformer over the reals, with its weights
    stored exactly as scaled integers, and the path decomposition of its
    logit margins at the last position. Standard library only. *)
From Coq Require Import ZArith Reals Lra Lia List.
Import ListNotations.
Open Scope R_scope.

(** * Finite sums *)
Fixpoint sumR (n : nat) (f : nat -> R) : R :=
  match n with O => 0 | S n' => sumR n' f + f n' end.
Fixpoint sumZ (n : nat) (f : nat -> Z) : Z :=
  match n with O => 0%Z | S n' => (sumZ n' f + f n')%Z end.

Lemma sumR_ext n f g : (forall i, (i < n)%nat -> f i = g i) -> sumR n f = sumR n g.
Proof.
  induction n as [|n IH]; intros H; simpl; [reflexivity|].
  rewrite IH by (intros; apply H; lia). rewrite H by lia. reflexivity.
Qed.

Lemma sumZ_ext n f g : (forall i, (i < n)%nat -> f i = g i) -> sumZ n f = sumZ n g.
Proof.
  induction n as [|n IH]; intros H; simpl; [reflexivity|].
  rewrite IH by (intros; apply H; lia). rewrite H by lia. reflexivity.
Qed.

Lemma sumR_plus n f g : sumR n (fun i => f i + g i) = sumR n f + sumR n g.
Proof. induction n as [|n IH]; simpl; [ring|]. rewrite IH. ring. Qed.

Lemma sumR_minus n f g : sumR n (fun i => f i - g i) = sumR n f - sumR n g.
Proof. induction n as [|n IH]; simpl; [ring|]. rewrite IH. ring. Qed.

Lemma sumR_scal_l n c f : c * sumR n f = sumR n (fun i => c * f i).
Proof. induction n as [|n IH]; simpl; [ring|]. rewrite <- IH. ring. Qed.

Lemma sumR_scal_r n c f : sumR n f * c = sumR n (fun i => f i * c).
Proof. induction n as [|n IH]; simpl; [ring|]. rewrite <- IH. ring. Qed.

Lemma sumR_zero n : sumR n (fun _ => 0) = 0.
Proof. induction n as [|n IH]; simpl; [reflexivity|]. rewrite IH. ring. Qed.

Lemma sumR_swap n m f :
  sumR n (fun i => sumR m (fun j => f i j)) = sumR m (fun j => sumR n (fun i => f i j)).
Proof.
  induction n as [|n IH]; simpl.
  - symmetry. apply sumR_zero.
  - rewrite IH. symmetry. apply (sumR_plus m (fun j => sumR n (fun i => f i j)) (fun j => f n j)).
Qed.

Lemma sumR_le n f g : (forall i, (i < n)%nat -> f i <= g i) -> sumR n f <= sumR n g.
Proof.
  induction n as [|n IH]; intros H; simpl; [lra|].
  pose proof (H n ltac:(lia)). pose proof (IH ltac:(intros; apply H; lia)). lra.
Qed.

Lemma sumR_nonneg n f : (forall i, (i < n)%nat -> 0 <= f i) -> 0 <= sumR n f.
Proof.
  intros H. rewrite <- (sumR_zero n). apply sumR_le. exact H.
Qed.

(** * Dyadic weights: [inj e z] is the real number [z * 2^-e] *)
Definition inj (e : nat) (z : Z) : R := IZR z / 2 ^ e.

Lemma pow2_pos e : 0 < 2 ^ e.
Proof. apply pow_lt. lra. Qed.

Lemma inj_mul a b x y : inj a x * inj b y = inj (a + b) (x * y).
Proof.
  unfold inj. rewrite mult_IZR, pow_add.
  pose proof (pow2_pos a). pose proof (pow2_pos b). field. lra.
Qed.

Lemma inj_add e x y : inj e x + inj e y = inj e (x + y).
Proof. unfold inj. rewrite plus_IZR. pose proof (pow2_pos e). field. lra. Qed.

Lemma inj_sub e x y : inj e x - inj e y = inj e (x - y).
Proof. unfold inj. rewrite minus_IZR. pose proof (pow2_pos e). field. lra. Qed.

Lemma sumR_inj n e f : sumR n (fun i => inj e (f i)) = inj e (sumZ n f).
Proof.
  induction n as [|n IH]; simpl.
  - unfold inj. simpl. pose proof (pow2_pos e). field. lra.
  - rewrite IH. apply inj_add.
Qed.

Lemma inj_scale e k x : inj e x = inj (e + k) (x * 2 ^ Z.of_nat k).
Proof.
  unfold inj. rewrite mult_IZR, <- pow_IZR, pow_add.
  pose proof (pow2_pos e). pose proof (pow2_pos k). field. lra.
Qed.

Lemma inj_pos_iff e x : (0 < x)%Z -> 0 < inj e x.
Proof.
  intros H. unfold inj. apply Rdiv_lt_0_compat; [apply IZR_lt; exact H| apply pow2_pos].
Qed.

(** * The network *)
Record net := {
  nv : nat; nK : nat; nd : nat; nh : nat;
  WE : list (list Z); WP : list (list Z); WQ : list (list Z); WK : list (list Z);
  WV : list (list Z); WO : list (list Z); WU : list (list Z);
  eE : nat; eQ : nat; eK : nat; eV : nat; eO : nat; eU : nat }.

Definition ent (M : list (list Z)) (i j : nat) : Z := nth j (nth i M []) 0%Z.

Section Model.
Variable N : net.

(** Real weights: each stored integer times a power of two. [W_E] and [W_pos]
    share one exponent. *)
Definition rE t j := inj (eE N) (ent (WE N) t j).
Definition rP i j := inj (eE N) (ent (WP N) i j).
Definition rQ a b := inj (eQ N) (ent (WQ N) a b).
Definition rK a b := inj (eK N) (ent (WK N) a b).
Definition rV a b := inj (eV N) (ent (WV N) a b).
Definition rO a b := inj (eO N) (ent (WO N) a b).
Definition rU a b := inj (eU N) (ent (WU N) a b).

Definition tok (s : list nat) (i : nat) : nat := nth i s O.
Definition last_pos := (nK N - 1)%nat.

(** Residual stream at position [i]: token embedding plus positional embedding. *)
Definition resid s i j := rE (tok s i) j + rP i j.
Definition query s hh := sumR (nd N) (fun j => resid s last_pos j * rQ j hh).
Definition key s i hh := sumR (nd N) (fun j => resid s i j * rK j hh).
(** Attention score of the last position on position [i], scaled by 1/sqrt(d_head);
    the last position attends to every position (the causal mask hides nothing). *)
Definition score s i := sumR (nh N) (fun hh => query s hh * key s i hh) / sqrt (INR (nh N)).
Definition denom s := sumR (nK N) (fun i => exp (score s i)).
Definition attn s i := exp (score s i) / denom s.
Definition value s i hh := sumR (nd N) (fun j => resid s i j * rV j hh).
Definition head s j := sumR (nh N) (fun hh => sumR (nK N) (fun i => attn s i * value s i hh) * rO hh j).
(** Output logits at the last position: (residual + head output) unembedded. *)
Definition logit s o := sumR (nd N) (fun j => (resid s last_pos j + head s j) * rU j o).

(** The prediction: the first index of a largest logit (as [torch.argmax]). *)
Fixpoint argmax_upto (f : nat -> R) (n : nat) : nat :=
  match n with
  | O => O
  | S n' => let b := argmax_upto f n' in
            if Rlt_dec (f b) (f n') then n' else b
  end.
Definition predict s := argmax_upto (logit s) (nv N).

Definition seqmax (s : list nat) : nat := fold_right Nat.max O s.

Fixpoint all_seqs (k v : nat) : list (list nat) :=
  match k with
  | O => [[]]
  | S k' => flat_map (fun t => map (cons t) (all_seqs k' v)) (seq 0 v)
  end.

Definition correct s : bool := Nat.eqb (predict s) (seqmax s).
Definition n_correct : nat := length (filter correct (all_seqs (nK N) (nv N))).
(** Accuracy: the fraction of the v^K inputs whose prediction is their maximum. *)
Definition accuracy : R := INR n_correct / INR (nv N ^ nK N).

(** * Integer path tables (specifications) *)
Local Open Scope Z_scope.
Definition xZ t i j := (ent (WE N) t j + ent (WP N) i j)%Z.
Definition qZ q hh := sumZ (nd N) (fun j => xZ q last_pos j * ent (WQ N) j hh).
Definition kZ t i hh := sumZ (nd N) (fun j => xZ t i j * ent (WK N) j hh).
Definition SZ q t i := sumZ (nh N) (fun hh => qZ q hh * kZ t i hh).
Definition vZ t i hh := sumZ (nd N) (fun j => xZ t i j * ent (WV N) j hh).
Definition oZ t i j := sumZ (nh N) (fun hh => vZ t i hh * ent (WO N) hh j).
Definition OVZ t i o := sumZ (nd N) (fun j => oZ t i j * ent (WU N) j o).
Definition DZ q o := sumZ (nd N) (fun j => xZ q last_pos j * ent (WU N) j o).

Definition eS : nat := (eE N + eQ N + (eE N + eK N))%nat.
Definition eM : nat := (eE N + eV N + eO N + eU N)%nat.
(** Margin of output [m] over [o] carried by position [i] holding token [t], query token [q]. *)
Definition MZ q t i m o :=
  (OVZ t i m - OVZ t i o + (DZ q m - DZ q o) * 2 ^ Z.of_nat (eV N + eO N))%Z.

Local Open Scope R_scope.

Lemma resid_inj s i j : resid s i j = inj (eE N) (xZ (tok s i) i j).
Proof. unfold resid, rE, rP, xZ. apply inj_add. Qed.

Lemma score_inj s i :
  score s i = inj eS (SZ (tok s last_pos) (tok s i) i) / sqrt (INR (nh N)).
Proof.
  unfold score, SZ, eS. f_equal. rewrite <- sumR_inj. apply sumR_ext. intros hh _.
  unfold query, key, qZ, kZ. rewrite <- (inj_mul (eE N + eQ N) (eE N + eK N)), <- !sumR_inj. f_equal.
  - apply sumR_ext. intros j _. rewrite resid_inj. unfold rQ. apply inj_mul.
  - apply sumR_ext. intros j _. rewrite resid_inj. unfold rK. apply inj_mul.
Qed.

Definition OVR s i o := sumR (nd N) (fun j => sumR (nh N) (fun hh => value s i hh * rO hh j) * rU j o).
Definition DR s o := sumR (nd N) (fun j => resid s last_pos j * rU j o).

Lemma OVR_inj s i o : OVR s i o = inj eM (OVZ (tok s i) i o).
Proof.
  unfold OVR, OVZ, eM. rewrite <- sumR_inj. apply sumR_ext. intros j _.
  rewrite <- (inj_mul (eE N + eV N + eO N) (eU N)). unfold rU. f_equal.
  unfold oZ. rewrite <- sumR_inj. apply sumR_ext. intros hh _.
  rewrite <- (inj_mul (eE N + eV N) (eO N)). unfold rO. f_equal.
  unfold value, vZ. rewrite <- sumR_inj. apply sumR_ext. intros j' _.
  rewrite resid_inj. unfold rV. apply inj_mul.
Qed.

Lemma DR_inj s o : DR s o = inj (eE N + eU N) (DZ (tok s last_pos) o).
Proof.
  unfold DR, DZ. rewrite <- sumR_inj. apply sumR_ext. intros j _.
  rewrite resid_inj. unfold rU. apply inj_mul.
Qed.

Lemma logit_paths s o : logit s o = DR s o + sumR (nK N) (fun i => attn s i * OVR s i o).
Proof.
  unfold logit, DR.
  transitivity (sumR (nd N) (fun j => resid s last_pos j * rU j o) +
                sumR (nd N) (fun j => head s j * rU j o)).
  { rewrite <- sumR_plus. apply sumR_ext. intros; ring. }
  f_equal. unfold head, OVR.
  transitivity (sumR (nd N) (fun j => sumR (nK N) (fun i =>
      attn s i * (sumR (nh N) (fun hh => value s i hh * rO hh j) * rU j o)))).
  { apply sumR_ext. intros j _. rewrite sumR_scal_r.
    transitivity (sumR (nh N) (fun hh => sumR (nK N) (fun i =>
      attn s i * (value s i hh * rO hh j * rU j o)))).
    { apply sumR_ext. intros hh _. rewrite !sumR_scal_r. apply sumR_ext. intros; ring. }
    rewrite sumR_swap. apply sumR_ext. intros i _. rewrite sumR_scal_r, sumR_scal_l.
    apply sumR_ext. intros; ring. }
  rewrite sumR_swap. apply sumR_ext. intros i _. rewrite sumR_scal_l. reflexivity.
Qed.

Lemma denom_nonneg s : 0 <= denom s.
Proof. apply sumR_nonneg. intros. left. apply exp_pos. Qed.

(** The margin of [m] over [o], times the softmax denominator, is a sum over
    positions of exp(score) times an integer path margin. *)
Lemma margin_paths s m o :
  denom s * (logit s m - logit s o) =
  sumR (nK N) (fun i => exp (score s i) * inj eM (MZ (tok s last_pos) (tok s i) i m o)).
Proof.
  destruct (nK N) as [|k] eqn:Hk.
  { simpl. unfold denom. rewrite Hk. simpl. ring. }
  assert (Hz : 0 < denom s).
  { unfold denom. rewrite Hk. simpl. pose proof (exp_pos (score s k)).
    pose proof (sumR_nonneg k (fun i => exp (score s i)) ltac:(intros; left; apply exp_pos)). lra. }
  rewrite !logit_paths, Hk.
  transitivity (denom s * (DR s m - DR s o) +
     sumR (S k) (fun i => denom s * attn s i * (OVR s i m - OVR s i o))).
  { assert (E : sumR (S k) (fun i => denom s * attn s i * (OVR s i m - OVR s i o)) =
      denom s * (sumR (S k) (fun i => attn s i * OVR s i m) - sumR (S k) (fun i => attn s i * OVR s i o))).
    { rewrite <- sumR_minus, sumR_scal_l. apply sumR_ext; intros; ring. }
    rewrite E. ring. }
  transitivity (sumR (S k) (fun i => exp (score s i) * ((OVR s i m - OVR s i o) + (DR s m - DR s o)))).
  { unfold denom at 1. rewrite Hk, sumR_scal_r, <- sumR_plus. apply sumR_ext. intros i _.
    unfold attn. field. lra. }
  apply sumR_ext. intros i _. f_equal.
  rewrite !OVR_inj, !DR_inj, !inj_sub.
  rewrite (inj_scale (eE N + eU N) (eV N + eO N)).
  replace (eE N + eU N + (eV N + eO N))%nat with eM by (unfold eM; lia).
  rewrite inj_add. reflexivity.
Qed.

Lemma margin_pos s m o :
  0 < sumR (nK N) (fun i => exp (score s i) * inj eM (MZ (tok s last_pos) (tok s i) i m o)) ->
  logit s o < logit s m.
Proof.
  intros H. rewrite <- margin_paths in H. pose proof (denom_nonneg s).
  destruct (Rle_or_lt (logit s m) (logit s o)) as [Hle|]; [|assumption].
  exfalso. assert (0 <= denom s * (logit s o - logit s m)) by (apply Rmult_le_pos; lra). lra.
Qed.

(** * The prediction is the maximum when its logit beats every other *)
Lemma argmax_upto_lt f n : (0 < n)%nat -> (argmax_upto f n < n)%nat.
Proof.
  induction n as [|n IH]; intros H; [lia|]. simpl.
  destruct n as [|n]; [simpl; destruct (Rlt_dec (f 0%nat) (f 0%nat)); lia|].
  specialize (IH ltac:(lia)). destruct (Rlt_dec _ _); lia.
Qed.

Lemma argmax_upto_unique f n m :
  (m < n)%nat -> (forall o, (o < n)%nat -> o <> m -> f o < f m) -> argmax_upto f n = m.
Proof.
  induction n as [|n IH]; intros Hm H; [lia|]. simpl.
  destruct (Nat.eq_dec n m) as [->|Hne].
  - destruct m as [|m'].
    + simpl. destruct (Rlt_dec (f 0%nat) (f 0%nat)); reflexivity.
    + pose proof (argmax_upto_lt f (S m') ltac:(lia)) as Hb.
      destruct (Rlt_dec _ _) as [|Hn]; [reflexivity|]. exfalso. apply Hn. apply H; lia.
  - rewrite IH by (lia || (intros; apply H; lia)).
    destruct (Rlt_dec _ _) as [Hl|]; [|reflexivity].
    exfalso. pose proof (H n ltac:(lia) Hne). lra.
Qed.

Lemma correct_of_margins s :
  (seqmax s < nv N)%nat ->
  (forall o, (o < nv N)%nat -> o <> seqmax s ->
     0 < sumR (nK N) (fun i => exp (score s i) * inj eM (MZ (tok s last_pos) (tok s i) i (seqmax s) o))) ->
  correct s = true.
Proof.
  intros Hm H. unfold correct, predict. rewrite (argmax_upto_unique _ _ (seqmax s) Hm).
  - apply Nat.eqb_refl.
  - intros o Ho Hne. apply margin_pos. apply H; assumption.
Qed.

(** * Inputs *)
Lemma all_seqs_spec k v s : In s (all_seqs k v) -> length s = k /\ Forall (fun t => (t < v)%nat) s.
Proof.
  revert s. induction k as [|k IH]; intros s Hs; simpl in Hs.
  - destruct Hs as [<-|[]]. split; [reflexivity|constructor].
  - apply in_flat_map in Hs. destruct Hs as [t [Ht Hs]]. apply in_map_iff in Hs.
    destruct Hs as [s' [<- Hs']]. apply in_seq in Ht. destruct (IH s' Hs') as [Hl Hf].
    split; [simpl; lia|constructor; [lia|exact Hf]].
Qed.

Lemma seqmax_lt v s : (0 < v)%nat -> Forall (fun t => (t < v)%nat) s -> (seqmax s < v)%nat.
Proof. intros Hv H. induction H; simpl; lia. Qed.

Lemma tok_lt v s i : Forall (fun t => (t < v)%nat) s -> (0 < v)%nat -> (tok s i < v)%nat.
Proof.
  intros H Hv. unfold tok. revert i. induction H; intros [|i]; simpl; auto.
Qed.

Lemma count_le (P Q : list nat -> bool) l :
  (forall s, In s l -> P s = true -> Q s = true) -> (length (filter P l) <= length (filter Q l))%nat.
Proof.
  induction l as [|a l IH]; intros H; simpl; [lia|].
  specialize (IH ltac:(intros; apply H; simpl; auto)).
  destruct (P a) eqn:Ha; [rewrite (H a (or_introl eq_refl) Ha); simpl; lia|].
  destruct (Q a); simpl; lia.
Qed.

Lemma length_all_seqs k v : length (all_seqs k v) = (v ^ k)%nat.
Proof.
  induction k as [|k IH]; simpl; [reflexivity|].
  rewrite flat_map_concat_map. induction (seq 0 v) as [|t l IHl] eqn:E; simpl.
Abort.

End Model.

(** Brute force: every input is checked with exact integer path tables and
    fixed-point bounds on exp; the checker's soundness is proven once for all
    weights. *)
Import ListNotations.
Open Scope R_scope.

(** [vecmat n p u M]: the row vector [u] (length n) times the n x p matrix [M]. *)
Definition vecmat (n p : nat) (u : list Z) (M : list (list Z)) : list Z :=
  map (fun c => sumZ n (fun j => (nth j u 0 * ent M j c)%Z)) (seq 0 p).

Lemma nth_map_seq {A} (f : nat -> A) n i d : (i < n)%nat -> nth i (map f (seq 0 n)) d = f i.
Proof.
  intros H. rewrite nth_indep with (d' := f 0%nat) by (rewrite map_length, seq_length; exact H).
  rewrite map_nth, seq_nth by exact H. reflexivity.
Qed.

Lemma nth_vecmat n p u M c : (c < p)%nat ->
  nth c (vecmat n p u M) 0%Z = sumZ n (fun j => (nth j u 0 * ent M j c)%Z).
Proof. intros H. unfold vecmat. apply (nth_map_seq (fun c => sumZ n (fun j => (nth j u 0 * ent M j c)%Z))). exact H. Qed.

Definition tab2 {A} (n1 n2 : nat) (f : nat -> nat -> A) : list (list A) :=
  map (fun a => map (fun b => f a b) (seq 0 n2)) (seq 0 n1).

Lemma nth_tab2 {A} n1 n2 (f : nat -> nat -> A) a b d dl : (a < n1)%nat -> (b < n2)%nat ->
  nth b (nth a (tab2 n1 n2 f) dl) d = f a b.
Proof. intros Ha Hb. unfold tab2. rewrite nth_map_seq by exact Ha. apply nth_map_seq. exact Hb. Qed.

Section Brute.
Variable N : net.
Local Notation v := (nv N).
Local Notation K := (nK N).
Local Notation d := (nd N).
Local Notation h := (nh N).

(** Shared integer tables *)
Definition xrow t i : list Z := map (fun j => xZ N t i j) (seq 0 d).
Definition qvec q : list Z := vecmat d h (xrow q (last_pos N)) (WQ N).
Definition kvec t i : list Z := vecmat d h (xrow t i) (WK N).
Definition ovvec t i : list Z := vecmat d v (vecmat h d (vecmat d h (xrow t i) (WV N)) (WO N)) (WU N).
Definition dvec q : list Z := vecmat d v (xrow q (last_pos N)) (WU N).

Lemma xrow_nth t i j : (j < d)%nat -> nth j (xrow t i) 0%Z = xZ N t i j.
Proof. intros H. unfold xrow. apply (nth_map_seq (fun j => xZ N t i j)). exact H. Qed.

Definition score_of (qv kv : list Z) : Z := sumZ h (fun hh => (nth hh qv 0 * nth hh kv 0)%Z).
End Brute.

(** The attention score computed from the shared query and key vectors equals
    the bilinear specification [SZ]. *)
Lemma coq_cert_score_table (N : net) q t i : score_of N (qvec N q) (kvec N t i) = SZ N q t i.
Proof.
Admitted.
