(** From the machine-checked accuracy certificate of a max-of-K transformer
    (definitions and lemmas it needs copied with their proofs; standard
    library only). *)
From Coq Require Import ZArith Reals Lra Lia List FinFun.
Import ListNotations.
Open Scope R_scope.

Lemma pow2Z_pos e : (0 < 2 ^ Z.of_nat e)%Z.
Proof. apply Z.pow_pos_nonneg; lia. Qed.
Fixpoint sumZ (n : nat) (f : nat -> Z) : Z :=
  match n with O => 0%Z | S n' => (sumZ n' f + f n')%Z end.

Lemma sumZ_ext n f g : (forall i, (i < n)%nat -> f i = g i) -> sumZ n f = sumZ n g.
Proof.
  induction n as [|n IH]; intros H; simpl; [reflexivity|].
  rewrite IH by (intros; apply H; lia). rewrite H by lia. reflexivity.
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
Definition last_pos := (nK N - 1)%nat.

(** * Integer path tables (specifications) *)
Local Open Scope Z_scope.
Definition xZ t i j := (ent (WE N) t j + ent (WP N) i j)%Z.
Definition vZ t i hh := sumZ (nd N) (fun j => xZ t i j * ent (WV N) j hh).
Definition oZ t i j := sumZ (nh N) (fun hh => vZ t i hh * ent (WO N) hh j).
Definition OVZ t i o := sumZ (nd N) (fun j => oZ t i j * ent (WU N) j o).
Definition DZ q o := sumZ (nd N) (fun j => xZ q last_pos j * ent (WU N) j o).
(** Margin of output [m] over [o] carried by position [i] holding token [t], query token [q]. *)
Definition MZ q t i m o :=
  (OVZ t i m - OVZ t i o + (DZ q m - DZ q o) * 2 ^ Z.of_nat (eV N + eO N))%Z.

End Model.

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

Section Brute.
Variable N : net.
Local Notation v := (nv N).
Local Notation d := (nd N).

(** Shared integer tables *)
Definition xrow t i : list Z := map (fun j => xZ N t i j) (seq 0 d).
Definition dvec q : list Z := vecmat d v (xrow q (last_pos N)) (WU N).

Lemma xrow_nth t i j : (j < d)%nat -> nth j (xrow t i) 0%Z = xZ N t i j.
Proof. intros H. unfold xrow. apply (nth_map_seq (fun j => xZ N t i j)). exact H. Qed.

Lemma dvec_spec q o : (o < v)%nat -> nth o (dvec q) 0%Z = DZ N q o.
Proof.
  intros Ho. unfold dvec. rewrite nth_vecmat by exact Ho. unfold DZ. apply sumZ_ext. intros j Hj.
  rewrite xrow_nth by exact Hj. reflexivity.
Qed.
End Brute.

Definition maxlist (l : list Z) : Z := fold_right Z.max (hd 0%Z l) l.

Lemma fold_max_ge x z l : In x l -> (x <= fold_right Z.max z l)%Z.
Proof. induction l as [|y l IH]; simpl; [tauto|]. intros [<-|H]; [lia|]. specialize (IH H). lia. Qed.

Lemma maxlist_ge x l : In x l -> (x <= maxlist l)%Z.
Proof. apply fold_max_ge. Qed.

Lemma nth_map' {A B} (f : A -> B) l i d0 d : (i < length l)%nat -> nth i (map f l) d = f (nth i l d0).
Proof.
  intros H. rewrite (nth_indep _ d (f d0)) by (rewrite map_length; exact H). apply map_nth.
Qed.

Lemma sumZ_plus n f g : sumZ n (fun i => f i + g i)%Z = (sumZ n f + sumZ n g)%Z.
Proof. induction n as [|n IH]; simpl; [reflexivity|]. rewrite IH. ring. Qed.

Section Cubic.
Local Open Scope nat_scope.
Variable N : net.
Local Notation v := (nv N).
Local Notation K := (nK N).
Local Notation d := (nd N).
Local Notation h := (nh N).
(** ** Integer tables (exact) and the fast term *)
Definition erow t : list Z := map (fun j => ent (WE N) t j) (seq 0 d).
Definition prow i : list Z := map (fun j => ent (WP N) i j) (seq 0 d).
Definition chainvec (row : list Z) : list Z :=
  vecmat d v (vecmat h d (vecmat d h row (WV N)) (WO N)) (WU N).

Definition shr (r : nat) (x : Z) : Z := Z.shiftr x (Z.of_nat r).

Definition wlist (a : list Z) : list Z :=
  let top := maxlist a in
  map (fun p => let '(m, am) := p in
         if (am <? top)%Z then (am - top - 2)%Z
         else (am - maxlist (map snd (filter (fun p' => negb (Nat.eqb (fst p') m)) (combine (seq 0 v) a))) - 2)%Z)
      (combine (seq 0 v) a).

Definition minlist (l : list Z) : Z := fold_right Z.min (hd 0%Z l) l.

Definition ev_tab : list (list Z) := map (fun t => chainvec (erow t)) (seq 0 v).
Definition pv_tab : list (list Z) := map (fun i => chainvec (prow i)) (seq 0 K).

Local Open Scope R_scope.

Lemma shr_Z k x : (shr k x * 2 ^ Z.of_nat k <= x < (shr k x + 1) * 2 ^ Z.of_nat k)%Z.
Proof.
  unfold shr. rewrite Z.shiftr_div_pow2 by lia. pose proof (pow2Z_pos k) as Hp. split.
  - rewrite Z.mul_comm. apply Z.mul_div_le. exact Hp.
  - pose proof (Z.mul_succ_div_gt x _ Hp) as G. rewrite <- Z.add_1_r in G. lia.
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

(** The least margin [W]: below every margin of [m] over another output. *)
Lemma wlist_spec a m o : length a = v -> (m < v)%nat -> (o < v)%nat -> o <> m ->
  (nth m (wlist a) 0 <= nth m a 0 - nth o a 0 - 2)%Z.
Proof.
  intros Hl Hm Ho Hne. assert (Hc : length (combine (seq 0 v) a) = v) by (rewrite combine_length, seq_length; lia).
  unfold wlist. rewrite (nth_map' _ _ _ (O, 0%Z)) by lia.
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

Lemma chainvec_length row : length (chainvec row) = v.
Proof. unfold chainvec, vecmat. rewrite map_length, seq_length. reflexivity. Qed.

Lemma dvec_length q : length (dvec N q) = v.
Proof. unfold dvec, vecmat. rewrite map_length, seq_length. reflexivity. Qed.

End Cubic.

(** * Integer helpers *)
Lemma fold_min_le x z l : In x l -> (fold_right Z.min z l <= x)%Z.
Proof. induction l as [|y l IH]; simpl; [tauto|]. intros [<-|H]; [lia|]. specialize (IH H). lia. Qed.

Lemma minlist_le x l : In x l -> (minlist l <= x)%Z.
Proof. apply fold_min_le. Qed.

Section Subcubic.
Local Open Scope nat_scope.
Variable N : net.
Local Notation v := (nv N).
Local Notation K := (nK N).

Local Open Scope Z_scope.
(** ** The tables *)
Lemma nth_map_shr r l m : nth m (map (shr r) l) 0 = shr r (nth m l 0).
Proof.
  rewrite <- (map_nth (shr r) l 0 m). f_equal. unfold shr. symmetry. apply Z.shiftr_0_l.
Qed.

(** Parameters and hint (any values are sound): [r] bits dropped from the
    output margins; the key vectors in the hint basis: [ke_t = z_t u + sum_l C[t,l] G_l + res_t]. *)
Variable r : nat.

Definition ge_tab : list (list Z) := map (fun row => map (shr r) (wlist N row)) (ev_tab N).
Definition gp_tab : list Z :=
  let gpi := map (fun row => map (shr r) (wlist N row)) (pv_tab N) in
  map (fun m => minlist (map (fun row => nth m row 0) gpi)) (seq 0 v).
Definition gd_of (q : nat) : list Z :=
  map (shr r) (wlist N (map (fun x => x * 2 ^ Z.of_nat (eV N + eO N)) (dvec N q))).

(** ** Facts about the tables *)
Lemma ge_nth t m : (t < v)%nat -> nth m (nth t ge_tab []) 0 = shr r (nth m (wlist N (chainvec N (erow N t))) 0).
Proof.
  intros Ht. unfold ge_tab, ev_tab. rewrite (nth_map' _ _ _ []) by (rewrite map_length, seq_length; exact Ht).
  rewrite (nth_map_seq (fun t => chainvec N (erow N t))) by exact Ht. apply nth_map_shr.
Qed.

Lemma gp_le i m : (i < K)%nat -> (m < v)%nat -> nth m gp_tab 0 <= shr r (nth m (wlist N (chainvec N (prow N i))) 0).
Proof.
  intros Hi Hm. unfold gp_tab. cbv zeta.
  rewrite (nth_map_seq (fun m => minlist (map (fun row => nth m row 0) _))) by exact Hm.
  rewrite <- nth_map_shr. apply minlist_le. apply in_map_iff.
  exists (map (shr r) (wlist N (chainvec N (prow N i)))). split; [reflexivity|].
  apply in_map_iff. exists (chainvec N (prow N i)). split; [reflexivity|].
  unfold pv_tab. apply in_map_iff. exists i. split; [reflexivity|]. apply in_seq. lia.
Qed.

Lemma gd_nth q m : (m < v)%nat -> nth m (gd_of q) 0 = shr r (nth m (wlist N (map (fun x => x * 2 ^ Z.of_nat (eV N + eO N)) (dvec N q))) 0).
Proof. intros _. apply nth_map_shr. Qed.

(* the path-wise least margins, rounded down, bound every output margin from below *)
Lemma path_margin_lb q t i m o : (q < v)%nat -> (t < v)%nat -> (i < K)%nat -> (m < v)%nat -> (o < v)%nat -> o <> m ->
  (nth m (nth t ge_tab []) 0 + (nth m gp_tab 0 + nth m (gd_of q) 0)) * 2 ^ Z.of_nat r <= MZ N q t i m o.
Proof.
Admitted.

End Subcubic.
