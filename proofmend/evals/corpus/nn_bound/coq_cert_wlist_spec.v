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

Definition maxlist (l : list Z) : Z := fold_right Z.max (hd 0%Z l) l.

Lemma fold_max_ge x z l : In x l -> (x <= fold_right Z.max z l)%Z.
Proof. induction l as [|y l IH]; simpl; [tauto|]. intros [<-|H]; [lia|]. specialize (IH H). lia. Qed.

Lemma maxlist_ge x l : In x l -> (x <= maxlist l)%Z.
Proof. apply fold_max_ge. Qed.

Lemma nth_map' {A B} (f : A -> B) l i d0 d : (i < length l)%nat -> nth i (map f l) d = f (nth i l d0).
Proof.
  intros H. rewrite (nth_indep _ d (f d0)) by (rewrite map_length; exact H). apply map_nth.
Qed.

Section Cubic.
Local Open Scope nat_scope.
Variable N : net.
Local Notation v := (nv N).

Definition wlist (a : list Z) : list Z :=
  let top := maxlist a in
  map (fun p => let '(m, am) := p in
         if (am <? top)%Z then (am - top - 2)%Z
         else (am - maxlist (map snd (filter (fun p' => negb (Nat.eqb (fst p') m)) (combine (seq 0 v) a))) - 2)%Z)
      (combine (seq 0 v) a).

Local Open Scope R_scope.

(* the least margin of output m is below its margin over every other output *)
Lemma wlist_spec a m o : length a = v -> (m < v)%nat -> (o < v)%nat -> o <> m ->
  (nth m (wlist a) 0 <= nth m a 0 - nth o a 0 - 2)%Z.
Proof.
Admitted.

End Cubic.
