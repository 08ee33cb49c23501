(** Brute force: every input is checked with exact integer path tables and
    fixed-point bounds on exp; the checker's soundness is proven once for all
    weights. *)
From Coq Require Import ZArith Reals Lra Lia List.
From NNCert Require Import MaxOfK ExpBounds.
Import ListNotations.
Open Scope R_scope.

(** [vecmat n p u M]: the row vector [u] (length n) times the n x p matrix [M]
    (the matrix entry is the left factor: [Z.mul] costs less with the shorter number first). *)
Definition vecmat (n p : nat) (u : list Z) (M : list (list Z)) : list Z :=
  map (fun c => sumZ n (fun j => (ent M j c * nth j u 0)%Z)) (seq 0 p).

Lemma nth_map_seq {A} (f : nat -> A) n i d : (i < n)%nat -> nth i (map f (seq 0 n)) d = f i.
Proof.
  intros H. rewrite nth_indep with (d' := f 0%nat) by (rewrite map_length, seq_length; exact H).
  rewrite map_nth, seq_nth by exact H. reflexivity.
Qed.

Lemma nth_vecmat n p u M c : (c < p)%nat ->
  nth c (vecmat n p u M) 0%Z = sumZ n (fun j => (nth j u 0 * ent M j c)%Z).
Proof.
  intros H. unfold vecmat. rewrite (nth_map_seq (fun c => sumZ n (fun j => (ent M j c * nth j u 0)%Z))) by exact H.
  apply sumZ_ext. intros; apply Z.mul_comm.
Qed.

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

Lemma ovvec_spec t i o : (o < v)%nat -> nth o (ovvec t i) 0%Z = OVZ N t i o.
Proof.
  intros Ho. unfold ovvec. rewrite nth_vecmat by exact Ho. unfold OVZ. apply sumZ_ext. intros j Hj.
  f_equal. rewrite nth_vecmat by exact Hj. unfold oZ. apply sumZ_ext. intros hh Hh.
  f_equal. rewrite nth_vecmat by exact Hh. unfold vZ. apply sumZ_ext. intros j' Hj'.
  rewrite xrow_nth by exact Hj'. reflexivity.
Qed.

Lemma dvec_spec q o : (o < v)%nat -> nth o (dvec q) 0%Z = DZ N q o.
Proof.
  intros Ho. unfold dvec. rewrite nth_vecmat by exact Ho. unfold DZ. apply sumZ_ext. intros j Hj.
  rewrite xrow_nth by exact Hj. reflexivity.
Qed.

Definition score_of (qv kv : list Z) : Z := sumZ h (fun hh => (nth hh qv 0 * nth hh kv 0)%Z).

Lemma score_of_spec q t i : score_of (qvec q) (kvec t i) = SZ N q t i.
Proof.
  unfold score_of, SZ. apply sumZ_ext. intros hh Hh. unfold qvec, kvec.
  rewrite !nth_vecmat by exact Hh. unfold qZ, kZ. f_equal; apply sumZ_ext; intros j Hj;
  rewrite xrow_nth by exact Hj; reflexivity.
Qed.

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

Theorem brute_sound : (0 < h)%nat -> (0 < v)%nat -> (brute_count <= n_correct N)%nat.
Proof.
  intros Hh Hv. unfold brute_count, n_correct. apply count_le. intros s Hin Hc.
  apply check_margins_sound; try assumption. apply (all_seqs_spec _ _ _ Hin).
Qed.

(** The same checker reading shared tables (what is run). *)
Definition ov_tab : list (list (list Z)) := tab2 v K ovvec.
Definition d_tab : list (list Z) := map dvec (seq 0 v).
Definition b_tab : list (list (list (Z * Z))) :=
  tab2 v v (fun q t => map (fun i => let S := score_of (qvec q) (kvec t i) in (s_lo S, s_hi S)) (seq 0 K)).

Definition margin_fast (ovt : list (list (list Z))) (dt : list (list Z)) (bt : list (list (list (Z * Z))))
    q (ts : list nat) m o : Z :=
  sumZ K (fun i => let t := nth i ts O in
    let ov := nth i (nth t ovt []) [] in let dq := nth q dt [] in
    let b := nth i (nth t (nth q bt []) []) (0%Z, 0%Z) in
    lowmul (fst b) (snd b)
      (nth m ov 0 - nth o ov 0 + (nth m dq 0 - nth o dq 0) * 2 ^ Z.of_nat (eV N + eO N))%Z).

Definition check_fast ovt dt bt (s : list nat) : bool :=
  let q := tok s (last_pos N) in let m := seqmax s in
  forallb (fun o => orb (Nat.eqb o m) (0 <? margin_fast ovt dt bt q s m o)%Z) (seq 0 v).

Definition brute_count_fast : nat :=
  let ovt := ov_tab in let dt := d_tab in let bt := b_tab in
  length (filter (check_fast ovt dt bt) (all_seqs K v)).

Lemma margin_fast_eq s m o : (0 < K)%nat -> (0 < v)%nat -> Forall (fun t => (t < v)%nat) s ->
  (m < v)%nat -> (o < v)%nat ->
  margin_fast ov_tab d_tab b_tab (tok s (last_pos N)) s m o = margin_lb (tok s (last_pos N)) s m o.
Proof.
  intros HK Hv Hs Hm Ho. unfold margin_fast, margin_lb. apply sumZ_ext. intros i Hi.
  pose proof (tok_lt v s i Hs Hv) as Ht. pose proof (tok_lt v s (last_pos N) Hs Hv) as Hq.
  unfold tok in Ht, Hq. unfold ov_tab, d_tab, b_tab.
  rewrite (nth_tab2 v K ovvec) by assumption.
  rewrite (nth_map_seq dvec) by assumption. unfold tok.
  rewrite (nth_tab2 v v) by assumption. rewrite (nth_map_seq (fun i => _)) by assumption.
  simpl. rewrite score_of_spec. unfold MZ.
  rewrite !ovvec_spec, !dvec_spec by assumption. reflexivity.
Qed.

Theorem brute_fast_sound : (0 < h)%nat -> (0 < v)%nat -> (0 < K)%nat -> (brute_count_fast <= n_correct N)%nat.
Proof.
  intros Hh Hv HK. unfold brute_count_fast, n_correct. apply count_le. intros s Hin Hc.
  destruct (all_seqs_spec _ _ _ Hin) as [_ Hs].
  apply check_margins_sound; try assumption. unfold check_fast, check_margins in *.
  rewrite forallb_forall in *. intros o Ho. specialize (Hc o Ho). apply in_seq in Ho.
  destruct (Nat.eqb o (seqmax s)) eqn:E; [reflexivity|]. simpl in *.
  rewrite margin_fast_eq in Hc by (try assumption; try lia; apply seqmax_lt; assumption). exact Hc.
Qed.
End Brute.
