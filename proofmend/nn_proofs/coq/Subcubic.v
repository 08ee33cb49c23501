(** The subcubic certificate: the boxes of the cubic checker (query token q,
    max m, positions holding m, every other key position at most t'), each
    bounded with O(1) work from O(v^2) tables. Values are taken apart path by
    path with their own least margins; the key-side attention is a rank-1
    "size" part plus an error whose spread per query row is bounded without
    forming the v x v score table, from a hint basis of the key vectors (any
    hint is sound: the residual is exact). Proven sound once, for all
    weights and all hints. *)
From Coq Require Import ZArith Reals Lra Lia List.
From NNCert Require Import MaxOfK ExpBounds Brute Cubic.
Import ListNotations.
Open Scope R_scope.

(** * Finding a workable t' *)
Fixpoint bsearch (ok : nat -> bool) (fuel lo hi : nat) (best : option nat) : option nat :=
  match fuel with
  | O => best
  | S f => if (hi <=? lo)%nat then best else
      let mid := Nat.div2 (lo + hi) in
      if ok mid then bsearch ok f (S mid) hi (Some mid) else bsearch ok f lo mid best
  end.

(** [m - 1] if it works, else a binary search below it; any answer is checked. *)
Definition find_t (ok : nat -> bool) (m : nat) : option nat :=
  match m with O => None | S m' => if ok m' then Some m' else bsearch ok m O m' None end.

Lemma div2_lt lo hi : (lo < hi)%nat -> (Nat.div2 (lo + hi) < hi)%nat.
Proof. intros H. rewrite Nat.div2_div. apply Nat.div_lt_upper_bound; lia. Qed.

Lemma bsearch_spec ok fuel lo hi best B t :
  (forall t, best = Some t -> (t < B)%nat /\ ok t = true) -> (hi <= B)%nat ->
  bsearch ok fuel lo hi best = Some t -> (t < B)%nat /\ ok t = true.
Proof.
  revert lo hi best. induction fuel as [|f IH]; intros lo hi best Hb Hh E; simpl in E; [apply Hb; exact E|].
  destruct (Nat.leb_spec hi lo) as [_|Hlt]; [apply Hb; exact E|].
  pose proof (div2_lt lo hi Hlt) as Hm.
  destruct (ok (Nat.div2 (lo + hi))) eqn:Ok.
  - refine (IH _ _ _ _ Hh E). intros t' E'. injection E' as <-. split; [lia|exact Ok].
  - refine (IH lo _ best Hb _ E). lia.
Qed.

Lemma find_t_spec ok m t : find_t ok m = Some t -> (t < m)%nat /\ ok t = true.
Proof.
  unfold find_t. destruct m as [|m']; [discriminate|]. destruct (ok m') eqn:Ok.
  - intros E. injection E as <-. split; [lia|exact Ok].
  - apply bsearch_spec; [discriminate|lia].
Qed.

(** * Integer helpers *)
Lemma fold_min_le x z l : In x l -> (fold_right Z.min z l <= x)%Z.
Proof. induction l as [|y l IH]; simpl; [tauto|]. intros [<-|H]; [lia|]. specialize (IH H). lia. Qed.

Lemma minlist_le x l : In x l -> (minlist l <= x)%Z.
Proof. apply fold_min_le. Qed.

Fixpoint prefmax_aux (acc : Z) (l : list Z) : list Z :=
  match l with [] => [] | x :: l' => let a := Z.max acc x in a :: prefmax_aux a l' end.
Definition prefmax (l : list Z) : list Z :=
  match l with [] => [] | x :: _ => prefmax_aux x l end.

Lemma prefmax_aux_spec acc l t' : (t' < length l)%nat ->
  (acc <= nth t' (prefmax_aux acc l) 0)%Z /\
  (forall t, (t <= t')%nat -> nth t l 0 <= nth t' (prefmax_aux acc l) 0)%Z.
Proof.
  revert acc t'. induction l as [|x l IH]; intros acc t' Ht; simpl in Ht; [lia|].
  destruct t' as [|t']; simpl.
  - split; [lia|]. intros t Hle. assert (t = 0%nat) by lia. subst. simpl. lia.
  - destruct (IH (Z.max acc x) t' ltac:(lia)) as [H1 H2]. split; [lia|].
    intros [|t] Hle; simpl; [lia|]. apply H2. lia.
Qed.

Lemma prefmax_ge l t t' : (t <= t')%nat -> (t' < length l)%nat -> (nth t l 0 <= nth t' (prefmax l) 0)%Z.
Proof. intros H1 H2. destruct l as [|x l]; simpl in H2; [lia|]. apply (prefmax_aux_spec x (x :: l)); simpl; lia. Qed.

Lemma prefmax_aux_length acc l : length (prefmax_aux acc l) = length l.
Proof. revert acc. induction l as [|x l IH]; intros acc; simpl; [reflexivity|]. rewrite IH. reflexivity. Qed.

Lemma prefmax_length l : length (prefmax l) = length l.
Proof. destruct l as [|x l]; [reflexivity|]. apply prefmax_aux_length. Qed.

Definition rangeZ (l : list Z) : Z := (maxlist l - minlist l)%Z.

Lemma sumZ_scal n c f : (c * sumZ n f = sumZ n (fun i => c * f i))%Z.
Proof. induction n as [|n IH]; simpl; [ring|]. rewrite <- IH. ring. Qed.

Lemma sumZ_swap n m f :
  sumZ n (fun i => sumZ m (fun j => f i j)) = sumZ m (fun j => sumZ n (fun i => f i j)).
Proof.
  induction n as [|n IH]; simpl.
  - induction m as [|m IHm]; simpl; [reflexivity|]. rewrite <- IHm. reflexivity.
  - rewrite IH. symmetry. apply (sumZ_plus m (fun j => sumZ n (fun i => f i j)) (fun j => f n j)).
Qed.

Lemma sumZ_le n f g : (forall i, (i < n)%nat -> f i <= g i)%Z -> (sumZ n f <= sumZ n g)%Z.
Proof.
  induction n as [|n IH]; intros H; simpl; [lia|].
  pose proof (H n ltac:(lia)). pose proof (IH ltac:(intros; apply H; lia)). lia.
Qed.

Lemma sumZ_minus n f g : (sumZ n f - sumZ n g = sumZ n (fun i => f i - g i))%Z.
Proof. induction n as [|n IH]; simpl; [ring|]. rewrite <- IH. ring. Qed.

(** The spread of [a . b_t] over [t] is at most [sum_j |a_j| * range_j]. *)
Lemma spread_le n (a : nat -> Z) (b1 b2 lo hi : nat -> Z) :
  (forall j, (j < n)%nat -> lo j <= b1 j <= hi j /\ lo j <= b2 j <= hi j)%Z ->
  (sumZ n (fun j => a j * b1 j) - sumZ n (fun j => a j * b2 j) <= sumZ n (fun j => Z.abs (a j) * (hi j - lo j)))%Z.
Proof.
  intros H. rewrite sumZ_minus. apply sumZ_le. intros j Hj. destruct (H j Hj) as [[H1 H2] [H3 H4]].
  destruct (Z.abs_spec (a j)) as [[Ha E]|[Ha E]]; rewrite E; nia.
Qed.

Lemma column_bounds (f : nat -> Z) n t : (t < n)%nat ->
  (minlist (map f (seq 0 n)) <= f t <= maxlist (map f (seq 0 n)))%Z.
Proof.
  intros H. assert (Hin : In (f t) (map f (seq 0 n))) by (apply in_map; apply in_seq; lia).
  split; [apply minlist_le|apply maxlist_ge]; exact Hin.
Qed.

Lemma sumZ_if n (b : nat -> bool) a c f g :
  sumZ n (fun i => if b i then a * f i else c * g i)%Z =
  (a * sumZ n (fun i => if b i then f i else 0) + c * sumZ n (fun i => if b i then 0 else g i))%Z.
Proof. induction n as [|n IH]; simpl; [ring|]. rewrite IH. destruct (b n); ring. Qed.

Section Subcubic.
Local Open Scope nat_scope.
Variable N : net.
Local Notation v := (nv N).
Local Notation K := (nK N).
Local Notation d := (nd N).
Local Notation h := (nh N).
Local Notation km1 := (nK N - 1)%nat.

(** ** Counting boxes, for any finder that only answers with sound boxes *)
Section Count.
Variable findq : nat -> nat -> list nat -> option nat.
Hypothesis Hv : 0 < v.
Hypothesis HK : 0 < K.
Hypothesis Hfind : forall q m P t', q < v -> m < v -> q <= m -> valid q m P = true -> In P (pats N) ->
  findq q m P = Some t' -> t' < m /\
  (forall s, In s (all_seqs K v) -> fits (box_preds N q m P t') s = true -> correct N s = true).

Definition cnt_qm (g : list nat -> option nat) (q m : nat) : Z :=
  sumL (map (fun P => if valid q m P then
                        match g P with Some t' => box_size v (box_preds N q m P t') | None => 0%Z end
                      else 0%Z) (pats N)).

Definition cnt_q (f : nat -> list nat -> option nat) (q : nat) : Z :=
  sumL (map (fun m => if q <=? m then let g := f m in cnt_qm g q m else 0%Z) (seq 0 v)).

Definition cnt : Z := sumL (map (fun q => let f := findq q in cnt_q f q) (seq 0 v)).

Lemma cnt_qm_sound q m : q < v -> m < v -> q <= m ->
  (cnt_qm (findq q m) q m <= Z.of_nat (length (filter
     (fun s => (Nat.eqb (tok s km1) q && Nat.eqb (seqmax s) m && correct N s)%bool) (all_seqs K v))))%Z.
Proof.
  intros Hq Hm Hqm. unfold cnt_qm.
  apply part_le with
    (G := fun P s => (pat_eqb (pattern N m s) P && (Nat.eqb (tok s km1) q && Nat.eqb (seqmax s) m && correct N s))%bool)
    (key := pattern N m).
  - apply NoDup_all_seqs.
  - intros P HP. destruct (valid q m P) eqn:Hval; [|lia].
    destruct (findq q m P) as [t'|] eqn:Hf; [|lia].
    destruct (Hfind q m P t' Hq Hm Hqm Hval HP Hf) as [Ht Hbox].
    rewrite <- box_count. rewrite box_preds_length by exact HK. apply Nat2Z.inj_le. apply count_le.
    intros s Hs Hfit. destruct (all_seqs_spec _ _ _ HP) as [HPl HPb].
    destruct (in_box N q m P t' s HK Hfit) as (_ & Htq & _ & _).
    rewrite (box_pattern N q m P t' s HK HPl HPb Ht Hfit), (box_seqmax N q m P t' s HK Hval HPl Ht Hfit), Htq.
    unfold pat_eqb. destruct (list_eq_dec Nat.eq_dec P P) as [_|n]; [|contradiction].
    rewrite !Nat.eqb_refl. simpl. apply Hbox; assumption.
  - intros P s _ _ HG. apply andb_prop in HG. destruct HG as [E HG]. split; [|exact HG].
    unfold pat_eqb in E. destruct (list_eq_dec Nat.eq_dec (pattern N m s) P); [assumption|discriminate].
Qed.

Lemma cnt_q_sound q : q < v ->
  (cnt_q (findq q) q <= Z.of_nat (length (filter (fun s => (Nat.eqb (tok s km1) q && correct N s)%bool) (all_seqs K v))))%Z.
Proof.
  intros Hq. unfold cnt_q.
  apply part_le with (G := fun m s => (Nat.eqb (tok s km1) q && Nat.eqb (seqmax s) m && correct N s)%bool) (key := seqmax).
  - apply seq_NoDup.
  - intros m Hm. apply in_seq in Hm. destruct (Nat.leb_spec q m) as [Hqm|]; [|lia].
    cbv zeta. apply cnt_qm_sound; lia.
  - intros m s _ _ HG. apply andb_prop in HG. destruct HG as [HG Hc]. apply andb_prop in HG.
    destruct HG as [H1 H2]. apply Nat.eqb_eq in H2. split; [exact H2|]. rewrite H1, Hc. reflexivity.
Qed.

Theorem cnt_sound : (cnt <= Z.of_nat (n_correct N))%Z.
Proof.
  unfold n_correct, cnt.
  apply part_le with (G := fun q s => (Nat.eqb (tok s km1) q && correct N s)%bool) (key := fun s => tok s km1).
  - apply seq_NoDup.
  - intros q Hq. apply in_seq in Hq. apply cnt_q_sound. lia.
  - intros q s _ _ HG. apply andb_prop in HG. destruct HG as [H1 H2]. apply Nat.eqb_eq in H1. auto.
Qed.
End Count.

Local Open Scope Z_scope.
(** ** The tables *)
Lemma nth_map_shr r l m : nth m (map (shr r) l) 0 = shr r (nth m l 0).
Proof.
  rewrite <- (map_nth (shr r) l 0 m). f_equal. unfold shr. symmetry. apply Z.shiftr_0_l.
Qed.

Lemma wlist_length a : length a = v -> length (wlist N a) = v.
Proof. intros H. unfold wlist, wlistc. rewrite map_length, combine_length, seq_length. lia. Qed.

(** Parameters and hint (any values are sound): [r] bits dropped from the
    output margins, the roundings of the value and direct paths as in the
    cubic checker; the key vectors in the hint basis: [ke_t = z_t u + sum_l C[t,l] G_l + res_t]. *)
Variables r si sv so su sd : nat.
Variables u z : list Z.
Variables G C : list (list Z).
Local Notation nL := (length G).

(** Least margins per path from the rounded tables (less the rounding width). *)
Definition ge_tab : list (list Z) :=
  let pv := PV N in let po := PO N in let pu := PU N in
  map (fun t => let a := ov_round N r si sv so su pv po pu (erow N t) in wlistc N (snd a) (fst a)) (seq 0 v).
Definition gp_tab : list Z :=
  let pv := PV N in let po := PO N in let pu := PU N in
  let gpi := map (fun i => let a := ov_round N r si sv so su pv po pu (prow N i) in wlistc N (snd a) (fst a)) (seq 0 K) in
  map (fun m => minlist (map (fun row => nth m row 0) gpi)) (seq 0 v).
Definition fl_tab (ge : list (list Z)) : list (list Z) :=
  map (fun m => prefmin (map (fun row => nth m row 0) ge)) (seq 0 v).
Definition gd_of (q : nat) : list Z := let a := d_round N r si sd (PU N) q in wlistc N (snd a) (fst a).

Definition res_row (kr : list Z) (zt : Z) (cr : list Z) : list Z :=
  map (fun j => nth j kr 0 - zt * nth j u 0 - sumZ nL (fun l => nth l cr 0 * nth j (nth l G []) 0)) (seq 0 h).
Definition res_tab (ke : list (list Z)) : list (list Z) :=
  map (fun t => res_row (nth t ke []) (nth t z 0) (nth t C [])) (seq 0 v).
Definition rc_tab : list Z := map (fun l => rangeZ (map (fun t => nth l (nth t C []) 0) (seq 0 v))) (seq 0 nL).
Definition rr_tab (res : list (list Z)) : list Z :=
  map (fun j => rangeZ (map (fun t => nth j (nth t res []) 0) (seq 0 v))) (seq 0 h).

Definition y_of (qv : list Z) : Z := sumZ h (fun j => nth j u 0 * nth j qv 0).
Definition A_of (qv : list Z) (l : nat) : Z := sumZ h (fun j => nth j (nth l G []) 0 * nth j qv 0).
Definition eps_of (rc rr qv : list Z) : Z :=
  sumZ nL (fun l => Z.abs (A_of qv l) * nth l rc 0) + sumZ h (fun j => Z.abs (nth j qv 0) * nth j rr 0).

(** The box finder for query [q]: per query, bounds on exp of the rank-1
    part plus the error spread ([eh], by the largest token), of the
    positional scores ([epl], [eph]); per max [m], the least margin [xm] of
    a max position and the query's own term; per pattern, a search for t'. *)
Definition findq (ge : list (list Z)) (gp : list Z) (fl : list (list Z)) (kp : list (list Z))
    (rc rr : list Z) (q : nat) : nat -> list nat -> option nat :=
  let qv := qvec N q in
  let y := y_of qv in
  let eps := eps_of rc rr qv in
  let eh := map (fun x => s_hi_at N (eS N) (x + eps)) (prefmax (map (fun t => y * nth t z 0) (seq 0 v))) in
  let sp := map (fun i => score_of N qv (nth i kp [])) (seq 0 K) in
  let epl := map (fun s => Z.max 0 (s_lo_at N (eS N) s)) sp in
  let eph := map (fun s => s_hi_at N (eS N) s) sp in
  let gd := gd_of q in
  fun m =>
    let gpd := nth m gp 0 + nth m gd 0 in
    let xm := nth m (nth m ge []) 0 + gpd in
    if 0 <? xm then
      let ea := Z.max 0 (s_lo_at N (eS N) (y * nth m z 0)) in
      let eax := ea * xm in
      let last := if (q =? m)%nat then 0 else Z.min (nth m (nth q ge []) 0 + gpd) 0 * nth q eh 0 * nth km1 eph 0 in
      let flm := nth m fl [] in
      fun P =>
        let pm := sumZ km1 (fun i => if (nth i P O =? 1)%nat then nth i epl 0 else 0) +
                  (if (q =? m)%nat then nth km1 epl 0 else 0) in
        let pf := sumZ km1 (fun i => if (nth i P O =? 1)%nat then 0 else nth i eph 0) in
        let a := pm * eax + last in
        find_t (fun t' => 0 <? a + pf * (Z.min (nth t' flm 0 + gpd) 0 * nth t' eh 0)) m
    else fun _ => None.

Definition sub_count : Z :=
  let ge := ge_tab in
  let gp := gp_tab in
  let fl := fl_tab ge in
  let ke := map (kevec N) (seq 0 v) in
  let kp := map (kpvec N) (seq 0 K) in
  let res := res_tab ke in
  cnt (findq ge gp fl kp rc_tab (rr_tab res)).

(** ** Facts about the tables *)
Lemma ge_nth t m : (t < v)%nat -> nth m (nth t ge_tab []) 0 =
  nth m (wlistc N (snd (ov_round N r si sv so su (PV N) (PO N) (PU N) (erow N t))) (fst (ov_round N r si sv so su (PV N) (PO N) (PU N) (erow N t)))) 0.
Proof.
  intros Ht. unfold ge_tab. cbv zeta. rewrite (nth_map' _ _ _ O) by (rewrite seq_length; exact Ht).
  rewrite seq_nth by exact Ht. reflexivity.
Qed.

Lemma gp_le i m : (i < K)%nat -> (m < v)%nat -> nth m gp_tab 0 <=
  nth m (wlistc N (snd (ov_round N r si sv so su (PV N) (PO N) (PU N) (prow N i))) (fst (ov_round N r si sv so su (PV N) (PO N) (PU N) (prow N i)))) 0.
Proof.
  intros Hi Hm. unfold gp_tab. cbv zeta.
  rewrite (nth_map_seq (fun m => minlist (map (fun row => nth m row 0) _))) by exact Hm.
  apply minlist_le. apply in_map_iff.
  exists (let a := ov_round N r si sv so su (PV N) (PO N) (PU N) (prow N i) in wlistc N (snd a) (fst a)). split; [reflexivity|].
  apply in_map_iff. exists i. split; [reflexivity|]. apply in_seq. lia.
Qed.

Lemma path_margin_lb q t i m o : (q < v)%nat -> (t < v)%nat -> (i < K)%nat -> (m < v)%nat -> (o < v)%nat -> o <> m ->
  (nth m (nth t ge_tab []) 0 + (nth m gp_tab 0 + nth m (gd_of q) 0)) * 2 ^ Z.of_nat r <= MZ N q t i m o.
Proof.
  intros Hq Ht Hi Hm Ho Hne. rewrite ge_nth by exact Ht. pose proof (gp_le i m Hi Hm) as Hgp. unfold gd_of.
  pose proof (wlistc_approx N _ _ _ m o (approx_length N r si sv so su (erow N t))
    (ov_round_spec N r si sv so su (erow N t) (erow_length N t)) Hm Ho Hne) as W1.
  pose proof (wlistc_approx N _ _ _ m o (approx_length N r si sv so su (prow N i))
    (ov_round_spec N r si sv so su (prow N i) (prow_length N i)) Hm Ho Hne) as W2.
  pose proof (wlistc_approx N _ _ _ m o (d_round_length N r si sd q) (d_round_spec N r si sd q) Hm Ho Hne) as W3.
  cbv beta in W1, W2, W3. pose proof (pow2Z_pos r) as Hp.
  set (g2 := nth m (wlistc N (snd (ov_round N r si sv so su (PV N) (PO N) (PU N) (prow N i)))
                              (fst (ov_round N r si sv so su (PV N) (PO N) (PU N) (prow N i)))) 0) in *.
  assert (Hgp' : nth m gp_tab 0 * 2 ^ Z.of_nat r <= g2 * 2 ^ Z.of_nat r) by (apply Z.mul_le_mono_nonneg_r; lia).
  unfold MZ. rewrite !OV_split by assumption. rewrite !chainvec_spec by assumption.
  rewrite !Z.mul_add_distr_r. lia.
Qed.

Lemma fl_le m t t' : (m < v)%nat -> (t <= t')%nat -> (t' < v)%nat ->
  nth t' (nth m (fl_tab ge_tab) []) 0 <= nth m (nth t ge_tab []) 0.
Proof.
  intros Hm H1 H2. unfold fl_tab. rewrite (nth_map_seq (fun m => prefmin _)) by exact Hm.
  assert (L : length ge_tab = v) by (unfold ge_tab; rewrite map_length, seq_length; reflexivity).
  rewrite <- (nth_map' (fun row => nth m row 0) ge_tab t [] 0) by lia.
  apply prefmin_le; [exact H1|rewrite map_length; lia].
Qed.

(** The score of a key token: rank-1 part plus error. *)
Definition ct t l := nth l (nth t C []) 0.
Definition resZ t j := nth j (kevec N t) 0 - nth t z 0 * nth j u 0 - sumZ nL (fun l => ct t l * nth j (nth l G []) 0).
Definition errZ q t := sumZ nL (fun l => A_of (qvec N q) l * ct t l) + sumZ h (fun j => nth j (qvec N q) 0 * resZ t j).

Lemma score_rank1 q t : score_of N (qvec N q) (kevec N t) = y_of (qvec N q) * nth t z 0 + errZ q t.
Proof.
  unfold score_of, errZ, y_of, A_of. set (qv := qvec N q).
  transitivity (sumZ h (fun j => nth t z 0 * (nth j u 0 * nth j qv 0)) +
                sumZ h (fun j => sumZ nL (fun l => ct t l * (nth j (nth l G []) 0 * nth j qv 0))) +
                sumZ h (fun j => nth j qv 0 * resZ t j)).
  { rewrite <- !sumZ_plus. apply sumZ_ext. intros j _.
    assert (E : nth j qv 0 * sumZ nL (fun l => ct t l * nth j (nth l G []) 0) =
                sumZ nL (fun l => ct t l * (nth j (nth l G []) 0 * nth j qv 0))).
    { rewrite sumZ_scal. apply sumZ_ext. intros; ring. }
    rewrite <- E. unfold resZ. ring. }
  rewrite <- sumZ_scal, sumZ_swap.
  rewrite (sumZ_ext nL _ (fun l => sumZ h (fun j => nth j (nth l G []) 0 * nth j qv 0) * ct t l)).
  - ring.
  - intros l _. rewrite Z.mul_comm, sumZ_scal. apply sumZ_ext. intros; ring.
Qed.

Lemma res_nth ke t j : ke = map (kevec N) (seq 0 v) -> (t < v)%nat -> (j < h)%nat ->
  nth j (nth t (res_tab ke) []) 0 = resZ t j.
Proof.
  intros -> Ht Hj. unfold res_tab. rewrite (nth_map_seq (fun t => res_row _ _ _)) by exact Ht.
  unfold res_row. rewrite (nth_map_seq (fun j => _)) by exact Hj.
  rewrite (nth_map_seq (kevec N)) by exact Ht. reflexivity.
Qed.

Lemma err_spread ke q t m : ke = map (kevec N) (seq 0 v) -> (t < v)%nat -> (m < v)%nat ->
  errZ q t - errZ q m <= eps_of rc_tab (rr_tab (res_tab ke)) (qvec N q).
Proof.
  intros Hke Ht Hm. unfold errZ, eps_of.
  assert (E : forall a b c e, a + b - (c + e) = (a - c) + (b - e)) by (intros; ring). rewrite E. clear E.
  apply Z.add_le_mono.
  - unfold rc_tab. rewrite (sumZ_ext _ (fun l => Z.abs (A_of (qvec N q) l) * nth l _ 0)
      (fun l => Z.abs (A_of (qvec N q) l) * (maxlist (map (fun t => ct t l) (seq 0 v)) - minlist (map (fun t => ct t l) (seq 0 v))))).
    + apply spread_le. intros j _. split; apply (column_bounds (fun t' => ct t' j)); assumption.
    + intros l Hl. rewrite (nth_map_seq (fun l => rangeZ _)) by exact Hl. reflexivity.
  - unfold rr_tab. rewrite (sumZ_ext _ (fun j => Z.abs (nth j (qvec N q) 0) * nth j _ 0)
      (fun j => Z.abs (nth j (qvec N q) 0) * (maxlist (map (fun t => resZ t j) (seq 0 v)) - minlist (map (fun t => resZ t j) (seq 0 v))))).
    + apply spread_le. intros j _. split; apply (column_bounds (fun t' => resZ t' j)); assumption.
    + intros j Hj. rewrite (nth_map_seq (fun j => rangeZ _)) by exact Hj. unfold rangeZ. f_equal; f_equal; f_equal;
        apply map_ext_in; intros t' Ht'; apply in_seq in Ht'; apply res_nth; (assumption || lia).
Qed.

(** ** Soundness *)
Definition SPZ q i := score_of N (qvec N q) (kpvec N i).
Definition Gm q t m := nth m (nth t ge_tab []) 0 + (nth m gp_tab 0 + nth m (gd_of q) 0).

Local Open Scope R_scope.
Definition cs (x : Z) : R := inj (eS N) x / sqrt (INR h).
Definition Ebits : nat := (prec + prec + (eM N - r))%nat.

Lemma expc_add a b : exp (cs (a + b)) = exp (cs a) * exp (cs b).
Proof. unfold cs. rewrite <- inj_add, <- exp_plus. f_equal. unfold Rdiv. ring. Qed.

Lemma expc_mono a b : (0 < h)%nat -> (a <= b)%Z -> exp (cs a) <= exp (cs b).
Proof. intros Hh H. unfold cs. apply exp_div_mono; [apply sqrt_lt_R0, lt_0_INR; exact Hh|apply inj_le; exact H]. Qed.

Lemma inj3 a b x k : inj (prec + prec + k) (a * b * x) = fx a * fx b * inj k x.
Proof. unfold inj, fx. rewrite !mult_IZR, !pow_add. pose proof (pow2_pos prec). pose proof (pow2_pos k). field. lra. Qed.

Lemma inj_nonneg e x : (0 <= x)%Z -> 0 <= inj e x.
Proof. intros H. unfold inj. apply Rmult_le_pos; [apply IZR_le; exact H|left; apply Rinv_0_lt_compat, pow2_pos]. Qed.

Lemma inj_nonpos e x : (x <= 0)%Z -> inj e x <= 0.
Proof. intros H. unfold inj. unfold Rdiv. pose proof (pow2_pos e). apply IZR_le in H.
  assert (0 < / 2 ^ e) by (apply Rinv_0_lt_compat; lra). nra. Qed.

Lemma score_split q t i :
  exp (inj (eS N) (SZ N q t i) / sqrt (INR h)) =
  exp (cs (y_of (qvec N q) * nth t z 0%Z)) * exp (cs (errZ q t)) * exp (cs (SPZ q i)).
Proof.
  rewrite S_split, score_rank1. fold (SPZ q i). change (inj (eS N) ?x / sqrt (INR h)) with (cs x).
  rewrite !expc_add. reflexivity.
Qed.

Lemma Gm_le q t i m o : (r <= eM N)%nat -> (q < v)%nat -> (t < v)%nat -> (i < K)%nat -> (m < v)%nat -> (o < v)%nat -> o <> m ->
  inj (eM N - r) (Gm q t m) <= inj (eM N) (MZ N q t i m o).
Proof.
  intros Hr Hq Ht Hi Hm Ho Hne. rewrite (inj_scale (eM N - r) r). replace (eM N - r + r)%nat with (eM N) by lia.
  apply inj_le. apply path_margin_lb; assumption.
Qed.

Lemma term_max q m i o x : (0 < h)%nat -> (0 <= x)%Z -> inj (eM N - r) x <= inj (eM N) (MZ N q m i m o) ->
  exp (cs (errZ q m)) * inj Ebits (Z.max 0 (s_lo_at N (eS N) (y_of (qvec N q) * nth m z 0%Z)) *
                                   Z.max 0 (s_lo_at N (eS N) (SPZ q i)) * x)
  <= exp (inj (eS N) (SZ N q m i) / sqrt (INR h)) * inj (eM N) (MZ N q m i m o).
Proof.
  intros Hh Hx HM. rewrite score_split. unfold Ebits. rewrite inj3.
  set (A := Z.max 0 _). set (B := Z.max 0 (s_lo_at N (eS N) (SPZ q i))).
  assert (HA : 0 <= fx A <= exp (cs (y_of (qvec N q) * nth m z 0%Z))).
  { split; [apply fx_nonneg, Z.le_max_l|]. apply fx_max0; [apply exp_pos|]. apply (s_bounds_at N _ _ Hh). }
  assert (HB : 0 <= fx B <= exp (cs (SPZ q i))).
  { split; [apply fx_nonneg, Z.le_max_l|]. apply fx_max0; [apply exp_pos|]. apply (s_bounds_at N _ _ Hh). }
  pose proof (inj_nonneg (eM N - r) x Hx). pose proof (exp_pos (cs (errZ q m))).
  assert (H1 : fx A * fx B * inj (eM N - r) x <=
               exp (cs (y_of (qvec N q) * nth m z 0%Z)) * exp (cs (SPZ q i)) * inj (eM N) (MZ N q m i m o)).
  { apply Rmult_le_compat; [apply Rmult_le_pos; lra|lra|apply Rmult_le_compat; lra|lra]. }
  replace (exp (cs (y_of (qvec N q) * nth m z 0%Z)) * exp (cs (errZ q m)) * exp (cs (SPZ q i)) * inj (eM N) (MZ N q m i m o))
    with (exp (cs (errZ q m)) * (exp (cs (y_of (qvec N q) * nth m z 0%Z)) * exp (cs (SPZ q i)) * inj (eM N) (MZ N q m i m o))) by ring.
  apply Rmult_le_compat_l; lra.
Qed.

Lemma term_free q m t i o w e0 x : (0 < h)%nat -> (y_of (qvec N q) * nth t z 0 <= w)%Z ->
  (errZ q t - errZ q m <= e0)%Z -> (x <= 0)%Z -> inj (eM N - r) x <= inj (eM N) (MZ N q t i m o) ->
  exp (cs (errZ q m)) * inj Ebits (s_hi_at N (eS N) (w + e0) * s_hi_at N (eS N) (SPZ q i) * x)
  <= exp (inj (eS N) (SZ N q t i) / sqrt (INR h)) * inj (eM N) (MZ N q t i m o).
Proof.
  intros Hh Hw He Hx HM. rewrite score_split. unfold Ebits. rewrite inj3.
  set (a := exp (cs (y_of (qvec N q) * nth t z 0%Z))). set (b := exp (cs (errZ q t))). set (c := exp (cs (SPZ q i))).
  set (F := exp (cs (errZ q m))).
  assert (Hab : a * b <= F * fx (s_hi_at N (eS N) (w + e0))).
  { unfold a, b, F. rewrite <- expc_add.
    replace (y_of (qvec N q) * nth t z 0 + errZ q t)%Z with ((y_of (qvec N q) * nth t z 0 + errZ q t - errZ q m) + errZ q m)%Z by ring.
    rewrite expc_add. rewrite Rmult_comm. apply Rmult_le_compat_l; [left; apply exp_pos|].
    eapply Rle_trans; [apply expc_mono; [exact Hh|]|apply (s_bounds_at N _ _ Hh)]. lia. }
  assert (Hc : c <= fx (s_hi_at N (eS N) (SPZ q i))) by apply (s_bounds_at N _ _ Hh).
  pose proof (inj_nonpos (eM N - r) x Hx) as H. pose proof (exp_pos (cs (y_of (qvec N q) * nth t z 0%Z))) as H1.
  pose proof (exp_pos (cs (errZ q t))) as H2. pose proof (exp_pos (cs (SPZ q i))) as H3. pose proof (exp_pos (cs (errZ q m))) as H4.
  fold a b c F in H1, H2, H3, H4.
  assert (HS : a * b * c <= F * fx (s_hi_at N (eS N) (w + e0)) * fx (s_hi_at N (eS N) (SPZ q i))).
  { apply Rmult_le_compat; [apply Rmult_le_pos; lra|lra|exact Hab|exact Hc]. }
  set (X := inj (eM N - r) x) in *. set (M := inj (eM N) (MZ N q t i m o)) in *.
  assert (P1 : a * b * c * X <= a * b * c * M) by (apply Rmult_le_compat_l; [apply Rmult_le_pos; [apply Rmult_le_pos|]; lra|exact HM]).
  assert (P2 : (F * fx (s_hi_at N (eS N) (w + e0)) * fx (s_hi_at N (eS N) (SPZ q i))) * X <= a * b * c * X)
    by (rewrite !(Rmult_comm _ X); apply Rmult_le_compat_neg_l; [exact H|exact HS]).
  replace (F * (fx (s_hi_at N (eS N) (w + e0)) * fx (s_hi_at N (eS N) (SPZ q i)) * X))
    with ((F * fx (s_hi_at N (eS N) (w + e0)) * fx (s_hi_at N (eS N) (SPZ q i))) * X) by ring.
  lra.
Qed.

Local Open Scope Z_scope.
(** The checker's count is at most the number of correctly classified inputs,
    for all weights, all hints and any [r <= eM]. *)
Theorem sub_sound : (0 < h)%nat -> (0 < v)%nat -> (0 < K)%nat -> (r <= eM N)%nat ->
  (sub_count <= Z.of_nat (n_correct N))%Z.
Proof.
  intros Hh Hv HK Hr. unfold sub_count. cbv zeta. apply cnt_sound; [exact Hv|exact HK|].
  intros q m P t' Hq Hm Hqm Hval HP Hf.
  unfold findq in Hf. cbv zeta in Hf.
  set (ke := map (kevec N) (seq 0 v)) in Hf.
  set (kp := map (kpvec N) (seq 0 K)) in Hf.
  set (qv := qvec N q) in Hf. set (y := y_of qv) in Hf.
  set (eps := eps_of rc_tab (rr_tab (res_tab ke)) qv) in Hf.
  set (zm := prefmax (map (fun t => (y * nth t z 0)%Z) (seq 0 v))) in Hf.
  set (eh := map (fun x => s_hi_at N (eS N) (x + eps)) zm) in Hf.
  set (sp := map (fun i => score_of N qv (nth i kp [])) (seq 0 K)) in Hf.
  set (epl := map (fun s => Z.max 0 (s_lo_at N (eS N) s)) sp) in Hf.
  set (eph := map (fun s => s_hi_at N (eS N) s) sp) in Hf.
  set (gpd := (nth m gp_tab 0 + nth m (gd_of q) 0)%Z) in Hf.
  set (xm := (nth m (nth m ge_tab []) 0 + gpd)%Z) in Hf.
  destruct (Z.ltb_spec 0 xm) as [Hx|Hx]; [|discriminate].
  set (ea := Z.max 0 (s_lo_at N (eS N) (y * nth m z 0))) in Hf.
  set (flm := nth m (fl_tab ge_tab) []) in Hf.
  set (last := if (q =? m)%nat then 0%Z else (Z.min (nth m (nth q ge_tab []) 0 + gpd) 0 * nth q eh 0 * nth km1 eph 0)%Z) in Hf.
  set (pm := (sumZ km1 (fun i => if (nth i P O =? 1)%nat then nth i epl 0 else 0) +
              (if (q =? m)%nat then nth km1 epl 0 else 0))%Z) in Hf.
  set (pf := sumZ km1 (fun i => if (nth i P O =? 1)%nat then 0%Z else nth i eph 0)) in Hf.
  apply find_t_spec in Hf. destruct Hf as [Ht Hok]. apply Z.ltb_lt in Hok. split; [exact Ht|].
  intros s Hs Hfit.
  (* table facts *)
  assert (Lsp : length sp = K) by (unfold sp; rewrite map_length, seq_length; reflexivity).
  assert (Ezm : length zm = v) by (unfold zm; rewrite prefmax_length, map_length, seq_length; reflexivity).
  assert (Epl : forall i, (i < K)%nat -> nth i epl 0%Z = Z.max 0 (s_lo_at N (eS N) (SPZ q i))).
  { intros i Hi. unfold epl. rewrite (nth_map' _ _ _ 0%Z) by lia. unfold sp.
    rewrite (nth_map_seq (fun i => score_of N qv (nth i kp []))) by exact Hi. unfold kp.
    rewrite (nth_map_seq (kpvec N)) by exact Hi. reflexivity. }
  assert (Eph : forall i, (i < K)%nat -> nth i eph 0%Z = s_hi_at N (eS N) (SPZ q i)).
  { intros i Hi. unfold eph. rewrite (nth_map' _ _ _ 0%Z) by lia. unfold sp.
    rewrite (nth_map_seq (fun i => score_of N qv (nth i kp []))) by exact Hi. unfold kp.
    rewrite (nth_map_seq (kpvec N)) by exact Hi. reflexivity. }
  assert (Eeh : forall t, (t < v)%nat -> nth t eh 0%Z = s_hi_at N (eS N) (nth t zm 0 + eps)).
  { intros t0 Ht0. unfold eh. rewrite (nth_map' _ _ _ 0%Z) by lia. reflexivity. }
  assert (Hzm : forall t t0, (t <= t0)%nat -> (t0 < v)%nat -> (y * nth t z 0 <= nth t0 zm 0)%Z).
  { intros t t0 H1 H2. unfold zm. rewrite <- (nth_map_seq (fun t => (y * nth t z 0)%Z) v t 0%Z) by lia.
    apply prefmax_ge; [exact H1|rewrite map_length, seq_length; exact H2]. }
  assert (Herr : forall t, (t < v)%nat -> (errZ q t - errZ q m <= eps)%Z)
    by (intros t0 Ht0; apply err_spread; [reflexivity|exact Ht0|exact Hm]).
  (* the input *)
  destruct (all_seqs_spec _ _ _ Hs) as [Hl Hfs]. destruct (all_seqs_spec _ _ _ HP) as [HPl HPb].
  destruct (in_box N q m P t' s HK Hfit) as (_ & Hq' & HmP & Hf').
  pose proof (box_seqmax N q m P t' s HK Hval HPl Ht Hfit) as Hmax.
  apply correct_of_margins; [apply seqmax_lt; assumption|]. rewrite Hmax. intros o Ho Hne.
  set (ym := Z.min (nth t' flm 0 + gpd) 0).
  set (term := fun i => if (i =? km1)%nat
      then (if (q =? m)%nat then ea * nth km1 epl 0 * xm else nth q eh 0 * nth km1 eph 0 * Z.min (Gm q q m) 0)%Z
      else if (nth i P O =? 1)%nat then (ea * nth i epl 0 * xm)%Z else (nth t' eh 0 * nth i eph 0 * ym)%Z).
  assert (Htot : (pm * (ea * xm) + last + pf * (ym * nth t' eh 0))%Z = sumZ K term).
  { replace K with (S km1) by lia. cbn [sumZ]. unfold term at 2. rewrite Nat.eqb_refl.
    rewrite (sumZ_ext km1 term (fun i => if (nth i P O =? 1)%nat then (ea * xm) * nth i epl 0 else (nth t' eh 0 * ym) * nth i eph 0)%Z).
    - rewrite sumZ_if. unfold pm, pf, last, Gm. fold gpd. destruct (q =? m)%nat; ring.
    - intros i Hi. unfold term. destruct (Nat.eqb_spec i km1); [lia|]. destruct (nth i P O =? 1)%nat; ring. }
  apply Rlt_le_trans with (exp (cs (errZ q m)) * inj Ebits (sumZ K term))%R.
  { apply Rmult_lt_0_compat; [apply exp_pos|]. apply inj_pos_iff. rewrite <- Htot. exact Hok. }
  rewrite <- sumR_inj, sumR_scal_l. apply sumR_le. intros i Hi. rewrite score_inj. unfold last_pos. rewrite Hq'.
  assert (Hti : (tok s i < v)%nat) by (apply tok_lt; assumption).
  unfold term. destruct (Nat.eqb_spec i km1) as [Ei|Ei].
  - subst i. rewrite Hq'. destruct (Nat.eqb_spec q m) as [<-|Hqm'].
    + rewrite Epl by lia. apply term_max; [exact Hh|lia|]. apply Gm_le; (assumption || lia).
    + rewrite Eeh, Eph by lia. apply (term_free q m q km1 o (nth q zm 0) eps); [exact Hh|apply Hzm; lia|apply Herr; exact Hq|lia|].
      eapply Rle_trans; [apply inj_le, Z.le_min_l|]. apply Gm_le; (assumption || lia).
  - assert (Hi' : (i < km1)%nat) by lia. destruct (Nat.eqb_spec (nth i P O) 1) as [E1|E1].
    + rewrite (HmP i Hi' E1). rewrite Epl by lia. apply term_max; [exact Hh|lia|]. apply Gm_le; (assumption || lia).
    + specialize (Hf' i Hi' E1). rewrite Eeh, Eph by lia.
      apply (term_free q m (tok s i) i o (nth t' zm 0) eps); [exact Hh|apply Hzm; lia|apply Herr; exact Hti|unfold ym; lia|].
      eapply Rle_trans; [apply inj_le, Z.le_min_l|]. eapply Rle_trans; [|apply Gm_le with (i := i); (assumption || lia)].
      apply inj_le. unfold Gm, flm. fold gpd. pose proof (fl_le m (tok s i) t' Hm Hf' ltac:(lia)). lia.
Qed.

End Subcubic.
