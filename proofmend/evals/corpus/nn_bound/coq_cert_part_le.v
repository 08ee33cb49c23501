(** From the machine-checked accuracy certificate of a max-of-K transformer
    (definitions and lemmas it needs copied with their proofs; standard
    library only). *)
From Coq Require Import ZArith Reals Lra Lia List FinFun.
Import ListNotations.
Open Scope R_scope.

(** * Finite sums *)
Fixpoint sumR (n : nat) (f : nat -> R) : R :=
  match n with O => 0 | S n' => sumR n' f + f n' end.

(** * Dyadic weights: [inj e z] is the real number [z * 2^-e] *)
Definition inj (e : nat) (z : Z) : R := IZR z / 2 ^ e.

Lemma pow2_pos e : 0 < 2 ^ e.
Proof. apply pow_lt. lra. Qed.

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
Definition rK a b := inj (eK N) (ent (WK N) a b).

Definition tok (s : list nat) (i : nat) : nat := nth i s O.

(** Residual stream at position [i]: token embedding plus positional embedding. *)
Definition resid s i j := rE (tok s i) j + rP i j.
Definition key s i hh := sumR (nd N) (fun j => resid s i j * rK j hh).

End Model.
Definition sumL (l : list Z) : Z := fold_right Z.add 0%Z l.

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

(* disjoint parts' counts add up to at most the total *)
Lemma part_le {X I} (l : list X) (Is : list I) (c : I -> Z) (G : I -> X -> bool) (C : X -> bool) (key : X -> I) :
  NoDup Is ->
  (forall i, In i Is -> (c i <= Z.of_nat (length (filter (G i) l)))%Z) ->
  (forall i x, In i Is -> In x l -> G i x = true -> key x = i /\ C x = true) ->
  (sumL (map c Is) <= Z.of_nat (length (filter C l)))%Z.
Proof.
Admitted.
