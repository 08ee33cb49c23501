(** From the machine-checked accuracy certificate of a max-of-K transformer
    (definitions and lemmas it needs copied with their proofs; standard
    library only). *)
From Coq Require Import ZArith Reals Lra Lia List FinFun.
Import ListNotations.
Open Scope R_scope.

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

Section Brute.
Variable N : net.
Local Notation d := (nd N).
Local Notation h := (nh N).

(** Shared integer tables *)
Definition xrow t i : list Z := map (fun j => xZ N t i j) (seq 0 d).
Definition qvec q : list Z := vecmat d h (xrow q (last_pos N)) (WQ N).
End Brute.

Definition maxlist (l : list Z) : Z := fold_right Z.max (hd 0%Z l) l.

Lemma fold_max_ge x z l : In x l -> (x <= fold_right Z.max z l)%Z.
Proof. induction l as [|y l IH]; simpl; [tauto|]. intros [<-|H]; [lia|]. specialize (IH H). lia. Qed.

Lemma maxlist_ge x l : In x l -> (x <= maxlist l)%Z.
Proof. apply fold_max_ge. Qed.

Section Cubic.
Local Open Scope nat_scope.
Variable N : net.
Local Notation d := (nd N).
Local Notation h := (nh N).
(** ** Integer tables (exact) and the fast term *)
Definition erow t : list Z := map (fun j => ent (WE N) t j) (seq 0 d).
Definition kevec t : list Z := vecmat d h (erow t) (WK N).

Definition minlist (l : list Z) : Z := fold_right Z.min (hd 0%Z l) l.

End Cubic.

(** * Integer helpers *)
Lemma fold_min_le x z l : In x l -> (fold_right Z.min z l <= x)%Z.
Proof. induction l as [|y l IH]; simpl; [tauto|]. intros [<-|H]; [lia|]. specialize (IH H). lia. Qed.

Lemma minlist_le x l : In x l -> (minlist l <= x)%Z.
Proof. apply fold_min_le. Qed.

Definition rangeZ (l : list Z) : Z := (maxlist l - minlist l)%Z.

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

Section Subcubic.
Local Open Scope nat_scope.
Variable N : net.
Local Notation v := (nv N).
Local Notation h := (nh N).

Local Open Scope Z_scope.
Variables u z : list Z.
Variables G C : list (list Z).
Local Notation nL := (length G).

Definition res_row (kr : list Z) (zt : Z) (cr : list Z) : list Z :=
  map (fun j => nth j kr 0 - zt * nth j u 0 - sumZ nL (fun l => nth l cr 0 * nth j (nth l G []) 0)) (seq 0 h).
Definition res_tab (ke : list (list Z)) : list (list Z) :=
  map (fun t => res_row (nth t ke []) (nth t z 0) (nth t C [])) (seq 0 v).
Definition rc_tab : list Z := map (fun l => rangeZ (map (fun t => nth l (nth t C []) 0) (seq 0 v))) (seq 0 nL).
Definition rr_tab (res : list (list Z)) : list Z :=
  map (fun j => rangeZ (map (fun t => nth j (nth t res []) 0) (seq 0 v))) (seq 0 h).
Definition A_of (qv : list Z) (l : nat) : Z := sumZ h (fun j => nth j (nth l G []) 0 * nth j qv 0).
Definition eps_of (rc rr qv : list Z) : Z :=
  sumZ nL (fun l => Z.abs (A_of qv l) * nth l rc 0) + sumZ h (fun j => Z.abs (nth j qv 0) * nth j rr 0).

(** The score of a key token: rank-1 part plus error. *)
Definition ct t l := nth l (nth t C []) 0.
Definition resZ t j := nth j (kevec N t) 0 - nth t z 0 * nth j u 0 - sumZ nL (fun l => ct t l * nth j (nth l G []) 0).
Definition errZ q t := sumZ nL (fun l => A_of (qvec N q) l * ct t l) + sumZ h (fun j => nth j (qvec N q) 0 * resZ t j).

Lemma res_nth ke t j : ke = map (kevec N) (seq 0 v) -> (t < v)%nat -> (j < h)%nat ->
  nth j (nth t (res_tab ke) []) 0 = resZ t j.
Proof.
  intros -> Ht Hj. unfold res_tab. rewrite (nth_map_seq (fun t => res_row _ _ _)) by exact Ht.
  unfold res_row. rewrite (nth_map_seq (fun j => _)) by exact Hj.
  rewrite (nth_map_seq (kevec N)) by exact Ht. reflexivity.
Qed.

(* the error term's spread over key tokens is at most the computed bound *)
Lemma err_spread ke q t m : ke = map (kevec N) (seq 0 v) -> (t < v)%nat -> (m < v)%nat ->
  errZ q t - errZ q m <= eps_of rc_tab (rr_tab (res_tab ke)) (qvec N q).
Proof.
Admitted.

End Subcubic.
