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

Local Open Scope R_scope.

(** * Inputs *)
Lemma all_seqs_spec k v s : In s (all_seqs k v) -> length s = k /\ Forall (fun t => (t < v)%nat) s.
Proof.
  revert s. induction k as [|k IH]; intros s Hs; simpl in Hs.
  - destruct Hs as [<-|[]]. split; [reflexivity|constructor].
  - apply in_flat_map in Hs. destruct Hs as [t [Ht Hs]]. apply in_map_iff in Hs.
    destruct Hs as [s' [<- Hs']]. apply in_seq in Ht. destruct (IH s' Hs') as [Hl Hf].
    split; [simpl; lia|constructor; [lia|exact Hf]].
Qed.

Lemma count_le (P Q : list nat -> bool) l :
  (forall s, In s l -> P s = true -> Q s = true) -> (length (filter P l) <= length (filter Q l))%nat.
Proof.
  induction l as [|a l IH]; intros H; simpl; [lia|].
  specialize (IH ltac:(intros; apply H; simpl; auto)).
  destruct (P a) eqn:Ha; [rewrite (H a (or_introl eq_refl) Ha); simpl; lia|].
  destruct (Q a); simpl; lia.
Qed.

End Model.

Lemma nth_map_seq {A} (f : nat -> A) n i d : (i < n)%nat -> nth i (map f (seq 0 n)) d = f i.
Proof.
  intros H. rewrite nth_indep with (d' := f 0%nat) by (rewrite map_length, seq_length; exact H).
  rewrite map_nth, seq_nth by exact H. reflexivity.
Qed.

Definition prodZ (l : list Z) : Z := fold_right Z.mul 1%Z l.
Definition sumL (l : list Z) : Z := fold_right Z.add 0%Z l.

(** Does the sequence lie in the box (one predicate per position)? *)
Fixpoint fits (A : list (nat -> bool)) (s : list nat) : bool :=
  match A, s with
  | a :: A', t :: s' => a t && fits A' s'
  | [], [] => true
  | _, _ => false
  end.

Definition box_size (v : nat) (A : list (nat -> bool)) : Z :=
  prodZ (map (fun a => Z.of_nat (length (filter a (seq 0 v)))) A).

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

Lemma count_cons_map (a : nat -> bool) A t X :
  length (filter (fits (a :: A)) (map (cons t) X)) = if a t then length (filter (fits A) X) else O.
Proof.
  induction X as [|x X IH]; [destruct (a t); reflexivity|]. cbn [map filter].
  change (fits (a :: A) (t :: x)) with (andb (a t) (fits A x)).
  destruct (a t), (fits A x); cbn [andb length]; rewrite IH; reflexivity.
Qed.

Lemma count_flat A a X L :
  length (filter (fits (a :: A)) (flat_map (fun t => map (cons t) X) L)) =
  (length (filter a L) * length (filter (fits A) X))%nat.
Proof.
  induction L as [|t L IH]; [reflexivity|]. cbn [flat_map].
  rewrite filter_app, app_length, count_cons_map, IH. cbn [filter length]. destruct (a t); simpl; lia.
Qed.

(** The number of inputs in a box is the product of the per-position counts. *)
Lemma box_count A v : Z.of_nat (length (filter (fits A) (all_seqs (length A) v))) = box_size v A.
Proof.
  unfold box_size, prodZ. induction A as [|a A IH]; [reflexivity|]. cbn [length all_seqs map fold_right].
  rewrite count_flat, Nat2Z.inj_mul, IH. reflexivity.
Qed.

Lemma NoDup_app' {X} (l1 l2 : list X) :
  NoDup l1 -> NoDup l2 -> (forall x, In x l1 -> ~ In x l2) -> NoDup (l1 ++ l2).
Proof.
  induction l1 as [|a l1 IH]; intros H1 H2 H; simpl; [exact H2|].
  inversion H1 as [|b l Hb Hl]; subst. constructor.
  - rewrite in_app_iff. intros [H'|H']; [contradiction|]. exact (H a (or_introl eq_refl) H').
  - apply IH; auto. intros x Hx. apply H. right. exact Hx.
Qed.

Lemma NoDup_all_seqs k v : NoDup (all_seqs k v).
Proof.
  induction k as [|k IH]; simpl; [constructor; [intros []|constructor]|].
  generalize (seq_NoDup v 0). generalize (seq 0 v). intros L HL.
  induction L as [|t L IHL]; simpl; [constructor|]. inversion HL as [|b l Hb Hl]; subst.
  apply NoDup_app'.
  - apply Injective_map_NoDup; [intros x y E; injection E; auto|exact IH].
  - apply IHL. assumption.
  - intros x Hx Hx'. apply in_map_iff in Hx. destruct Hx as [s [<- _]].
    apply in_flat_map in Hx'. destruct Hx' as [t' [Ht' Hs]]. apply in_map_iff in Hs.
    destruct Hs as [s' [E _]]. injection E as -> _. contradiction.
Qed.

Lemma filter_le_one {I} (Is : list I) (f : I -> bool) (k : I) :
  NoDup Is -> (forall i, In i Is -> f i = true -> i = k) -> (length (filter f Is) <= 1)%nat.
Proof.
  induction Is as [|i Is IH]; intros ND H; simpl; [lia|]. inversion ND as [|b l Hb Hl]; subst.
  destruct (f i) eqn:E.
  - assert (i = k) by (apply H; simpl; auto). subst.
    destruct (filter f Is) as [|j l] eqn:F; [simpl; lia|exfalso].
    assert (Hj : In j (filter f Is)) by (rewrite F; left; reflexivity).
    apply filter_In in Hj. destruct Hj as [Hj Hfj].
    pose proof (H j (or_intror Hj) Hfj). subst. contradiction.
  - apply IH; auto. intros j Hj. apply H. right. exact Hj.
Qed.

Lemma sum_filters_cons {X I} (Is : list I) (G : I -> X -> bool) x l :
  list_sum (map (fun i => length (filter (G i) (x :: l))) Is) =
  (length (filter (fun i => G i x) Is) + list_sum (map (fun i => length (filter (G i) l)) Is))%nat.
Proof.
  induction Is as [|i Is IH]; simpl in *; [reflexivity|]. rewrite IH.
  destruct (G i x); simpl; lia.
Qed.

Lemma sum_filters_le {X I} (l : list X) (Is : list I) (G : I -> X -> bool) (C : X -> bool) (key : X -> I) :
  NoDup Is ->
  (forall i x, In i Is -> In x l -> G i x = true -> key x = i /\ C x = true) ->
  (list_sum (map (fun i => length (filter (G i) l)) Is) <= length (filter C l))%nat.
Proof.
  intros ND. induction l as [|x l IH]; intros H.
  { simpl. clear. induction Is; simpl; lia. }
  rewrite (sum_filters_cons Is G x l). simpl.
  specialize (IH ltac:(intros i y Hi Hy; apply H; simpl; auto)).
  destruct (C x) eqn:Cx; simpl.
  - pose proof (filter_le_one Is (fun i => G i x) (key x) ND ltac:(intros i Hi Hg; symmetry; apply (H i x Hi (or_introl eq_refl) Hg))). lia.
  - destruct (filter (fun i => G i x) Is) as [|j l'] eqn:F; [simpl; lia|exfalso].
    assert (Hj : In j (filter (fun i => G i x) Is)) by (rewrite F; left; reflexivity).
    apply filter_In in Hj. destruct (H j x (proj1 Hj) (or_introl eq_refl) (proj2 Hj)) as [_ Hc].
    rewrite Hc in Cx. discriminate.
Qed.

(** Disjoint families: each input lies in at most one part (its key), so the parts' counts add up to at most the total. *)
Lemma part_le {X I} (l : list X) (Is : list I) (c : I -> Z) (G : I -> X -> bool) (C : X -> bool) (key : X -> I) :
  NoDup Is ->
  (forall i, In i Is -> (c i <= Z.of_nat (length (filter (G i) l)))%Z) ->
  (forall i x, In i Is -> In x l -> G i x = true -> key x = i /\ C x = true) ->
  (sumL (map c Is) <= Z.of_nat (length (filter C l)))%Z.
Proof.
  intros ND Hc H. pose proof (sum_filters_le l Is G C key ND H) as S.
  apply Z.le_trans with (Z.of_nat (list_sum (map (fun i => length (filter (G i) l)) Is))); [|lia].
  clear S H ND. induction Is as [|i Is IH]; simpl; [lia|].
  rewrite Nat2Z.inj_add. pose proof (Hc i (or_introl eq_refl)).
  specialize (IH ltac:(intros j Hj; apply Hc; right; exact Hj)). lia.
Qed.

Lemma seqmax_le s m : (forall x, In x s -> (x <= m)%nat) -> (seqmax s <= m)%nat.
Proof. induction s as [|x s IH]; intros H; simpl; [lia|]. pose proof (H x (or_introl eq_refl)). specialize (IH ltac:(intros; apply H; right; assumption)). lia. Qed.

Lemma seqmax_ge s x : In x s -> (x <= seqmax s)%nat.
Proof. induction s as [|y s IH]; simpl; [tauto|]. intros [<-|H]; [lia|]. specialize (IH H). lia. Qed.

Section Cubic.
Local Open Scope nat_scope.
Variable N : net.
Local Notation K := (nK N).
Local Notation d := (nd N).
Local Notation km1 := (nK N - 1)%nat.

(** ** The combinatorial part, over a per-position term [term t i] for fixed (q, m) *)
Definition pats : list (list nat) := all_seqs km1 2.

Definition valid (q m : nat) (P : list nat) : bool :=
  (q <=? m) && ((q =? m) || existsb (Nat.eqb 1) P).

Definition box_preds (q m : nat) (P : list nat) (t' : nat) : list (nat -> bool) :=
  map (fun i => if Nat.eqb (nth i P O) 1 then Nat.eqb m else fun t => t <=? t') (seq 0 km1) ++ [Nat.eqb q].

Local Open Scope R_scope.

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

Definition pattern (m : nat) (s : list nat) : list nat :=
  map (fun i => if Nat.eqb (tok s i) m then 1%nat else O) (seq 0 km1).

Definition pat_eqb (a b : list nat) : bool := if list_eq_dec Nat.eq_dec a b then true else false.

Lemma box_pattern q m P t' s : (0 < K)%nat -> length P = km1 -> Forall (fun b => (b < 2)%nat) P -> (t' < m)%nat ->
  fits (box_preds q m P t') s = true -> pattern m s = P.
Proof.
  intros HK HP Hb Ht H. destruct (in_box q m P t' s HK H) as (Hl & Hq & Hm & Hf).
  apply nth_ext with (d := O) (d' := O). { unfold pattern. rewrite map_length, seq_length. auto. }
  intros i Hi. unfold pattern in *. rewrite map_length, seq_length in Hi.
  rewrite (nth_map_seq (fun i => if Nat.eqb (tok s i) m then 1%nat else O)) by exact Hi.
  destruct (Nat.eq_dec (nth i P O) 1) as [E|E].
  - rewrite (Hm i Hi E), Nat.eqb_refl. auto.
  - specialize (Hf i Hi E). destruct (Nat.eqb_spec (tok s i) m); [lia|].
    rewrite Forall_forall in Hb. assert (Hin : In (nth i P O) P) by (apply nth_In; lia).
    specialize (Hb _ Hin). lia.
Qed.

End Cubic.

Section Subcubic.
Local Open Scope nat_scope.
Variable N : net.
Local Notation v := (nv N).
Local Notation K := (nK N).
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

(* a count of boxes that a finder proves sound is at most the number of correct inputs *)
Theorem cnt_sound : (cnt <= Z.of_nat (n_correct N))%Z.
Proof.
Admitted.

End Count.
End Subcubic.
