(** The cubic certificate: inputs are grouped by (query token q, max m,
    positions holding m); within a group every non-max position holds a token
    at most [t'], and one worst-case check over the tokens up to [t'] covers
    the whole box of (t'+1)^f inputs. The path tables come from rounded
    vectors (section [Rounding]), every rounding outwards. Proven sound once,
    for all weights and all roundings. *)
From Coq Require Import ZArith Reals Lra Lia List FinFun.
From NNCert Require Import MaxOfK ExpBounds Brute.
Import ListNotations.
Open Scope R_scope.

(** * List helpers *)
Fixpoint prefmin_aux (acc : Z) (l : list Z) : list Z :=
  match l with [] => [] | x :: l' => let a := Z.min acc x in a :: prefmin_aux a l' end.
Definition prefmin (l : list Z) : list Z :=
  match l with [] => [] | x :: _ => prefmin_aux x l end.

Fixpoint lastpass (n : nat) (l : list Z) (acc : option nat) : option nat :=
  match l with
  | [] => acc
  | x :: l' => lastpass (S n) l' (if (0 <? x)%Z then Some n else acc)
  end.

Fixpoint zipadd (l1 l2 : list Z) : list Z :=
  match l1, l2 with x :: l1', y :: l2' => (x + y)%Z :: zipadd l1' l2' | _, _ => [] end.

Definition maxlist (l : list Z) : Z := fold_right Z.max (hd 0%Z l) l.

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

Lemma lastpass_spec n l acc t : lastpass n l acc = Some t ->
  acc = Some t \/ ((n <= t)%nat /\ (t - n < length l)%nat /\ (0 < nth (t - n) l 0)%Z).
Proof.
  revert n acc. induction l as [|x l IH]; intros n acc H; simpl in H; [left; exact H|].
  destruct (IH _ _ H) as [H'|(H1&H2&H3)].
  - destruct (Z.ltb_spec 0 x) as [Hx|Hx]; [|left; exact H'].
    injection H' as <-. right. rewrite Nat.sub_diag. simpl. lia.
  - right. split; [lia|]. replace (t - n)%nat with (S (t - S n)) by lia. simpl. split; [lia|exact H3].
Qed.

Lemma fold_max_ge x z l : In x l -> (x <= fold_right Z.max z l)%Z.
Proof. induction l as [|y l IH]; simpl; [tauto|]. intros [<-|H]; [lia|]. specialize (IH H). lia. Qed.

Lemma maxlist_ge x l : In x l -> (x <= maxlist l)%Z.
Proof. apply fold_max_ge. Qed.

Lemma zipadd_length l1 l2 : length (zipadd l1 l2) = Nat.min (length l1) (length l2).
Proof. revert l2. induction l1 as [|x l1 IH]; intros [|y l2]; simpl; auto. Qed.

Lemma nth_zipadd l1 l2 i : (i < length l1)%nat -> (i < length l2)%nat ->
  nth i (zipadd l1 l2) 0%Z = (nth i l1 0 + nth i l2 0)%Z.
Proof.
  revert l2 i. induction l1 as [|x l1 IH]; intros [|y l2] i H1 H2; simpl in *; try lia.
  destruct i as [|i]; [reflexivity|]. apply IH; lia.
Qed.

Lemma nth_map' {A B} (f : A -> B) l i d0 d : (i < length l)%nat -> nth i (map f l) d = f (nth i l d0).
Proof.
  intros H. rewrite (nth_indep _ d (f d0)) by (rewrite map_length; exact H). apply map_nth.
Qed.

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

Lemma sumZ_plus n f g : sumZ n (fun i => f i + g i)%Z = (sumZ n f + sumZ n g)%Z.
Proof. induction n as [|n IH]; simpl; [reflexivity|]. rewrite IH. ring. Qed.

Lemma seqmax_le s m : (forall x, In x s -> (x <= m)%nat) -> (seqmax s <= m)%nat.
Proof. induction s as [|x s IH]; intros H; simpl; [lia|]. pose proof (H x (or_introl eq_refl)). specialize (IH ltac:(intros; apply H; right; assumption)). lia. Qed.

Lemma seqmax_ge s x : In x s -> (x <= seqmax s)%nat.
Proof. induction s as [|y s IH]; simpl; [tauto|]. intros [<-|H]; [lia|]. specialize (IH H). lia. Qed.

(** * Rounded vectors: an exact integer vector known up to a uniform width.
    The path tables are computed from embeddings rounded down to fewer bits,
    each product with a weight matrix rounded again; [approx] records what is
    known of the exact table, and [rvm_spec] proves it carried through a product. *)
Definition shr (r : nat) (x : Z) : Z := Z.shiftr x (Z.of_nat r).

Lemma shr_Z k x : (shr k x * 2 ^ Z.of_nat k <= x < (shr k x + 1) * 2 ^ Z.of_nat k)%Z.
Proof.
  unfold shr. rewrite Z.shiftr_div_pow2 by lia. pose proof (pow2Z_pos k) as Hp. split.
  - rewrite Z.mul_comm. apply Z.mul_div_le. exact Hp.
  - pose proof (Z.mul_succ_div_gt x _ Hp) as G. rewrite <- Z.add_1_r in G. lia.
Qed.

Section Rounding.
Local Open Scope Z_scope.
(** [approx n X a s]: [lo_j 2^s <= X j <= (lo_j + c) 2^s] for [j < n], where [a = (lo, c)]. *)
Definition approx (n : nat) (X : nat -> Z) (a : list Z * Z) (s : nat) : Prop :=
  forall j, (j < n)%nat -> nth j (fst a) 0 * 2 ^ Z.of_nat s <= X j <= (nth j (fst a) 0 + snd a) * 2 ^ Z.of_nat s.

Fixpoint dot (l1 l2 : list Z) : Z :=
  match l1, l2 with x :: l1', y :: l2' => x * y + dot l1' l2' | _, _ => 0 end.

Lemma sumZ_shift n f : sumZ (S n) f = f O + sumZ n (fun j => f (S j)).
Proof.
  induction n as [|n IH]; [simpl; ring|].
  change (sumZ (S (S n)) f) with (sumZ (S n) f + f (S n)). rewrite IH. simpl. ring.
Qed.

Lemma dot_sumZ l1 l2 n : length l1 = n -> length l2 = n -> dot l1 l2 = sumZ n (fun j => nth j l1 0 * nth j l2 0).
Proof.
  revert l2 n. induction l1 as [|x l1 IH]; intros l2 n H1 H2; destruct l2 as [|y l2]; simpl in *; subst n;
    try discriminate; [reflexivity|].
  rewrite sumZ_shift. simpl. rewrite (IH l2 (length l1)); [reflexivity|reflexivity|lia].
Qed.

Lemma sumZ_mono n f g : (forall j, (j < n)%nat -> f j <= g j) -> sumZ n f <= sumZ n g.
Proof. induction n as [|n IH]; intros H; simpl; [lia|]. pose proof (H n ltac:(lia)). specialize (IH ltac:(intros; apply H; lia)). lia. Qed.

Lemma sumZ_lin n f g c p : sumZ n (fun j => (f j + c * g j) * p) = (sumZ n f + c * sumZ n g) * p.
Proof. induction n as [|n IH]; simpl; [ring|]. rewrite IH. ring. Qed.

Lemma sumZ_lin3 n f g k c p : sumZ n (fun j => (f j + c * g j + c * k j) * p) = (sumZ n f + c * sumZ n g + c * sumZ n k) * p.
Proof. induction n as [|n IH]; simpl; [ring|]. rewrite IH. ring. Qed.

Lemma approx_term lo c s X M : lo * 2 ^ Z.of_nat s <= X <= (lo + c) * 2 ^ Z.of_nat s ->
  (lo * M + c * Z.min 0 M) * 2 ^ Z.of_nat s <= X * M <= (lo * M + c * Z.min 0 M + c * Z.abs M) * 2 ^ Z.of_nat s.
Proof.
  intros [H1 H2]. pose proof (pow2Z_pos s) as Hp. set (p := 2 ^ Z.of_nat s) in *.
  destruct (Z.le_gt_cases 0 M) as [HM|HM].
  - rewrite Z.min_l, Z.abs_eq by lia. split; nia.
  - rewrite Z.min_r, Z.abs_neq by lia. split; nia.
Qed.

(** A matrix prepared for rounded products: its columns, the sum of each
    column's negative entries, and a bound on every column's sum of absolute values. *)
Record prepd := { pcols : list (list Z); pmins : list Z; pabs : Z }.
Definition prep (n p : nat) (M : list (list Z)) : prepd :=
  {| pcols := map (fun k => map (fun j => ent M j k) (seq 0 n)) (seq 0 p);
     pmins := map (fun k => sumZ n (fun j => Z.min 0 (ent M j k))) (seq 0 p);
     pabs := maxlist (map (fun k => sumZ n (fun j => Z.abs (ent M j k))) (seq 0 p)) |}.

(** [rvm p P s2 a]: the rounded vector [a] times the prepared matrix, [s2] more bits dropped. *)
Definition rvm (p : nat) (P : prepd) (s2 : nat) (a : list Z * Z) : list Z * Z :=
  (map (fun k => shr s2 (dot (fst a) (nth k (pcols P) []) + snd a * nth k (pmins P) 0)) (seq 0 p),
   Z.max 0 (shr s2 (snd a * pabs P)) + 2).

Lemma rvm_length p P s2 a : length (fst (rvm p P s2 a)) = p.
Proof. unfold rvm. simpl. rewrite map_length, seq_length. reflexivity. Qed.

Lemma rvm_spec n p M X a s s2 : length (fst a) = n -> 0 <= snd a -> approx n X a s ->
  approx p (fun k => sumZ n (fun j => X j * ent M j k)) (rvm p (prep n p M) s2 a) (s + s2).
Proof.
  intros Hl Hc H k Hk. unfold rvm, prep. cbn [fst snd pcols pmins pabs].
  rewrite nth_map_seq by exact Hk. cbv beta. rewrite !nth_map_seq by exact Hk.
  rewrite dot_sumZ with (n := n) by (rewrite ?map_length, ?seq_length; auto).
  rewrite (sumZ_ext n (fun j => nth j (fst a) 0 * nth j (map (fun j => ent M j k) (seq 0 n)) 0) (fun j => nth j (fst a) 0 * ent M j k))
    by (intros j Hj; rewrite nth_map_seq by exact Hj; reflexivity).
  set (c := snd a) in *. set (lo := fst a) in *.
  set (base := sumZ n (fun j => nth j lo 0 * ent M j k)).
  set (mn := sumZ n (fun j => Z.min 0 (ent M j k))).
  set (ab := sumZ n (fun j => Z.abs (ent M j k))).
  set (pab := maxlist (map (fun k => sumZ n (fun j => Z.abs (ent M j k))) (seq 0 p))).
  assert (Hab : ab <= pab) by (apply maxlist_ge; apply in_map_iff; exists k; split; [reflexivity|apply in_seq; lia]).
  pose proof (pow2Z_pos s) as Hp. pose proof (pow2Z_pos s2) as Hq.
  set (P := 2 ^ Z.of_nat s) in *. set (Q := 2 ^ Z.of_nat s2) in *.
  assert (E : 2 ^ Z.of_nat (s + s2) = P * Q) by (unfold P, Q; rewrite Nat2Z.inj_add; apply Z.pow_add_r; lia).
  rewrite E.
  assert (L : (base + c * mn) * P <= sumZ n (fun j => X j * ent M j k)).
  { unfold base, mn. rewrite <- sumZ_lin. apply sumZ_mono. intros j Hj. apply approx_term. apply H. exact Hj. }
  assert (U : sumZ n (fun j => X j * ent M j k) <= (base + c * mn + c * ab) * P).
  { unfold base, mn, ab. rewrite <- sumZ_lin3. apply sumZ_mono. intros j Hj. apply approx_term. apply H. exact Hj. }
  pose proof (shr_Z s2 (base + c * mn)) as [S1 S2]. fold Q in S1, S2.
  pose proof (shr_Z s2 (c * pab)) as [_ S3]. fold Q in S3.
  set (A := shr s2 (base + c * mn)) in *. set (B := shr s2 (c * pab)) in *.
  assert (Hcab : c * ab <= c * pab) by (apply Z.mul_le_mono_nonneg_l; lia).
  assert (HB : B * Q <= Z.max 0 B * Q) by (apply Z.mul_le_mono_nonneg_r; lia).
  split.
  - rewrite Z.mul_assoc. apply Z.le_trans with ((base + c * mn) * P); [|exact L].
    rewrite (Z.mul_comm A P), (Z.mul_comm (base + c * mn) P), <- Z.mul_assoc. apply Z.mul_le_mono_nonneg_l; lia.
  - apply Z.le_trans with ((base + c * mn + c * ab) * P); [exact U|].
    rewrite Z.mul_assoc, (Z.mul_comm _ P), (Z.mul_comm _ P), <- Z.mul_assoc. apply Z.mul_le_mono_nonneg_l; [lia|]. nia.
Qed.


Lemma approx_ext n X Y a s : (forall j, (j < n)%nat -> X j = Y j) -> approx n X a s -> approx n Y a s.
Proof. intros E H j Hj. rewrite <- E by exact Hj. apply H. exact Hj. Qed.

(** Exact start: [shr s row] with width 1. *)
Lemma approx_start n row s : approx n (fun j => nth j row 0) (map (shr s) row, 1) s.
Proof.
  intros j _. cbn [fst snd]. replace (nth j (map (shr s) row) 0) with (shr s (nth j row 0)).
  - pose proof (shr_Z s (nth j row 0)). lia.
  - destruct (Nat.lt_ge_cases j (length row)) as [H|H].
    + rewrite (nth_map' (shr s) row j 0 0) by exact H. reflexivity.
    + rewrite !nth_overflow by (rewrite ?map_length; exact H). unfold shr. apply Z.shiftr_0_l.
Qed.

Lemma approx_scale n X a s k : approx n X a s -> approx n (fun j => X j * 2 ^ Z.of_nat k) a (s + k).
Proof.
  intros H j Hj. destruct (H j Hj) as [H1 H2]. pose proof (pow2Z_pos k) as Hk.
  rewrite Nat2Z.inj_add, Z.pow_add_r by lia. rewrite !Z.mul_assoc. split; apply Z.mul_le_mono_nonneg_r; lia.
Qed.

(** Bring an approximation to [2^r] units. *)
Definition rescale (r s : nat) (a : list Z * Z) : list Z * Z :=
  if (s <=? r)%nat then (map (shr (r - s)) (fst a), Z.max 0 (shr (r - s) (snd a)) + 2)
  else (map (fun x => x * 2 ^ Z.of_nat (s - r)) (fst a), snd a * 2 ^ Z.of_nat (s - r)).

Lemma rescale_spec n X a r s : approx n X a s -> approx n X (rescale r s a) r.
Proof.
  intros H j Hj. destruct (H j Hj) as [H1 H2]. unfold rescale.
  destruct (Nat.leb_spec s r) as [Hs|Hs]; cbn [fst snd].
  - assert (E : 2 ^ Z.of_nat r = 2 ^ Z.of_nat (r - s) * 2 ^ Z.of_nat s)
      by (rewrite <- Z.pow_add_r by lia; f_equal; lia).
    rewrite E. set (lo := nth j (fst a) 0) in *.
    replace (nth j (map (shr (r - s)) (fst a)) 0) with (shr (r - s) lo).
    2:{ destruct (Nat.lt_ge_cases j (length (fst a))) as [L|L].
        - rewrite (nth_map' _ _ j 0 0) by exact L. reflexivity.
        - unfold lo. rewrite !nth_overflow by (rewrite ?map_length; exact L). unfold shr. apply Z.shiftr_0_l. }
    pose proof (shr_Z (r - s) lo) as [A1 A2]. pose proof (shr_Z (r - s) (snd a)) as [_ B2].
    pose proof (pow2Z_pos s) as Ps. pose proof (pow2Z_pos (r - s)) as Pr.
    set (Q := 2 ^ Z.of_nat (r - s)) in *. set (P := 2 ^ Z.of_nat s) in *.
    assert (HB : shr (r - s) (snd a) * Q <= Z.max 0 (shr (r - s) (snd a)) * Q) by (apply Z.mul_le_mono_nonneg_r; lia).
    rewrite !Z.mul_assoc. split.
    + apply Z.le_trans with (lo * P); [apply Z.mul_le_mono_nonneg_r; lia|exact H1].
    + apply Z.le_trans with ((lo + snd a) * P); [exact H2|]. apply Z.mul_le_mono_nonneg_r; lia.
  - assert (E : 2 ^ Z.of_nat s = 2 ^ Z.of_nat (s - r) * 2 ^ Z.of_nat r)
      by (rewrite <- Z.pow_add_r by lia; f_equal; lia).
    replace (nth j (map (fun x => x * 2 ^ Z.of_nat (s - r)) (fst a)) 0) with (nth j (fst a) 0 * 2 ^ Z.of_nat (s - r)).
    2:{ destruct (Nat.lt_ge_cases j (length (fst a))) as [L|L].
        - rewrite (nth_map' _ _ j 0 0) by exact L. reflexivity.
        - rewrite !nth_overflow by (rewrite ?map_length; exact L). reflexivity. }
    rewrite E in H1, H2. split; [rewrite <- Z.mul_assoc; exact H1|].
    replace ((nth j (fst a) 0 * 2 ^ Z.of_nat (s - r) + snd a * 2 ^ Z.of_nat (s - r)) * 2 ^ Z.of_nat r)
      with ((nth j (fst a) 0 + snd a) * (2 ^ Z.of_nat (s - r) * 2 ^ Z.of_nat r)) by ring. exact H2.
Qed.

(** Products of two rounded numbers. *)
Lemma approx_mul2 x c1 s1 X y c2 s2 Y :
  x * 2 ^ Z.of_nat s1 <= X <= (x + c1) * 2 ^ Z.of_nat s1 ->
  y * 2 ^ Z.of_nat s2 <= Y <= (y + c2) * 2 ^ Z.of_nat s2 ->
  (x * y + c2 * Z.min 0 x + c1 * Z.min 0 y) * 2 ^ Z.of_nat (s1 + s2) <= X * Y <=
  (x * y + c2 * Z.max 0 x + c1 * Z.max 0 y + c1 * c2) * 2 ^ Z.of_nat (s1 + s2).
Proof.
  intros [H1 H2] [H3 H4]. rewrite Nat2Z.inj_add, Z.pow_add_r by lia.
  pose proof (pow2Z_pos s1) as Hp. pose proof (pow2Z_pos s2) as Hq.
  set (p := 2 ^ Z.of_nat s1) in *. set (q := 2 ^ Z.of_nat s2) in *.
  set (al := X - x * p). set (be := Y - y * q).
  assert (A1 : 0 <= al <= c1 * p) by (unfold al; lia). assert (B1 : 0 <= be <= c2 * q) by (unfold be; lia).
  replace (X * Y) with (x * y * (p * q) + x * be * p + y * al * q + al * be) by (unfold al, be; ring).
  assert (Xb : Z.min 0 x * (c2 * q) <= x * be <= Z.max 0 x * (c2 * q)).
  { destruct (Z.le_gt_cases 0 x); [rewrite Z.min_l, Z.max_r by lia|rewrite Z.min_r, Z.max_l by lia]; split; nia. }
  assert (Ya : Z.min 0 y * (c1 * p) <= y * al <= Z.max 0 y * (c1 * p)).
  { destruct (Z.le_gt_cases 0 y); [rewrite Z.min_l, Z.max_r by lia|rewrite Z.min_r, Z.max_l by lia]; split; nia. }
  assert (AB : 0 <= al * be <= c1 * p * (c2 * q)) by nia.
  assert (Xb' : Z.min 0 x * (c2 * q) * p <= x * be * p <= Z.max 0 x * (c2 * q) * p) by (split; apply Z.mul_le_mono_nonneg_r; lia).
  assert (Ya' : Z.min 0 y * (c1 * p) * q <= y * al * q <= Z.max 0 y * (c1 * p) * q) by (split; apply Z.mul_le_mono_nonneg_r; lia).
  split; nia.
Qed.

Lemma fold_sumZ (g : Z -> Z) l : fold_right (fun x acc => g x + acc) 0 l = sumZ (length l) (fun j => g (nth j l 0)).
Proof.
  induction l as [|x l IH]; [reflexivity|]. cbn [fold_right length]. rewrite sumZ_shift. simpl. rewrite IH. reflexivity.
Qed.

Lemma sumZ_lin3c n f g k c c' p :
  sumZ n (fun j => (f j + c * g j + c' * k j) * p) = (sumZ n f + c * sumZ n g + c' * sumZ n k) * p.
Proof. induction n as [|n IH]; simpl; [ring|]. rewrite IH. ring. Qed.

Lemma sumZ_lin4 n f g k c c' e p :
  sumZ n (fun j => (f j + c * g j + c' * k j + e) * p) = (sumZ n f + c * sumZ n g + c' * sumZ n k + Z.of_nat n * e) * p.
Proof. induction n as [|n IH]; [simpl; ring|]. change (sumZ (S n) ?F) with (sumZ n F + F n). rewrite IH, Nat2Z.inj_succ. ring. Qed.

(** A rounded vector with the sums of its negative and of its positive entries. *)
Definition vinfo (a : list Z * Z) : list Z * Z * Z * Z :=
  (a, fold_right (fun x acc => Z.min 0 x + acc) 0 (fst a), fold_right (fun x acc => Z.max 0 x + acc) 0 (fst a)).

(** Bounds on the dot product of two rounded vectors of length [n]. *)
Definition sdot (n : nat) (qa ka : list Z * Z * Z * Z) : Z * Z :=
  let '(aq, qmn, qmx) := qa in let '(ak, kmn, kmx) := ka in
  let d0 := dot (fst aq) (fst ak) in
  (d0 + snd ak * qmn + snd aq * kmn, d0 + snd ak * qmx + snd aq * kmx + Z.of_nat n * (snd aq * snd ak)).

Lemma sdot_spec n X Y a b s1 s2 : length (fst a) = n -> length (fst b) = n -> approx n X a s1 -> approx n Y b s2 ->
  fst (sdot n (vinfo a) (vinfo b)) * 2 ^ Z.of_nat (s1 + s2) <= sumZ n (fun j => X j * Y j) <=
  snd (sdot n (vinfo a) (vinfo b)) * 2 ^ Z.of_nat (s1 + s2).
Proof.
  intros La Lb Ha Hb. destruct a as [x c1]. destruct b as [y c2]. cbn [fst snd] in *. unfold sdot, vinfo. cbn [fst snd].
  rewrite !fold_sumZ, La, Lb. rewrite dot_sumZ with (n := n) by assumption.
  pose proof (pow2Z_pos (s1 + s2)) as Hp. set (P := 2 ^ Z.of_nat (s1 + s2)) in *.
  split.
  - rewrite <- sumZ_lin3c. apply sumZ_mono. intros j Hj. apply approx_mul2; [apply Ha|apply Hb]; exact Hj.
  - rewrite <- sumZ_lin4. apply sumZ_mono. intros j Hj. apply approx_mul2; [apply Ha|apply Hb]; exact Hj.
Qed.
End Rounding.

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

Definition count_box (term : nat -> nat -> Z) (pms : list (list Z)) (q m : nat) (P : list nat) : Z :=
  if valid q m P then
    match lastpass 0 (totals term pms q m P) None with
    | Some t' => box_size v (box_preds q m P t')
    | None => 0%Z
    end
  else 0%Z.

Definition count_qm (term : nat -> nat -> Z) (q m : nat) : Z :=
  if q <=? m then
    let pms := min_terms term m in
    sumL (map (count_box term pms q m) pats)
  else 0%Z.

(** [termq m t i]: the term of position [i] holding token [t] when the max is [m]. *)
Definition count_q (termq : nat -> nat -> nat -> Z) (q : nat) : Z :=
  sumL (map (fun m => count_qm (termq m) q m) (seq 0 v)).

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

Lemma box_sound q m P t' s : (q < v)%nat -> (m < v)%nat -> valid q m P = true -> In P pats -> (t' < m)%nat ->
  (0 < nth t' (totals (termq q m) (min_terms (termq q m) m) q m P) 0)%Z ->
  In s (all_seqs K v) -> fits (box_preds q m P t') s = true -> correct N s = true.
Proof.
  intros Hq' Hm' Hval HP Ht Hpos Hs H.
  destruct (all_seqs_spec _ _ _ Hs) as [Hl Hfs]. destruct (all_seqs_spec _ _ _ HP) as [HPl HPb].
  destruct (in_box q m P t' s HK H) as (_ & Hq & Hm & Hf).
  pose proof (box_seqmax q m P t' s HK Hval HPl Ht H) as Hmax.
  apply correct_of_margins; [apply seqmax_lt; assumption|]. rewrite Hmax. intros o Ho Hne.
  unfold last_pos. rewrite Hq.
  set (term := termq q m) in *. set (pms := min_terms term m) in *.
  unfold totals in Hpos. cbv zeta in Hpos.
  rewrite (nth_map_seq (fun t' => (exact_part term q m P + free_part pms P t')%Z)) in Hpos by exact Ht.
  set (c := fun i => if Nat.eqb (nth i P O) 1 then term m i else nth t' (nth i pms []) 0%Z).
  assert (Esum : (exact_part term q m P + free_part pms P t' = term q km1 + sumZ km1 c)%Z).
  { unfold exact_part, free_part, c. rewrite <- Z.add_assoc, <- sumZ_plus. f_equal.
    apply sumZ_ext. intros i _. destruct (Nat.eqb (nth i P O) 1); ring. }
  rewrite Esum in Hpos.
  apply Rlt_le_trans with (inj Et (term q km1 + sumZ km1 c) * F q m).
  { apply Rmult_lt_0_compat; [apply inj_pos_iff; exact Hpos|apply HF]. }
  rewrite <- inj_add, <- sumR_inj, Rmult_plus_distr_r, sumR_scal_r, (sumR_split K) by exact HK.
  rewrite (Rplus_comm (inj Et (term q km1) * F q m)).
  apply Rplus_le_compat.
  - apply sumR_le. intros i Hi. rewrite score_inj. unfold last_pos. rewrite Hq.
    assert (Hti : (tok s i < v)%nat) by (apply tok_lt; assumption).
    unfold c. destruct (Nat.eqb_spec (nth i P O) 1) as [E|E].
    + rewrite (Hm i Hi E) in *. apply Hterm; try assumption; lia.
    + apply Rle_trans with (inj Et (term (tok s i) i) * F q m).
      * apply Rmult_le_compat_r; [left; apply HF|]. apply inj_le. unfold pms, min_terms.
        rewrite (nth_map_seq (fun i => prefmin (map (fun t => term t i) (seq 0 m)))) by exact Hi.
        specialize (Hf i Hi E).
        rewrite <- (nth_map_seq (fun t => term t i) m (tok s i) 0%Z) by lia.
        apply prefmin_le; [exact Hf|rewrite map_length, seq_length; exact Ht].
      * apply Hterm; try assumption; lia.
  - rewrite score_inj. unfold last_pos. rewrite Hq. apply Hterm; try assumption; lia.
Qed.

Lemma count_qm_sound q m : (q < v)%nat -> (m < v)%nat ->
  (count_qm (termq q m) q m <= Z.of_nat (length (filter
     (fun s => (Nat.eqb (tok s km1) q && Nat.eqb (seqmax s) m && correct N s)%bool) (all_seqs K v))))%Z.
Proof.
  intros Hq Hm. unfold count_qm. destruct (Nat.leb q m); [|lia]. cbv zeta.
  apply part_le with
    (G := fun P s => (pat_eqb (pattern m s) P && (Nat.eqb (tok s km1) q && Nat.eqb (seqmax s) m && correct N s))%bool)
    (key := pattern m).
  - apply NoDup_all_seqs.
  - intros P HP. unfold count_box. destruct (valid q m P) eqn:Hval; [|lia].
    destruct (lastpass 0 _ None) as [t'|] eqn:Hlp; [|lia].
    destruct (lastpass_spec _ _ _ _ Hlp) as [E|(_ & Ht & Hpos)]; [discriminate|].
    unfold totals in Ht, Hpos. cbv zeta in Ht, Hpos. rewrite map_length, seq_length, Nat.sub_0_r in *.
    rewrite <- box_count. rewrite box_preds_length by exact HK. apply Nat2Z.inj_le. apply count_le.
    intros s Hs Hfit. destruct (all_seqs_spec _ _ _ HP) as [HPl HPb].
    destruct (in_box q m P t' s HK Hfit) as (_ & Htq & _ & _).
    rewrite (box_pattern q m P t' s HK HPl HPb Ht Hfit), (box_seqmax q m P t' s HK Hval HPl Ht Hfit), Htq.
    unfold pat_eqb. destruct (list_eq_dec Nat.eq_dec P P) as [_|n]; [|contradiction].
    rewrite !Nat.eqb_refl. simpl. apply (box_sound q m P t' s); try assumption.
    all: unfold totals; cbv zeta; exact Hpos.
  - intros P s _ _ HG. apply andb_prop in HG. destruct HG as [E HG]. split; [|exact HG].
    unfold pat_eqb in E. destruct (list_eq_dec Nat.eq_dec (pattern m s) P); [assumption|discriminate].
Qed.

Lemma count_q_sound q : (q < v)%nat ->
  (count_q (termq q) q <= Z.of_nat (length (filter (fun s => (Nat.eqb (tok s km1) q && correct N s)%bool) (all_seqs K v))))%Z.
Proof.
  intros Hq. unfold count_q.
  apply part_le with (G := fun m s => (Nat.eqb (tok s km1) q && Nat.eqb (seqmax s) m && correct N s)%bool) (key := seqmax).
  - apply seq_NoDup.
  - intros m Hm. apply in_seq in Hm. apply count_qm_sound; lia.
  - intros m s _ _ HG. apply andb_prop in HG. destruct HG as [HG Hc]. apply andb_prop in HG.
    destruct HG as [H1 H2]. apply Nat.eqb_eq in H2. split; [exact H2|]. rewrite H1, Hc. reflexivity.
Qed.

Theorem cubic_abstract_sound :
  (sumL (map (fun q => count_q (termq q) q) (seq 0 v)) <= Z.of_nat (n_correct N))%Z.
Proof.
  unfold n_correct.
  apply part_le with (G := fun q s => (Nat.eqb (tok s km1) q && correct N s)%bool) (key := fun s => tok s km1).
  - apply seq_NoDup.
  - intros q Hq. apply in_seq in Hq. apply count_q_sound. lia.
  - intros q s _ _ HG. apply andb_prop in HG. destruct HG as [H1 H2]. apply Nat.eqb_eq in H1. auto.
Qed.
End Abstract.

Local Open Scope nat_scope.
(** ** Integer tables and the fast term *)
Definition erow t : list Z := map (fun j => ent (WE N) t j) (seq 0 d).
Definition prow i : list Z := map (fun j => ent (WP N) i j) (seq 0 d).
Definition chainvec (row : list Z) : list Z :=
  vecmat d v (vecmat h d (vecmat d h row (WV N)) (WO N)) (WU N).
Definition kevec t : list Z := vecmat d h (erow t) (WK N).
Definition kpvec i : list Z := vecmat d h (prow i) (WK N).

(** Parameters (any values are sound): [r] bits dropped from the output
    margins, [rb] from products of exp bounds, [width] bits kept of attention
    weights in a case; the rounded tables drop [si] bits of the embeddings and
    [sv], [so], [su] bits after the products with [W_V], [W_O], [W_U] (value
    path), [sk], [sq] after [W_K], [W_Q], and [sd] after [W_U] on the direct path. *)
Variables r rb width si sv so su sk sq sd : nat.

Definition wlistc (c : Z) (a : list Z) : list Z :=
  let top := maxlist a in
  map (fun p => let '(m, am) := p in
         if (am <? top)%Z then (am - top - c)%Z
         else (am - maxlist (map snd (filter (fun p' => negb (Nat.eqb (fst p') m)) (combine (seq 0 v) a))) - c)%Z)
      (combine (seq 0 v) a).
Definition wlist (a : list Z) : list Z := wlistc 2 a.

(** Rounded path tables: the value path of a row (token or position
    embedding) at [2^r], the direct path of a query token at [2^r], and the
    key and query vectors with the sums of their signs' entries. *)
Definition ov_round (pv po pu : prepd) (row : list Z) : list Z * Z :=
  rescale r (si + sv + so + su) (rvm v pu su (rvm d po so (rvm h pv sv (map (shr si) row, 1%Z)))).
Definition d_round (pu : prepd) (q : nat) : list Z * Z :=
  rescale r (si + sd + (eV N + eO N)) (rvm v pu sd (map (shr si) (xrow N q (last_pos N)), 1%Z)).
Definition k_round (pk : prepd) (row : list Z) : list Z * Z * Z * Z := vinfo (rvm h pk sk (map (shr si) row, 1%Z)).
Definition q_round (pq : prepd) (q : nat) : list Z * Z * Z * Z :=
  vinfo (rvm h pq sq (map (shr si) (xrow N q (last_pos N)), 1%Z)).

Definition sh2 : nat := (si + sq + (si + sk))%nat.
(** Bounds on exp of a score known to lie in [[lo, hi] * 2^sh2]. *)
Definition ebounds (lo hi : Z) : Z * Z := (Z.max 0 (s_lo_at N (eS N - sh2) lo), s_hi_at N (eS N - sh2) hi).

Definition mulb (a b : Z * Z) : Z * Z :=
  (shr rb (fst a * fst b), shr rb (snd a * snd b) + 1)%Z.

Definition term_of (bq : list (list (Z * Z))) (wq : list (list (list Z))) (s m t i : nat) : Z :=
  let b := nth i (nth t bq []) (0%Z, 0%Z) in
  lowmul (shr s (fst b)) (shr s (snd b) + 1) (nth m (nth i (nth t wq []) []) 0%Z).

Definition shift_of (bq : list (list (Z * Z))) (m : nat) : nat :=
  Z.to_nat (Z.log2 (maxlist (map snd (nth m bq []))) - Z.of_nat width).

Definition minlist (l : list Z) : Z := fold_right Z.min (hd 0%Z l) l.

Definition ev_tab : list (list Z) := map (fun t => chainvec (erow t)) (seq 0 v).
Definition pv_tab : list (list Z) := map (fun i => chainvec (prow i)) (seq 0 K).
(** Value-path lower ends per (key token, key position). *)
Definition ovr_tab (ev pv : list (list Z * Z)) : list (list (list Z)) :=
  map (fun t => map (fun i => zipadd (fst (nth t ev ([], 0%Z))) (fst (nth i pv ([], 0%Z)))) (seq 0 K)) (seq 0 v).

(** Attention weights per (key token, key position) for a query, up to a
    common factor: scores are taken relative to the least lower end [cq]. *)
Definition cq_of (qi : list Z * Z * Z * Z) (ke : list (list Z * Z * Z * Z)) : Z :=
  minlist (map (fun ki => fst (sdot h qi ki)) ke).
Definition bq_of (qi : list Z * Z * Z * Z) (ke kp : list (list Z * Z * Z * Z)) : list (list (Z * Z)) :=
  let cq := cq_of qi ke in
  let ea := map (fun ki => let s := sdot h qi ki in ebounds (fst s - cq) (snd s - cq)) ke in
  let eb := map (fun pi => let s := sdot h qi pi in ebounds (fst s) (snd s)) kp in
  map (fun a => map (fun b => mulb a b) eb) ea.
(** Least margins [W] per (key token, key position, max) for a query with direct path [dq]. *)
Definition wq_of (ovr : list (list (list Z))) (c : Z) (dq : list Z * Z) : list (list (list Z)) :=
  map (fun rowt => map (fun ovi => wlistc (c + snd dq) (zipadd ovi (fst dq))) rowt) ovr.
Definition TQ (bq : list (list (Z * Z))) (wq : list (list (list Z))) (m : nat) : nat -> nat -> Z :=
  let s := shift_of bq m in fun t i => term_of bq wq s m t i.

Definition cubic_count : Z :=
  let pv := prep d h (WV N) in
  let po := prep h d (WO N) in
  let pu := prep d v (WU N) in
  let pk := prep d h (WK N) in
  let pq := prep d h (WQ N) in
  let ovr := ovr_tab (map (fun t => ov_round pv po pu (erow t)) (seq 0 v)) (map (fun i => ov_round pv po pu (prow i)) (seq 0 K)) in
  let cw := (snd (ov_round pv po pu []) + snd (ov_round pv po pu []))%Z in
  let ke := map (fun t => k_round pk (erow t)) (seq 0 v) in
  let kp := map (fun i => k_round pk (prow i)) (seq 0 K) in
  sumL (map (fun q => count_q (TQ (bq_of (q_round pq q) ke kp) (wq_of ovr cw (d_round pu q))) q) (seq 0 v)).

Local Open Scope R_scope.
(** ** The fast term satisfies [Hterm] *)
Lemma shr_bounds k x : IZR (shr k x) * 2 ^ k <= IZR x /\ IZR x < (IZR (shr k x) + 1) * 2 ^ k.
Proof.
  unfold shr. rewrite Z.shiftr_div_pow2 by lia. pose proof (pow2Z_pos k) as Hp.
  pose proof (IZR_div_le x _ Hp) as H1. pose proof (IZR_div_gt x _ Hp) as H2.
  rewrite IZR_pow2 in H1, H2. pose proof (pow2_pos k) as P. split.
  - apply Rmult_le_reg_r with (/ 2 ^ k); [apply Rinv_0_lt_compat; lra|].
    rewrite Rmult_assoc, Rinv_r, Rmult_1_r by lra. exact H1.
  - apply Rmult_lt_reg_r with (/ 2 ^ k); [apply Rinv_0_lt_compat; lra|].
    rewrite Rmult_assoc, Rinv_r, Rmult_1_r by lra. exact H2.
Qed.

Lemma shr_inj e k x : inj e (shr k x) <= inj (e + k) x <= inj e (shr k x + 1).
Proof.
  destruct (shr_bounds k x) as [H1 H2]. unfold inj. rewrite pow_add, plus_IZR.
  pose proof (pow2_pos e). pose proof (pow2_pos k). split.
  - replace (IZR x / (2 ^ e * 2 ^ k)) with ((IZR x / 2 ^ k) / 2 ^ e) by (field; lra).
    apply div_le_compat; [lra|]. apply Rmult_le_reg_r with (2 ^ k); [lra|].
    replace (IZR x / 2 ^ k * 2 ^ k) with (IZR x) by (field; lra). exact H1.
  - replace (IZR x / (2 ^ e * 2 ^ k)) with ((IZR x / 2 ^ k) / 2 ^ e) by (field; lra).
    apply div_le_compat; [lra|]. apply Rmult_le_reg_r with (2 ^ k); [lra|].
    replace (IZR x / 2 ^ k * 2 ^ k) with (IZR x) by (field; lra). lra.
Qed.

Lemma lowmul_real L H x c e : 0 < c -> IZR L * c <= e -> e <= IZR H * c -> IZR (lowmul L H x) * c <= e * IZR x.
Proof.
  intros Hc H1 H2. unfold lowmul. destruct (Z.leb_spec 0 x) as [Hx|Hx]; rewrite mult_IZR.
  - apply IZR_le in Hx. nra.
  - apply IZR_lt in Hx. nra.
Qed.

Lemma fx_max0 x e : 0 < e -> fx x <= e -> fx (Z.max 0 x) <= e.
Proof.
  intros He H. destruct (Z.max_spec 0 x) as [[_ E]|[_ E]]; rewrite E; [exact H|].
  unfold fx. unfold Rdiv. rewrite Rmult_0_l. lra.
Qed.

Lemma fx_nonneg x : (0 <= x)%Z -> 0 <= fx x.
Proof. intros H. unfold fx. apply Rmult_le_pos; [apply IZR_le; exact H|left; apply Rinv_0_lt_compat, pow2_pos]. Qed.

Lemma exp_div_mono x y c : 0 < c -> x <= y -> exp (x / c) <= exp (y / c).
Proof. intros Hc H. apply exp_mono. apply div_le_compat; assumption. Qed.

Lemma ebounds_spec lo hi S : (0 < h)%nat -> (sh2 <= eS N)%nat ->
  (lo * 2 ^ Z.of_nat sh2 <= S <= hi * 2 ^ Z.of_nat sh2)%Z ->
  (0 <= fst (ebounds lo hi))%Z /\ fx (fst (ebounds lo hi)) <= exp (inj (eS N) S / sqrt (INR h)) <= fx (snd (ebounds lo hi)).
Proof.
  intros Hh Hsh [H1 H2]. assert (Hs : 0 < sqrt (INR h)) by (apply sqrt_lt_R0; apply lt_0_INR; exact Hh).
  assert (E : eS N = (eS N - sh2 + sh2)%nat) by lia.
  assert (L1 : inj (eS N - sh2) lo <= inj (eS N) S) by (rewrite (inj_scale (eS N - sh2) sh2), <- E; apply inj_le; exact H1).
  assert (L2 : inj (eS N) S <= inj (eS N - sh2) hi) by (rewrite (inj_scale (eS N - sh2) sh2), <- E; apply inj_le; exact H2).
  unfold ebounds. simpl. split; [apply Z.le_max_l|split].
  - apply fx_max0; [apply exp_pos|]. eapply Rle_trans; [apply (s_bounds_at N _ _ Hh)|].
    apply exp_div_mono; assumption.
  - eapply Rle_trans; [|apply (s_bounds_at N _ _ Hh)]. apply exp_div_mono; assumption.
Qed.

Lemma mulb_spec a b x y : (rb <= prec + prec)%nat ->
  (0 <= fst a)%Z -> (0 <= fst b)%Z -> fx (fst a) <= x <= fx (snd a) -> fx (fst b) <= y <= fx (snd b) ->
  inj (prec + prec - rb) (fst (mulb a b)) <= x * y <= inj (prec + prec - rb) (snd (mulb a b)).
Proof.
  intros Hr Ha Hb [Hx1 Hx2] [Hy1 Hy2]. pose proof (fx_nonneg _ Ha). pose proof (fx_nonneg _ Hb).
  change fx with (inj prec) in *.
  assert (E : (prec + prec)%nat = (prec + prec - rb + rb)%nat) by lia.
  unfold mulb. simpl. split.
  - destruct (shr_inj (prec + prec - rb) rb (fst a * fst b)) as [H1 _]. rewrite <- E, <- inj_mul in H1.
    eapply Rle_trans; [exact H1|]. apply Rmult_le_compat; assumption.
  - destruct (shr_inj (prec + prec - rb) rb (snd a * snd b)) as [_ H2]. rewrite <- E, <- inj_mul in H2.
    eapply Rle_trans; [|exact H2]. apply Rmult_le_compat; lra.
Qed.

(** Path decompositions of the integer tables *)
Lemma nth_erow t j : (j < d)%nat -> nth j (erow t) 0%Z = ent (WE N) t j.
Proof. intros H. unfold erow. apply (nth_map_seq (fun j => ent (WE N) t j)). exact H. Qed.
Lemma nth_prow i j : (j < d)%nat -> nth j (prow i) 0%Z = ent (WP N) i j.
Proof. intros H. unfold prow. apply (nth_map_seq (fun j => ent (WP N) i j)). exact H. Qed.

Definition chainZ (x : nat -> Z) (o : nat) : Z :=
  sumZ d (fun j => sumZ h (fun hh => sumZ d (fun j' => x j' * ent (WV N) j' hh) * ent (WO N) hh j) * ent (WU N) j o)%Z.

Lemma chainvec_spec row o : (o < v)%nat -> nth o (chainvec row) 0%Z = chainZ (fun j => nth j row 0%Z) o.
Proof.
  intros Ho. unfold chainvec, chainZ. rewrite nth_vecmat by exact Ho. apply sumZ_ext. intros j Hj.
  f_equal. rewrite nth_vecmat by exact Hj. apply sumZ_ext. intros hh Hh.
  f_equal. rewrite nth_vecmat by exact Hh. reflexivity.
Qed.

Lemma chainZ_ext f g o : (forall j, (j < d)%nat -> f j = g j) -> chainZ f o = chainZ g o.
Proof.
  intros H. unfold chainZ. apply sumZ_ext. intros j _. f_equal. apply sumZ_ext. intros hh _. f_equal.
  apply sumZ_ext. intros j' Hj'. rewrite H by exact Hj'. reflexivity.
Qed.

Lemma chainZ_add f g o : chainZ (fun j => f j + g j)%Z o = (chainZ f o + chainZ g o)%Z.
Proof.
  unfold chainZ. rewrite <- sumZ_plus. apply sumZ_ext. intros j _. rewrite <- Z.mul_add_distr_r. f_equal.
  rewrite <- sumZ_plus. apply sumZ_ext. intros hh _. rewrite <- Z.mul_add_distr_r. f_equal.
  rewrite <- sumZ_plus. apply sumZ_ext. intros j' _. ring.
Qed.

Lemma OV_split t i o : (o < v)%nat ->
  OVZ N t i o = (nth o (chainvec (erow t)) 0 + nth o (chainvec (prow i)) 0)%Z.
Proof.
  intros Ho. rewrite !chainvec_spec by exact Ho.
  rewrite (chainZ_ext (fun j => nth j (erow t) 0%Z) (fun j => ent (WE N) t j)) by (intros; apply nth_erow; assumption).
  rewrite (chainZ_ext (fun j => nth j (prow i) 0%Z) (fun j => ent (WP N) i j)) by (intros; apply nth_prow; assumption).
  rewrite <- chainZ_add. reflexivity.
Qed.

Lemma S_split q t i : SZ N q t i = (score_of N (qvec N q) (kevec t) + score_of N (qvec N q) (kpvec i))%Z.
Proof.
  rewrite <- score_of_spec. unfold score_of. rewrite <- sumZ_plus. apply sumZ_ext. intros hh Hh.
  rewrite <- Z.mul_add_distr_l. f_equal. unfold kvec, kevec, kpvec. rewrite !nth_vecmat by exact Hh.
  rewrite <- sumZ_plus. apply sumZ_ext. intros j Hj. rewrite xrow_nth, nth_erow, nth_prow by exact Hj.
  unfold xZ. ring.
Qed.

(** The least margin [W]: below every margin of [m] over another output. *)
Lemma wlistc_spec c a m o : length a = v -> (m < v)%nat -> (o < v)%nat -> o <> m ->
  (nth m (wlistc c a) 0 <= nth m a 0 - nth o a 0 - c)%Z.
Proof.
  intros Hl Hm Ho Hne. assert (Hc : length (combine (seq 0 v) a) = v) by (rewrite combine_length, seq_length; lia).
  unfold wlistc. rewrite (nth_map' _ _ _ (O, 0%Z)) by lia.
  rewrite combine_nth by (rewrite seq_length; lia). rewrite seq_nth by exact Hm. simpl.
  assert (Ho_in : In (nth o a 0%Z) a) by (apply nth_In; lia).
  destruct (Z.ltb_spec (nth m a 0%Z) (maxlist a)) as [_|_].
  - pose proof (maxlist_ge _ _ Ho_in). lia.
  - assert (In (nth o a 0%Z) (map snd (filter (fun p' => negb (Nat.eqb (fst p') m)) (combine (seq 0 v) a)))).
    { apply in_map_iff. exists (o, nth o a 0%Z). split; [reflexivity|]. apply filter_In. split.
      - assert (E : nth o (combine (seq 0 v) a) (O, 0%Z) = (o, nth o a 0%Z)).
        { rewrite combine_nth by (rewrite seq_length; lia). rewrite seq_nth by exact Ho. reflexivity. }
        rewrite <- E. apply nth_In. lia.
      - simpl. apply Nat.eqb_neq in Hne. rewrite Hne. reflexivity. }
    pose proof (maxlist_ge _ _ H). lia.
Qed.

(** The least margins of a rounded vector's lower ends, less its width, bound the exact margins. *)
Lemma wlistc_approx X a s m o : length (fst a) = v -> approx v X a s -> (m < v)%nat -> (o < v)%nat -> o <> m ->
  (nth m (wlistc (snd a) (fst a)) 0 * 2 ^ Z.of_nat s <= X m - X o)%Z.
Proof.
  intros L H Hm Ho Hne. pose proof (wlistc_spec (snd a) (fst a) m o L Hm Ho Hne) as W.
  destruct (H m Hm) as [A _]. destruct (H o Ho) as [_ B]. pose proof (pow2Z_pos s) as P.
  assert (W' : (nth m (wlistc (snd a) (fst a)) 0 * 2 ^ Z.of_nat s <=
                (nth m (fst a) 0 - nth o (fst a) 0 - snd a) * 2 ^ Z.of_nat s)%Z) by (apply Z.mul_le_mono_nonneg_r; lia).
  lia.
Qed.

Lemma wlist_spec a m o : length a = v -> (m < v)%nat -> (o < v)%nat -> o <> m ->
  (nth m (wlist a) 0 <= nth m a 0 - nth o a 0 - 2)%Z.
Proof. apply wlistc_spec. Qed.

Lemma chainvec_length row : length (chainvec row) = v.
Proof. unfold chainvec, vecmat. rewrite map_length, seq_length. reflexivity. Qed.

Lemma dvec_length q : length (dvec N q) = v.
Proof. unfold dvec, vecmat. rewrite map_length, seq_length. reflexivity. Qed.

Definition PV : prepd := prep d h (WV N).
Definition PO : prepd := prep h d (WO N).
Definition PU : prepd := prep d v (WU N).
Definition PK : prepd := prep d h (WK N).
Definition PQ : prepd := prep d h (WQ N).

Lemma rvm_snd_nonneg p P s2 a : (0 <= snd (rvm p P s2 a))%Z.
Proof. unfold rvm. cbn [snd]. lia. Qed.

Lemma ov_round_spec row : length row = d ->
  approx v (fun o => chainZ (fun j => nth j row 0%Z) o) (ov_round PV PO PU row) r.
Proof.
  intros Hl. unfold ov_round. apply rescale_spec. unfold chainZ, PU, PO, PV.
  apply (rvm_spec d v (WU N) (fun j => sumZ h (fun hh => sumZ d (fun j' => nth j' row 0 * ent (WV N) j' hh) * ent (WO N) hh j)%Z)).
  - apply rvm_length.
  - apply rvm_snd_nonneg.
  - apply (rvm_spec h d (WO N) (fun hh => sumZ d (fun j' => nth j' row 0 * ent (WV N) j' hh)%Z)).
    + apply rvm_length.
    + apply rvm_snd_nonneg.
    + apply (rvm_spec d h (WV N) (fun j' => nth j' row 0%Z)).
      * cbn [fst]. rewrite map_length. exact Hl.
      * cbn [snd]. lia.
      * apply approx_start.
Qed.

Lemma ov_round_width row : snd (ov_round PV PO PU row) = snd (ov_round PV PO PU []).
Proof. unfold ov_round, rescale, rvm. cbn [fst snd]. destruct (_ <=? r)%nat; reflexivity. Qed.

Lemma xrow_length q : length (xrow N q (last_pos N)) = d.
Proof. unfold xrow. rewrite map_length, seq_length. reflexivity. Qed.

Lemma d_round_spec q : approx v (fun o => DZ N q o * 2 ^ Z.of_nat (eV N + eO N))%Z (d_round PU q) r.
Proof.
  unfold d_round. apply rescale_spec. apply approx_scale.
  apply (approx_ext v (fun o => sumZ d (fun j => nth j (xrow N q (last_pos N)) 0 * ent (WU N) j o)%Z)).
  - intros o Ho. unfold DZ. apply sumZ_ext. intros j Hj. rewrite xrow_nth by exact Hj. reflexivity.
  - unfold PU. apply rvm_spec; [cbn [fst]; rewrite map_length; apply xrow_length|cbn [snd]; lia|apply approx_start].
Qed.

Definition OVR : list (list (list Z)) :=
  ovr_tab (map (fun t => ov_round PV PO PU (erow t)) (seq 0 v)) (map (fun i => ov_round PV PO PU (prow i)) (seq 0 K)).
Definition CW : Z := (snd (ov_round PV PO PU []) + snd (ov_round PV PO PU []))%Z.

Lemma erow_length t : length (erow t) = d.
Proof. unfold erow. rewrite map_length, seq_length. reflexivity. Qed.
Lemma prow_length i : length (prow i) = d.
Proof. unfold prow. rewrite map_length, seq_length. reflexivity. Qed.

Lemma approx_length row : length (fst (ov_round PV PO PU row)) = v.
Proof.
  unfold ov_round, rescale. destruct (_ <=? r)%nat; cbn [fst]; rewrite map_length; apply rvm_length.
Qed.

Lemma d_round_length q : length (fst (d_round PU q)) = v.
Proof. unfold d_round, rescale. destruct (_ <=? r)%nat; cbn [fst]; rewrite map_length; apply rvm_length. Qed.

(** The least margin [W] of the rounded tables, times [2^r], is below every margin. *)
Lemma W_spec q m t i o : (m < v)%nat -> (t < v)%nat -> (i < K)%nat -> (o < v)%nat -> o <> m ->
  (nth m (nth i (nth t (wq_of OVR CW (d_round PU q)) []) []) 0 * 2 ^ Z.of_nat r <= MZ N q t i m o)%Z.
Proof.
  intros Hm Ht Hi Ho Hne.
  set (et := ov_round PV PO PU (erow t)). set (pi := ov_round PV PO PU (prow i)). set (dq := d_round PU q).
  assert (Erow : nth i (nth t OVR []) [] = zipadd (fst et) (fst pi)).
  { unfold OVR, ovr_tab.
    rewrite (nth_map' _ _ _ O) by (rewrite seq_length; exact Ht). rewrite seq_nth by exact Ht.
    rewrite (nth_map' _ _ _ O) by (rewrite seq_length; exact Hi). rewrite seq_nth by exact Hi.
    rewrite (nth_map' _ _ _ O) by (rewrite seq_length; exact Ht). rewrite seq_nth by exact Ht.
    rewrite (nth_map' _ _ _ O) by (rewrite seq_length; exact Hi). rewrite seq_nth by exact Hi. reflexivity. }
  assert (LO : length OVR = v) by (unfold OVR, ovr_tab; rewrite map_length, seq_length; reflexivity).
  assert (LOt : length (nth t OVR []) = K).
  { unfold OVR, ovr_tab. rewrite (nth_map' _ _ _ O) by (rewrite seq_length; exact Ht). rewrite map_length, seq_length. reflexivity. }
  assert (Ew : nth m (nth i (nth t (wq_of OVR CW dq) []) []) 0%Z = nth m (wlistc (CW + snd dq) (zipadd (zipadd (fst et) (fst pi)) (fst dq))) 0%Z).
  { unfold wq_of. rewrite (nth_map' _ _ _ []) by (rewrite LO; exact Ht).
    rewrite (nth_map' _ _ _ []) by (rewrite LOt; exact Hi). rewrite Erow. reflexivity. }
  rewrite Ew. set (a := zipadd (zipadd (fst et) (fst pi)) (fst dq)).
  assert (Le : length (fst et) = v) by apply approx_length. assert (Lp : length (fst pi) = v) by apply approx_length.
  assert (Ld : length (fst dq) = v) by apply d_round_length.
  assert (La : length a = v) by (unfold a; rewrite !zipadd_length; lia).
  assert (Ea : forall o', (o' < v)%nat -> nth o' a 0%Z = (nth o' (fst et) 0 + nth o' (fst pi) 0 + nth o' (fst dq) 0)%Z).
  { intros o' Ho'. unfold a. rewrite nth_zipadd by (rewrite ?zipadd_length; lia). rewrite nth_zipadd by lia. reflexivity. }
  assert (Ecw : CW = (snd et + snd pi)%Z) by (unfold CW, et, pi; rewrite !(ov_round_width (erow t)), !(ov_round_width (prow i)); reflexivity).
  pose proof (wlistc_spec (CW + snd dq) a m o La Hm Ho Hne) as Hw. rewrite !Ea in Hw by assumption.
  pose proof (ov_round_spec (erow t) (erow_length t)) as AE. pose proof (ov_round_spec (prow i) (prow_length i)) as AP.
  pose proof (d_round_spec q) as AD. fold et in AE. fold pi in AP. fold dq in AD.
  destruct (AE m Hm) as [E1m E2m]. destruct (AE o Ho) as [E1o E2o].
  destruct (AP m Hm) as [P1m P2m]. destruct (AP o Ho) as [P1o P2o].
  destruct (AD m Hm) as [D1m D2m]. destruct (AD o Ho) as [D1o D2o].
  assert (EM : MZ N q t i m o = (chainZ (fun j => nth j (erow t) 0%Z) m + chainZ (fun j => nth j (prow i) 0%Z) m
     + DZ N q m * 2 ^ Z.of_nat (eV N + eO N) - (chainZ (fun j => nth j (erow t) 0%Z) o + chainZ (fun j => nth j (prow i) 0%Z) o
     + DZ N q o * 2 ^ Z.of_nat (eV N + eO N)))%Z).
  { unfold MZ. rewrite !OV_split by assumption. rewrite <- !chainvec_spec by assumption. ring. }
  rewrite EM. pose proof (pow2Z_pos r) as Hp. set (p := (2 ^ Z.of_nat r)%Z) in *.
  set (W := nth m (wlistc (CW + snd dq) a) 0%Z) in *. rewrite Ecw in Hw.
  assert (HW : (W * p <= (nth m (fst et) 0 + nth m (fst pi) 0 + nth m (fst dq) 0 -
     (nth o (fst et) 0 + nth o (fst pi) 0 + nth o (fst dq) 0) - (snd et + snd pi + snd dq)) * p)%Z)
    by (apply Z.mul_le_mono_nonneg_r; lia).
  lia.
Qed.

Definition KEr : list (list Z * Z * Z * Z) := map (fun t => k_round PK (erow t)) (seq 0 v).
Definition KPr : list (list Z * Z * Z * Z) := map (fun i => k_round PK (prow i)) (seq 0 K).
Definition Cq (q : nat) : R := inj (eS N) (cq_of (q_round PQ q) KEr * 2 ^ Z.of_nat sh2) / sqrt (INR h).
Definition E1 : nat := (prec + prec - rb)%nat.

(** The rounded key and query vectors bound the exact scores. *)
Lemma score_round q row :
  length row = d ->
  (fst (sdot h (q_round PQ q) (k_round PK row)) * 2 ^ Z.of_nat sh2 <= score_of N (qvec N q) (vecmat d h row (WK N)) <=
   snd (sdot h (q_round PQ q) (k_round PK row)) * 2 ^ Z.of_nat sh2)%Z.
Proof.
  intros Hl. unfold q_round, k_round, sh2, score_of.
  apply sdot_spec; [apply rvm_length|apply rvm_length| |].
  - apply (approx_ext h (fun hh => sumZ d (fun j => nth j (xrow N q (last_pos N)) 0 * ent (WQ N) j hh)%Z)).
    + intros hh Hh. unfold qvec. rewrite nth_vecmat by exact Hh. reflexivity.
    + unfold PQ. apply rvm_spec; [cbn [fst]; rewrite map_length; apply xrow_length|cbn [snd]; lia|apply approx_start].
  - apply (approx_ext h (fun hh => sumZ d (fun j => nth j row 0 * ent (WK N) j hh)%Z)).
    + intros hh Hh. rewrite nth_vecmat by exact Hh. reflexivity.
    + unfold PK. apply rvm_spec; [cbn [fst]; rewrite map_length; exact Hl|cbn [snd]; lia|apply approx_start].
Qed.

Lemma bq_spec q t i : (0 < h)%nat -> (rb <= prec + prec)%nat -> (sh2 <= eS N)%nat -> (t < v)%nat -> (i < K)%nat ->
  inj E1 (fst (nth i (nth t (bq_of (q_round PQ q) KEr KPr) []) (0%Z, 0%Z))) <= exp (inj (eS N) (SZ N q t i) / sqrt (INR h) - Cq q)
  <= inj E1 (snd (nth i (nth t (bq_of (q_round PQ q) KEr KPr) []) (0%Z, 0%Z))).
Proof.
  intros Hh Hrb Hsh Ht Hi. assert (Hs : 0 < sqrt (INR h)) by (apply sqrt_lt_R0; apply lt_0_INR; exact Hh).
  set (qi := q_round PQ q). set (cq := cq_of qi KEr).
  set (st := sdot h qi (k_round PK (erow t))). set (sp := sdot h qi (k_round PK (prow i))).
  assert (Eb : nth i (nth t (bq_of qi KEr KPr) []) (0%Z, 0%Z) = mulb (ebounds (fst st - cq) (snd st - cq)) (ebounds (fst sp) (snd sp))).
  { unfold bq_of. cbv zeta. fold cq. unfold KEr, KPr.
    rewrite (nth_map' _ _ _ (0%Z, 0%Z)) by (rewrite !map_length, seq_length; exact Ht).
    rewrite (nth_map' _ _ _ (0%Z, 0%Z)) by (rewrite !map_length, seq_length; exact Hi).
    rewrite (nth_map' _ _ _ ([], 0%Z, 0%Z, 0%Z)) by (rewrite map_length, seq_length; exact Ht).
    rewrite (nth_map' _ _ _ ([], 0%Z, 0%Z, 0%Z)) by (rewrite map_length, seq_length; exact Hi).
    rewrite (nth_map_seq (fun t => k_round PK (erow t))) by exact Ht.
    rewrite (nth_map_seq (fun i => k_round PK (prow i))) by exact Hi. reflexivity. }
  rewrite Eb.
  set (A := (score_of N (qvec N q) (kevec t) - cq * 2 ^ Z.of_nat sh2)%Z).
  set (B := score_of N (qvec N q) (kpvec i)).
  assert (Ee : exp (inj (eS N) (SZ N q t i) / sqrt (INR h) - Cq q) =
               exp (inj (eS N) A / sqrt (INR h)) * exp (inj (eS N) B / sqrt (INR h))).
  { rewrite <- exp_plus. f_equal. unfold Cq, A, B. fold qi cq. rewrite S_split, <- inj_sub, <- inj_add. field. lra. }
  rewrite Ee.
  pose proof (score_round q (erow t) (erow_length t)) as HA. pose proof (score_round q (prow i) (prow_length i)) as HB.
  fold qi st sp in HA, HB. fold (kevec t) in HA. fold (kpvec i) in HB. fold B in HB.
  assert (HA' : ((fst st - cq) * 2 ^ Z.of_nat sh2 <= A <= (snd st - cq) * 2 ^ Z.of_nat sh2)%Z) by (unfold A; lia).
  destruct (ebounds_spec _ _ A Hh Hsh HA') as [HA1 HA2]. destruct (ebounds_spec _ _ B Hh Hsh HB) as [HB1 HB2].
  apply mulb_spec; assumption.
Qed.

Definition Fq (q m : nat) : R := 2 ^ shift_of (bq_of (q_round PQ q) KEr KPr) m * exp (Cq q).

Lemma fast_term_sound q m t i o : (0 < h)%nat -> (rb <= prec + prec)%nat -> (r <= eM N)%nat -> (sh2 <= eS N)%nat ->
  (q < v)%nat -> (m < v)%nat -> (t < v)%nat -> (i < K)%nat -> (o < v)%nat -> o <> m ->
  inj (E1 + (eM N - r)) (TQ (bq_of (q_round PQ q) KEr KPr) (wq_of OVR CW (d_round PU q)) m t i) * Fq q m <=
  exp (inj (eS N) (SZ N q t i) / sqrt (INR h)) * inj (eM N) (MZ N q t i m o).
Proof.
  intros Hh Hrb Hr Hsh Hq Hm Ht Hi Ho Hne.
  unfold TQ, term_of, Fq. cbv zeta.
  set (sh := shift_of (bq_of (q_round PQ q) KEr KPr) m).
  set (b := nth i (nth t (bq_of (q_round PQ q) KEr KPr) []) (0%Z, 0%Z)).
  set (W := nth m (nth i (nth t (wq_of OVR CW (d_round PU q)) []) []) 0%Z).
  set (e := exp (inj (eS N) (SZ N q t i) / sqrt (INR h) - Cq q)).
  destruct (bq_spec q t i Hh Hrb Hsh Ht Hi) as [Hb1 Hb2]. fold b e in Hb1, Hb2.
  assert (HW : inj (eM N - r) W <= inj (eM N) (MZ N q t i m o)).
  { rewrite (inj_scale (eM N - r) r). replace (eM N - r + r)%nat with (eM N) by lia.
    apply inj_le. apply W_spec; assumption. }
  pose proof (pow2_pos sh) as Psh. pose proof (pow2_pos E1) as PE. pose proof (pow2_pos (eM N - r)) as PW.
  set (c := 2 ^ sh / 2 ^ E1).
  assert (Hc : 0 < c) by (unfold c; apply Rdiv_lt_0_compat; lra).
  assert (L1 : IZR (shr sh (fst b)) * c <= e).
  { destruct (shr_bounds sh (fst b)) as [H _]. eapply Rle_trans; [|exact Hb1]. unfold c, inj.
    replace (IZR (shr sh (fst b)) * (2 ^ sh / 2 ^ E1)) with (IZR (shr sh (fst b)) * 2 ^ sh / 2 ^ E1) by (field; lra).
    apply div_le_compat; lra. }
  assert (L2 : e <= IZR (shr sh (snd b) + 1) * c).
  { destruct (shr_bounds sh (snd b)) as [_ H]. eapply Rle_trans; [exact Hb2|]. unfold c, inj.
    rewrite plus_IZR.
    replace ((IZR (shr sh (snd b)) + 1) * (2 ^ sh / 2 ^ E1)) with ((IZR (shr sh (snd b)) + 1) * 2 ^ sh / 2 ^ E1) by (field; lra).
    apply div_le_compat; lra. }
  pose proof (lowmul_real _ _ W c e Hc L1 L2) as L3.
  assert (Ee : e * exp (Cq q) = exp (inj (eS N) (SZ N q t i) / sqrt (INR h))).
  { unfold e. rewrite <- exp_plus. f_equal. ring. }
  rewrite <- Ee. eapply Rle_trans with (e * exp (Cq q) * inj (eM N - r) W).
  - set (T := lowmul (shr sh (fst b)) (shr sh (snd b) + 1) W) in *.
    assert (E2 : inj (E1 + (eM N - r)) T * (2 ^ sh * exp (Cq q)) = IZR T * c / 2 ^ (eM N - r) * exp (Cq q)).
    { unfold inj, c. rewrite pow_add. field. lra. }
    rewrite E2. unfold inj. pose proof (exp_pos (Cq q)).
    replace (e * exp (Cq q) * (IZR W / 2 ^ (eM N - r))) with (e * IZR W / 2 ^ (eM N - r) * exp (Cq q)) by (field; lra).
    apply Rmult_le_compat_r; [lra|]. apply div_le_compat; lra.
  - apply Rmult_le_compat_l; [left; apply Rmult_lt_0_compat; [apply exp_pos|apply exp_pos]|exact HW].
Qed.

(** The checker's count is at most the number of correctly classified inputs. *)
Theorem cubic_sound : (0 < h)%nat -> (0 < v)%nat -> (0 < K)%nat -> (rb <= prec + prec)%nat -> (r <= eM N)%nat ->
  (sh2 <= eS N)%nat ->
  (cubic_count <= Z.of_nat (n_correct N))%Z.
Proof.
  intros Hh Hv HK Hrb Hr Hsh. unfold cubic_count. cbv zeta. fold PV PO PU PK PQ. fold KEr KPr OVR CW.
  apply (cubic_abstract_sound (fun q m t i => TQ (bq_of (q_round PQ q) KEr KPr) (wq_of OVR CW (d_round PU q)) m t i) Fq (E1 + (eM N - r))).
  - intros q m. unfold Fq. apply Rmult_lt_0_compat; [apply pow2_pos|apply exp_pos].
  - intros q m t i o Hq Hm Ht Hi Ho Hne. apply fast_term_sound; assumption.
  - exact Hv.
  - exact HK.
Qed.

End Cubic.
