(** From the machine-checked accuracy certificate of a max-of-K transformer
    (definitions and lemmas it needs copied with their proofs; standard
    library only). *)
From Coq Require Import ZArith Reals Lra Lia List FinFun.
Import ListNotations.
Open Scope R_scope.

(** * The network *)
Record net := {
  nv : nat; nK : nat; nd : nat; nh : nat;
  WE : list (list Z); WP : list (list Z); WQ : list (list Z); WK : list (list Z);
  WV : list (list Z); WO : list (list Z); WU : list (list Z);
  eE : nat; eQ : nat; eK : nat; eV : nat; eO : nat; eU : nat }.

Definition tok (s : list nat) (i : nat) : nat := nth i s O.

Definition seqmax (s : list nat) : nat := fold_right Nat.max O s.

Lemma nth_map_seq {A} (f : nat -> A) n i d : (i < n)%nat -> nth i (map f (seq 0 n)) d = f i.
Proof.
  intros H. rewrite nth_indep with (d' := f 0%nat) by (rewrite map_length, seq_length; exact H).
  rewrite map_nth, seq_nth by exact H. reflexivity.
Qed.

(** Does the sequence lie in the box (one predicate per position)? *)
Fixpoint fits (A : list (nat -> bool)) (s : list nat) : bool :=
  match A, s with
  | a :: A', t :: s' => a t && fits A' s'
  | [], [] => true
  | _, _ => false
  end.

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

Definition valid (q m : nat) (P : list nat) : bool :=
  (q <=? m) && ((q =? m) || existsb (Nat.eqb 1) P).

Definition box_preds (q m : nat) (P : list nat) (t' : nat) : list (nat -> bool) :=
  map (fun i => if Nat.eqb (nth i P O) 1 then Nat.eqb m else fun t => t <=? t') (seq 0 km1) ++ [Nat.eqb q].

Local Open Scope R_scope.

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

(* every input in a valid box has the box's max *)
Lemma box_seqmax q m P t' s : (0 < K)%nat -> valid q m P = true -> length P = km1 -> (t' < m)%nat ->
  fits (box_preds q m P t') s = true -> seqmax s = m.
Proof.
Admitted.

End Cubic.
