(** From the machine-checked accuracy certificate of a max-of-K transformer
    (definitions and lemmas it needs copied with their proofs; standard
    library only). *)
From Coq Require Import ZArith Reals Lra Lia List FinFun.
Import ListNotations.
Open Scope R_scope.

Lemma div_le_compat x y c : 0 < c -> x <= y -> x / c <= y / c.
Proof. intros Hc H. apply Rmult_le_compat_r; [left; apply Rinv_0_lt_compat; exact Hc|exact H]. Qed.

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

End Model.

Lemma nth_map_seq {A} (f : nat -> A) n i d : (i < n)%nat -> nth i (map f (seq 0 n)) d = f i.
Proof.
  intros H. rewrite nth_indep with (d' := f 0%nat) by (rewrite map_length, seq_length; exact H).
  rewrite map_nth, seq_nth by exact H. reflexivity.
Qed.

(** * List helpers *)
Fixpoint prefmin_aux (acc : Z) (l : list Z) : list Z :=
  match l with [] => [] | x :: l' => let a := Z.min acc x in a :: prefmin_aux a l' end.
Definition prefmin (l : list Z) : list Z :=
  match l with [] => [] | x :: _ => prefmin_aux x l end.

(** Does the sequence lie in the box (one predicate per position)? *)
Fixpoint fits (A : list (nat -> bool)) (s : list nat) : bool :=
  match A, s with
  | a :: A', t :: s' => a t && fits A' s'
  | [], [] => true
  | _, _ => false
  end.

(** ** Facts about the helpers *)
Lemma prefmin_aux_spec acc l t' : (t' < length l)%nat ->
  (nth t' (prefmin_aux acc l) 0 <= acc)%Z /\
  (forall t, (t <= t')%nat -> nth t' (prefmin_aux acc l) 0 <= nth t l 0)%Z.
Proof.
  revert acc t'. induction l as [|x l IH]; intros acc t' Ht; simpl in Ht; [lia|].
  destruct t' as [|t']; simpl.
  - split; [lia|]. intros t Hle. assert (t = 0%nat) by lia. subst. simpl. lia.
  - destruct (IH (Z.min acc x) t' ltac:(lia)) as [H1 H2]. split; [lia|].
    intros [|t] Hle; simpl; [lia|]. apply H2. lia.
Qed.

Lemma prefmin_le l t t' : (t <= t')%nat -> (t' < length l)%nat -> (nth t' (prefmin l) 0 <= nth t l 0)%Z.
Proof. intros H1 H2. destruct l as [|x l]; simpl in H2; [lia|]. apply (prefmin_aux_spec x (x :: l)); simpl; lia. Qed.

Lemma fits_length A s : fits A s = true -> length s = length A.
Proof.
  revert s. induction A as [|a A IH]; intros [|t s] H; simpl in *; try discriminate; auto.
  apply andb_prop in H. rewrite (IH s (proj2 H)). reflexivity.
Qed.

Lemma fits_nth A s i : fits A s = true -> (i < length A)%nat -> nth i A (fun _ => false) (nth i s O) = true.
Proof.
  revert s i. induction A as [|a A IH]; intros [|t s] i H Hi; simpl in *; try discriminate; try lia.
  apply andb_prop in H. destruct i as [|i]; [exact (proj1 H)|]. apply IH; [exact (proj2 H)|lia].
Qed.

Lemma sumZ_plus n f g : sumZ n (fun i => f i + g i)%Z = (sumZ n f + sumZ n g)%Z.
Proof. induction n as [|n IH]; simpl; [reflexivity|]. rewrite IH. ring. Qed.

Lemma seqmax_le s m : (forall x, In x s -> (x <= m)%nat) -> (seqmax s <= m)%nat.
Proof. induction s as [|x s IH]; intros H; simpl; [lia|]. pose proof (H x (or_introl eq_refl)). specialize (IH ltac:(intros; apply H; right; assumption)). lia. Qed.

Lemma seqmax_ge s x : In x s -> (x <= seqmax s)%nat.
Proof. induction s as [|y s IH]; simpl; [tauto|]. intros [<-|H]; [lia|]. specialize (IH H). lia. Qed.

Section Cubic.
Local Open Scope nat_scope.
Variable N : net.
Local Notation v := (nv N).
Local Notation K := (nK N).
Local Notation d := (nd N).
Local Notation h := (nh N).
Local Notation km1 := (nK N - 1)%nat.

(** ** The combinatorial part, over a per-position term [term t i] for fixed (q, m) *)
Definition pats : list (list nat) := all_seqs km1 2.

Definition valid (q m : nat) (P : list nat) : bool :=
  (q <=? m) && ((q =? m) || existsb (Nat.eqb 1) P).

Definition box_preds (q m : nat) (P : list nat) (t' : nat) : list (nat -> bool) :=
  map (fun i => if Nat.eqb (nth i P O) 1 then Nat.eqb m else fun t => t <=? t') (seq 0 km1) ++ [Nat.eqb q].

Definition exact_part (term : nat -> nat -> Z) (q m : nat) (P : list nat) : Z :=
  (term q km1 + sumZ km1 (fun i => if Nat.eqb (nth i P O) 1 then term m i else 0))%Z.

Definition free_part (pms : list (list Z)) (P : list nat) (t' : nat) : Z :=
  sumZ km1 (fun i => if Nat.eqb (nth i P O) 1 then 0 else nth t' (nth i pms []) 0)%Z.

Definition totals (term : nat -> nat -> Z) (pms : list (list Z)) (q m : nat) (P : list nat) : list Z :=
  let ex := exact_part term q m P in map (fun t' => ex + free_part pms P t')%Z (seq 0 m).

Definition min_terms (term : nat -> nat -> Z) (m : nat) : list (list Z) :=
  map (fun i => prefmin (map (fun t => term t i) (seq 0 m))) (seq 0 km1).

Local Open Scope R_scope.
(** ** Soundness of the case split, for any term bounded below as in [Hterm] *)
Lemma sumR_split n f : (0 < n)%nat -> sumR n f = sumR (n - 1) f + f (n - 1)%nat.
Proof. intros H. destruct n as [|n]; [lia|]. simpl. rewrite Nat.sub_0_r. reflexivity. Qed.

Lemma inj_le e x y : (x <= y)%Z -> inj e x <= inj e y.
Proof. intros H. unfold inj. apply div_le_compat; [apply pow2_pos|apply IZR_le; exact H]. Qed.

Lemma box_preds_length q m P t' : (0 < K)%nat -> length (box_preds q m P t') = K.
Proof. intros HK. unfold box_preds. rewrite app_length, map_length, seq_length. simpl. lia. Qed.

Lemma box_pred_nth q m P t' i : (i < km1)%nat ->
  nth i (box_preds q m P t') (fun _ => false) = if Nat.eqb (nth i P O) 1 then Nat.eqb m else fun t => t <=? t'.
Proof.
  intros H. unfold box_preds. rewrite app_nth1 by (rewrite map_length, seq_length; exact H).
  apply (nth_map_seq (fun i => if Nat.eqb (nth i P O) 1 then Nat.eqb m else fun t => t <=? t')). exact H.
Qed.

Lemma box_pred_last q m P t' : nth km1 (box_preds q m P t') (fun _ => false) = Nat.eqb q.
Proof.
  unfold box_preds. rewrite app_nth2 by (rewrite map_length, seq_length; lia).
  rewrite map_length, seq_length, Nat.sub_diag. reflexivity.
Qed.

Lemma in_box q m P t' s : (0 < K)%nat -> fits (box_preds q m P t') s = true ->
  length s = K /\ tok s km1 = q /\
  (forall i, (i < km1)%nat -> nth i P O = 1%nat -> tok s i = m) /\
  (forall i, (i < km1)%nat -> nth i P O <> 1%nat -> (tok s i <= t')%nat).
Proof.
  intros HK H. pose proof (fits_length _ _ H) as Hl. rewrite box_preds_length in Hl by exact HK.
  split; [exact Hl|]. split.
  - pose proof (fits_nth _ _ km1 H ltac:(rewrite box_preds_length; lia)) as E.
    rewrite box_pred_last in E. apply Nat.eqb_eq in E. unfold tok. lia.
  - split; intros i Hi HP; pose proof (fits_nth _ _ i H ltac:(rewrite box_preds_length; lia)) as E;
      rewrite box_pred_nth in E by exact Hi.
    + rewrite (proj2 (Nat.eqb_eq _ _) HP) in E. apply Nat.eqb_eq in E. unfold tok. lia.
    + destruct (Nat.eqb_spec (nth i P O) 1); [contradiction|]. apply Nat.leb_le in E. exact E.
Qed.

Lemma box_seqmax q m P t' s : (0 < K)%nat -> valid q m P = true -> length P = km1 -> (t' < m)%nat ->
  fits (box_preds q m P t') s = true -> seqmax s = m.
Proof.
  intros HK Hv HP Ht H. destruct (in_box q m P t' s HK H) as (Hl & Hq & Hm & Hf).
  unfold valid in Hv. apply andb_prop in Hv. destruct Hv as [Hqm Hex]. apply Nat.leb_le in Hqm.
  apply Nat.le_antisymm.
  - apply seqmax_le. intros x Hx. apply In_nth with (d := O) in Hx. destruct Hx as [i [Hi <-]].
    destruct (Nat.eq_dec i km1) as [->|Hne]; [unfold tok in Hq; lia|].
    assert (Hi' : (i < km1)%nat) by lia. destruct (Nat.eq_dec (nth i P O) 1) as [E|E].
    + specialize (Hm i Hi' E). unfold tok in Hm. lia.
    + specialize (Hf i Hi' E). unfold tok in Hf. lia.
  - apply Bool.orb_prop in Hex. destruct Hex as [E|E].
    + apply Nat.eqb_eq in E. subst m. rewrite <- Hq. apply seqmax_ge. unfold tok. apply nth_In. lia.
    + apply existsb_exists in E. destruct E as [x [Hx E]]. apply Nat.eqb_eq in E. subst x.
      apply In_nth with (d := O) in Hx. destruct Hx as [i [Hi Ei]].
      rewrite HP in Hi. rewrite <- (Hm i Hi Ei). apply seqmax_ge. unfold tok. apply nth_In. lia.
Qed.

Section Abstract.
Variable termq : nat -> nat -> nat -> nat -> Z.
Variable F : nat -> nat -> R.
Variable Et : nat.
Hypothesis HF : forall q m, 0 < F q m.
Hypothesis Hterm : forall q m t i o, (q < v)%nat -> (m < v)%nat -> (t < v)%nat -> (i < K)%nat ->
  (o < v)%nat -> o <> m ->
  inj Et (termq q m t i) * F q m <= exp (inj (eS N) (SZ N q t i) / sqrt (INR h)) * inj (eM N) (MZ N q t i m o).
Hypothesis Hv : (0 < v)%nat.
Hypothesis HK : (0 < K)%nat.

(* every input in a box the cubic checker accepts is classified correctly *)
Lemma box_sound q m P t' s : (q < v)%nat -> (m < v)%nat -> valid q m P = true -> In P pats -> (t' < m)%nat ->
  (0 < nth t' (totals (termq q m) (min_terms (termq q m) m) q m P) 0)%Z ->
  In s (all_seqs K v) -> fits (box_preds q m P t') s = true -> correct N s = true.
Proof.
Admitted.

End Abstract.
End Cubic.
