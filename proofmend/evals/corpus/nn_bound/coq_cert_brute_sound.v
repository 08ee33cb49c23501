(** From the machine-checked accuracy certificate of a max-of-K transformer
    (definitions and lemmas it needs copied with their proofs; standard
    library only). *)
From Coq Require Import ZArith Reals Lra Lia List.
Import ListNotations.
Open Scope R_scope.

Definition prec : nat := 48.
Definition rsq : nat := 20.

Lemma exp_mono x y : x <= y -> exp x <= exp y.
Proof. intros [H|H]; [left; apply exp_increasing; exact H|subst; lra]. Qed.

Lemma pow2_posR e : 0 < 2 ^ e.
Proof. apply pow_lt. lra. Qed.

Lemma IZR_div_le a b : (0 < b)%Z -> IZR (a / b) <= IZR a / IZR b.
Proof.
  intros Hb. pose proof (Z.mul_div_le a b Hb) as H. apply IZR_le in H. rewrite mult_IZR in H.
  assert (0 < IZR b) by (apply IZR_lt; exact Hb).
  apply (Rmult_le_reg_l (IZR b)); [assumption|]. field_simplify; lra.
Qed.

Lemma IZR_div_gt a b : (0 < b)%Z -> IZR a / IZR b < IZR (a / b) + 1.
Proof.
  intros Hb. pose proof (Z.mul_succ_div_gt a b Hb) as H. apply IZR_lt in H.
  rewrite mult_IZR, succ_IZR in H. assert (0 < IZR b) by (apply IZR_lt; exact Hb).
  apply (Rmult_lt_reg_l (IZR b)); [assumption|]. field_simplify; lra.
Qed.

Lemma IZR_pow2 e : IZR (2 ^ Z.of_nat e) = 2 ^ e.
Proof. rewrite <- pow_IZR. reflexivity. Qed.

Lemma div_le_compat x y c : 0 < c -> x <= y -> x / c <= y / c.
Proof. intros Hc H. apply Rmult_le_compat_r; [left; apply Rinv_0_lt_compat; exact Hc|exact H]. Qed.

Lemma div_lt_compat x y c : 0 < c -> x < y -> x / c < y / c.
Proof. intros Hc H. apply Rmult_lt_compat_r; [apply Rinv_0_lt_compat; exact Hc|exact H]. Qed.

Definition sq_dn (x : Z) : Z := Z.shiftr (x * x) (Z.of_nat prec).
Definition sq_up (x : Z) : Z := (Z.shiftr (x * x) (Z.of_nat prec) + 1)%Z.

Fixpoint iter (n : nat) (f : Z -> Z) (x : Z) : Z :=
  match n with O => x | S n' => f (iter n' f x) end.

Definition fx (a : Z) : R := IZR a / 2 ^ prec.

Lemma shiftr_prec x : Z.shiftr x (Z.of_nat prec) = (x / 2 ^ Z.of_nat prec)%Z.
Proof. apply Z.shiftr_div_pow2. lia. Qed.

Lemma pow2Z_pos e : (0 < 2 ^ Z.of_nat e)%Z.
Proof. apply Z.pow_pos_nonneg; lia. Qed.

Lemma sq_dn_sound a w : (0 <= a)%Z -> fx a <= exp w -> (0 <= sq_dn a)%Z /\ fx (sq_dn a) <= exp (2 * w).
Proof.
  intros Ha H. unfold sq_dn. rewrite shiftr_prec. split.
  - apply Z.div_pos; [nia|apply pow2Z_pos].
  - unfold fx in *. pose proof (IZR_div_le (a * a) _ (pow2Z_pos prec)) as Hd.
    rewrite IZR_pow2, mult_IZR in Hd. pose proof (pow2_posR prec).
    replace (2 * w) with (w + w) by ring. rewrite exp_plus.
    assert (0 <= IZR a / 2 ^ prec) by (unfold Rdiv; apply Rmult_le_pos; [apply IZR_le; lia|left; apply Rinv_0_lt_compat; lra]).
    apply Rle_trans with (IZR a / 2 ^ prec * (IZR a / 2 ^ prec)).
    + apply Rle_trans with (IZR a * IZR a / 2 ^ prec / 2 ^ prec).
      * apply div_le_compat; [lra|exact Hd].
      * right. field. lra.
    + apply Rmult_le_compat; lra.
Qed.

Lemma sq_up_sound a w : exp w <= fx a -> exp (2 * w) <= fx (sq_up a).
Proof.
  intros H. unfold sq_up. rewrite shiftr_prec. unfold fx in *.
  pose proof (IZR_div_gt (a * a) _ (pow2Z_pos prec)) as Hd.
  rewrite IZR_pow2, mult_IZR in Hd. pose proof (pow2_posR prec).
  replace (2 * w) with (w + w) by ring. rewrite exp_plus. rewrite plus_IZR.
  pose proof (exp_pos w).
  apply Rle_trans with (IZR a / 2 ^ prec * (IZR a / 2 ^ prec)).
  + apply Rmult_le_compat; lra.
  + apply Rle_trans with ((IZR (a * a / 2 ^ Z.of_nat prec) + 1) / 2 ^ prec).
    * replace (IZR a / 2 ^ prec * (IZR a / 2 ^ prec)) with (IZR a * IZR a / 2 ^ prec / 2 ^ prec) by (field; lra).
      apply div_le_compat; lra.
    * right. reflexivity.
Qed.

Lemma iter_dn_sound n a w :
  (0 <= a)%Z -> fx a <= exp w -> fx (iter n sq_dn a) <= exp (w * 2 ^ n).
Proof.
  intros Ha H. cut ((0 <= iter n sq_dn a)%Z /\ fx (iter n sq_dn a) <= exp (w * 2 ^ n)); [tauto|].
  induction n as [|n IH]; simpl.
  - rewrite Rmult_1_r. split; assumption.
  - destruct IH as [H1 H2]. destruct (sq_dn_sound _ _ H1 H2) as [H3 H4]. split; [exact H3|].
    replace (w * (2 * 2 ^ n)) with (2 * (w * 2 ^ n)) by ring. exact H4.
Qed.

Lemma iter_up_sound n a w : exp w <= fx a -> exp (w * 2 ^ n) <= fx (iter n sq_up a).
Proof.
  intros H. induction n as [|n IH]; simpl.
  - rewrite Rmult_1_r. exact H.
  - replace (w * (2 * 2 ^ n)) with (2 * (w * 2 ^ n)) by ring. apply sq_up_sound. exact IH.
Qed.

(** Bounds on [exp (n / d)] in fixed point, for [d > 0]. *)
Definition big (d : Z) : Z := (d * 2 ^ Z.of_nat rsq)%Z.

Definition exp_lo (n d : Z) : Z :=
  if (0 <=? big d + n)%Z
  then iter rsq sq_dn ((2 ^ Z.of_nat prec * (big d + n)) / big d)
  else 0%Z.

Definition exp_hi (n d : Z) : Z :=
  if (0 <? big d - n)%Z
  then iter rsq sq_up ((2 ^ Z.of_nat prec * big d) / (big d - n) + 1)
  else (3 ^ (n / d + 1) * 2 ^ Z.of_nat prec)%Z.

Lemma z_scale n d : (0 < d)%Z -> IZR n / IZR (big d) * 2 ^ rsq = IZR n / IZR d.
Proof.
  intros Hd. unfold big. rewrite mult_IZR, IZR_pow2. assert (0 < IZR d) by (apply IZR_lt; lia).
  pose proof (pow2_posR rsq). field. lra.
Qed.

Lemma exp_lo_sound n d : (0 < d)%Z -> fx (exp_lo n d) <= exp (IZR n / IZR d).
Proof.
  intros Hd. unfold exp_lo. assert (Hb : (0 < big d)%Z) by (unfold big; pose proof (pow2Z_pos rsq); nia).
  destruct (Z.leb_spec 0 (big d + n)) as [H|H].
  - rewrite <- (z_scale n d Hd). apply iter_dn_sound.
    + apply Z.div_pos; [pose proof (pow2Z_pos prec); nia|lia].
    + apply Rle_trans with (1 + IZR n / IZR (big d)); [|apply exp_ineq1_le].
      unfold fx. pose proof (IZR_div_le (2 ^ Z.of_nat prec * (big d + n)) (big d) Hb) as Hd'.
      rewrite mult_IZR, plus_IZR, IZR_pow2 in Hd'. pose proof (pow2_posR prec).
      assert (0 < IZR (big d)) by (apply IZR_lt; lia).
      apply Rle_trans with (2 ^ prec * (IZR (big d) + IZR n) / IZR (big d) / 2 ^ prec).
      * apply div_le_compat; lra.
      * right. field. lra.
  - unfold fx. pose proof (pow2_posR prec). replace (IZR 0 / 2 ^ prec) with 0 by (field; lra). left. apply exp_pos.
Qed.

Lemma exp_le_pow3 (k : Z) x : (0 <= k)%Z -> x <= IZR k -> exp x <= IZR (3 ^ k).
Proof.
  intros Hk Hx. apply Rle_trans with (exp (IZR k)); [apply exp_mono; exact Hx|].
  rewrite <- (Z2Nat.id k Hk). generalize (Z.to_nat k) as m. intros m.
  rewrite <- pow_IZR, <- INR_IZR_INZ. induction m as [|m IH].
  - simpl. rewrite exp_0. lra.
  - rewrite S_INR, exp_plus. simpl. pose proof (exp_pos (INR m)).
    rewrite Rmult_comm. pose proof exp_le_3. pose proof (exp_pos 1). apply Rmult_le_compat; lra.
Qed.

Lemma exp_hi_sound n d : (0 < d)%Z -> exp (IZR n / IZR d) <= fx (exp_hi n d).
Proof.
  intros Hd. unfold exp_hi. assert (Hb : (0 < big d)%Z) by (unfold big; pose proof (pow2Z_pos rsq); nia).

  destruct (Z.ltb_spec 0 (big d - n)) as [H|H]; clear -H Hd Hb; assert (0 < IZR (big d)) by (apply IZR_lt; lia); pose proof (pow2_posR prec).
  - rewrite <- (z_scale n d Hd). apply iter_up_sound.
    set (z := IZR n / IZR (big d)).
    assert (Hz : z < 1).
    { unfold z. apply IZR_lt in H. rewrite minus_IZR in H.
      apply Rlt_le_trans with (IZR (big d) / IZR (big d)); [apply div_lt_compat; lra|right; field; lra]. }
    assert (He : exp z <= 1 / (1 - z)).
    { pose proof (exp_ineq1_le (- z)) as E. rewrite exp_Ropp in E. pose proof (exp_pos z).
      replace (1 / (1 - z)) with (/ (1 - z)) by (field; lra).
      replace (exp z) with (/ / exp z) by (field; lra). apply Rinv_le_contravar; [lra|exact E]. }
    apply Rle_trans with (1 := He). unfold fx.
    pose proof (IZR_div_gt (2 ^ Z.of_nat prec * big d) (big d - n) H) as G.
    rewrite mult_IZR, minus_IZR, IZR_pow2 in G. rewrite plus_IZR.
    replace (1 / (1 - z)) with (2 ^ prec * IZR (big d) / (IZR (big d) - IZR n) / 2 ^ prec).
    + apply Rmult_le_compat_r; [left; apply Rinv_0_lt_compat; lra|]. lra.
    + unfold z. apply IZR_lt in H. rewrite minus_IZR in H. field. lra.
  - unfold fx. rewrite mult_IZR, IZR_pow2.
    replace (IZR (3 ^ (n / d + 1)) * 2 ^ prec / 2 ^ prec) with (IZR (3 ^ (n / d + 1))) by (field; lra).
    apply exp_le_pow3.
    + assert (0 <= n)%Z by (unfold big in H; pose proof (pow2Z_pos rsq); nia).
      pose proof (Z.div_pos n d ltac:(lia) Hd). lia.
    + pose proof (IZR_div_gt n d Hd). rewrite plus_IZR. lra.
Qed.

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

Lemma count_le (P Q : list nat -> bool) l :
  (forall s, In s l -> P s = true -> Q s = true) -> (length (filter P l) <= length (filter Q l))%nat.
Proof.
  induction l as [|a l IH]; intros H; simpl; [lia|].
  specialize (IH ltac:(intros; apply H; simpl; auto)).
  destruct (P a) eqn:Ha; [rewrite (H a (or_introl eq_refl) Ha); simpl; lia|].
  destruct (Q a); simpl; lia.
Qed.

End Model.

Section Brute.
Variable N : net.
Local Notation v := (nv N).
Local Notation K := (nK N).
Local Notation h := (nh N).

Lemma neg_pos_mul a b : a < 0 -> 0 < b -> a * b < 0.
Proof. intros. nra. Qed.

(** Bounds on exp(score) from bounds on sqrt(d_head). *)
Definition sq_a : Z := Z.sqrt (Z.of_nat h * 2 ^ 40).
Definition p2 (e : nat) : Z := (2 ^ Z.of_nat e)%Z.
(** Bounds on [exp (inj e S / sqrt d_head)], for an integer [S] at exponent [e]. *)
Definition s_lo_at (e : nat) (S : Z) : Z :=
  if (0 <=? S)%Z then exp_lo (S * p2 20) (p2 e * (sq_a + 1)) else exp_lo (S * p2 20) (p2 e * sq_a).
Definition s_hi_at (e : nat) (S : Z) : Z :=
  if (0 <=? S)%Z then exp_hi (S * p2 20) (p2 e * sq_a) else exp_hi (S * p2 20) (p2 e * (sq_a + 1)).
Definition s_lo (S : Z) : Z := s_lo_at (eS N) S.
Definition s_hi (S : Z) : Z := s_hi_at (eS N) S.

Lemma sqrt_bounds : (0 < h)%nat ->
  0 < IZR sq_a / 2 ^ 20 /\ IZR sq_a / 2 ^ 20 <= sqrt (INR h) <= IZR (sq_a + 1) / 2 ^ 20.
Proof.
  intros Hh. assert (H0 : (0 <= Z.of_nat h * 2 ^ 40)%Z) by lia.
  pose proof (Z.sqrt_spec _ H0) as [H1 H2]. fold sq_a in H1, H2.
  assert (Ha : (0 < sq_a)%Z) by (apply Z.sqrt_pos; lia).
  pose proof (pow2_posR 20) as P.
  assert (E : INR h = IZR (Z.of_nat h * 2 ^ 40) / (2 ^ 20 * 2 ^ 20)).
  { rewrite mult_IZR, <- INR_IZR_INZ. replace (IZR (2 ^ 40)) with (2 ^ 20 * 2 ^ 20) by (simpl; lra). field. }
  split; [apply Rdiv_lt_0_compat; [apply IZR_lt; lia|lra]|split].
  - rewrite <- (sqrt_square (IZR sq_a / 2 ^ 20)) by (apply Rmult_le_pos; [apply IZR_le; lia|left; apply Rinv_0_lt_compat; lra]).
    apply sqrt_le_1_alt. rewrite E. apply IZR_le in H1. rewrite (mult_IZR sq_a) in H1.
    replace (IZR sq_a / 2 ^ 20 * (IZR sq_a / 2 ^ 20)) with (IZR sq_a * IZR sq_a / (2 ^ 20 * 2 ^ 20)) by (field; lra).
    apply div_le_compat; [nra|exact H1].
  - rewrite <- (sqrt_square (IZR (sq_a + 1) / 2 ^ 20)) by (apply Rmult_le_pos; [apply IZR_le; lia|left; apply Rinv_0_lt_compat; lra]).
    apply sqrt_le_1_alt. rewrite E. apply IZR_lt in H2. rewrite (mult_IZR (Z.succ sq_a)), succ_IZR in H2. rewrite plus_IZR.
    replace ((IZR sq_a + 1) / 2 ^ 20 * ((IZR sq_a + 1) / 2 ^ 20)) with ((IZR sq_a + 1) * (IZR sq_a + 1) / (2 ^ 20 * 2 ^ 20)) by (field; lra).
    apply div_le_compat; [nra|lra].
Qed.

Lemma div_bounds y cl c ch : 0 < cl -> cl <= c <= ch ->
  (0 <= y -> y / ch <= y / c <= y / cl) /\ (y < 0 -> y / cl <= y / c <= y / ch).
Proof.
  intros H0 [H1 H2]. assert (/ ch <= / c) by (apply Rinv_le_contravar; lra).
  assert (/ c <= / cl) by (apply Rinv_le_contravar; lra). unfold Rdiv.
  split; intros Hy; split; nra.
Qed.

Lemma s_bounds_at e S : (0 < h)%nat ->
  fx (s_lo_at e S) <= exp (inj e S / sqrt (INR h)) <= fx (s_hi_at e S).
Proof.
  intros Hh. destruct (sqrt_bounds Hh) as [Hp Hs].
  assert (Hb : IZR sq_a / 2 ^ 20 <= IZR (sq_a + 1) / 2 ^ 20) by (rewrite plus_IZR; apply div_le_compat; [apply pow2_posR|lra]).
  destruct (div_bounds (inj e S) _ _ _ Hp Hs) as [Hpos Hneg].
  assert (Ha : (0 < sq_a)%Z) by (apply Z.sqrt_pos; lia).
  pose proof (pow2_posR e). pose proof (pow2_posR 20).
  assert (R1 : forall c, (0 < c)%Z -> IZR (S * p2 20) / IZR (p2 e * c) = inj e S / (IZR c / 2 ^ 20)).
  { intros c Hc. unfold p2, inj. rewrite !mult_IZR, !IZR_pow2. assert (0 < IZR c) by (apply IZR_lt; lia). field. lra. }
  assert (Pc : forall c, (0 < c)%Z -> (0 < p2 e * c)%Z) by (intros; unfold p2; pose proof (pow2Z_pos e); nia).
  unfold s_lo_at, s_hi_at. destruct (Z.leb_spec 0 S) as [HS|HS].
  - assert (0 <= inj e S) by (unfold inj; apply Rmult_le_pos; [apply IZR_le; lia|left; apply Rinv_0_lt_compat; lra]).
    destruct (Hpos H1). split.
    + eapply Rle_trans; [apply exp_lo_sound, Pc; lia|]. apply exp_mono. rewrite R1 by lia. exact H2.
    + eapply Rle_trans; [|apply exp_hi_sound, Pc; lia]. apply exp_mono. rewrite R1 by lia. exact H3.
  - assert (inj e S < 0) by (unfold inj, Rdiv; apply neg_pos_mul; [apply IZR_lt; lia|apply Rinv_0_lt_compat; lra]).
    destruct (Hneg H1). split.
    + eapply Rle_trans; [apply exp_lo_sound, Pc; lia|]. apply exp_mono. rewrite R1 by lia. exact H2.
    + eapply Rle_trans; [|apply exp_hi_sound, Pc; lia]. apply exp_mono. rewrite R1 by lia. exact H3.
Qed.

Lemma s_bounds S : (0 < h)%nat ->
  fx (s_lo S) <= exp (inj (eS N) S / sqrt (INR h)) <= fx (s_hi S).
Proof. apply s_bounds_at. Qed.

(** [lowmul lo hi x] is at most [e * x] for any [e] in [[lo, hi]] (fixed point). *)
Definition lowmul (lo hi x : Z) : Z := if (0 <=? x)%Z then (lo * x)%Z else (hi * x)%Z.

Lemma lowmul_le lo hi x e k : fx lo <= e <= fx hi -> inj (prec + k) (lowmul lo hi x) <= e * inj k x.
Proof.
  intros [H1 H2]. unfold lowmul, fx, inj in *. pose proof (pow2_posR prec). pose proof (pow2_posR k).
  rewrite pow_add. destruct (Z.leb_spec 0 x) as [Hx|Hx]; rewrite mult_IZR.
  - apply IZR_le in Hx.
    replace (IZR lo * IZR x / (2 ^ prec * 2 ^ k)) with (IZR lo / 2 ^ prec * (IZR x / 2 ^ k)) by (field; lra).
    apply Rmult_le_compat_r; [apply Rmult_le_pos; [lra|left; apply Rinv_0_lt_compat; lra]|exact H1].
  - apply IZR_lt in Hx.
    replace (IZR hi * IZR x / (2 ^ prec * 2 ^ k)) with (IZR hi / 2 ^ prec * (IZR x / 2 ^ k)) by (field; lra).
    assert (IZR x / 2 ^ k < 0) by (unfold Rdiv; apply neg_pos_mul; [lra|apply Rinv_0_lt_compat; lra]). nra.
Qed.

(** The brute-force checker *)
Definition margin_lb q (ts : list nat) m o : Z :=
  sumZ K (fun i => let t := nth i ts O in
    let S := SZ N q t i in lowmul (s_lo S) (s_hi S) (MZ N q t i m o)).

Definition check_margins (s : list nat) : bool :=
  let q := tok s (last_pos N) in let m := seqmax s in
  forallb (fun o => orb (Nat.eqb o m) (0 <? margin_lb q s m o)%Z) (seq 0 v).

Lemma check_margins_sound s : (0 < h)%nat -> (0 < v)%nat -> Forall (fun t => (t < v)%nat) s ->
  check_margins s = true -> correct N s = true.
Proof.
  intros Hh Hv Hs Hc. apply correct_of_margins; [apply seqmax_lt; assumption|].
  intros o Ho Hne. unfold check_margins in Hc. rewrite forallb_forall in Hc.
  specialize (Hc o (proj2 (in_seq _ _ _) (conj (Nat.le_0_l o) Ho))).
  apply Bool.orb_true_iff in Hc. destruct Hc as [Hc|Hc]; [apply Nat.eqb_eq in Hc; contradiction|].
  apply Z.ltb_lt in Hc. unfold margin_lb in Hc.
  apply Rlt_le_trans with (inj (prec + eM N) (margin_lb (tok s (last_pos N)) s (seqmax s) o)).
  - apply inj_pos_iff. exact Hc.
  - unfold margin_lb. rewrite <- sumR_inj. apply sumR_le. intros i Hi.
    apply lowmul_le. rewrite score_inj. apply s_bounds. exact Hh.
Qed.

(** The count of inputs the checker proves, over all v^K inputs. *)
Definition brute_count : nat := length (filter check_margins (all_seqs K v)).

(* the checker's count is a lower bound on the number of correct inputs *)
Theorem brute_sound : (0 < h)%nat -> (0 < v)%nat -> (brute_count <= n_correct N)%nat.
Proof.
Admitted.

End Brute.
