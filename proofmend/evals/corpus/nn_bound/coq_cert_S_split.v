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
Definition qZ q hh := sumZ (nd N) (fun j => xZ q last_pos j * ent (WQ N) j hh).
Definition kZ t i hh := sumZ (nd N) (fun j => xZ t i j * ent (WK N) j hh).
Definition SZ q t i := sumZ (nh N) (fun hh => qZ q hh * kZ t i hh).

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
Local Notation d := (nd N).
Local Notation h := (nh N).

(** Shared integer tables *)
Definition xrow t i : list Z := map (fun j => xZ N t i j) (seq 0 d).
Definition qvec q : list Z := vecmat d h (xrow q (last_pos N)) (WQ N).
Definition kvec t i : list Z := vecmat d h (xrow t i) (WK N).

Lemma xrow_nth t i j : (j < d)%nat -> nth j (xrow t i) 0%Z = xZ N t i j.
Proof. intros H. unfold xrow. apply (nth_map_seq (fun j => xZ N t i j)). exact H. Qed.

Definition score_of (qv kv : list Z) : Z := sumZ h (fun hh => (nth hh qv 0 * nth hh kv 0)%Z).

Lemma score_of_spec q t i : score_of (qvec q) (kvec t i) = SZ N q t i.
Proof.
  unfold score_of, SZ. apply sumZ_ext. intros hh Hh. unfold qvec, kvec.
  rewrite !nth_vecmat by exact Hh. unfold qZ, kZ. f_equal; apply sumZ_ext; intros j Hj;
  rewrite xrow_nth by exact Hj; reflexivity.
Qed.
End Brute.

Lemma sumZ_plus n f g : sumZ n (fun i => f i + g i)%Z = (sumZ n f + sumZ n g)%Z.
Proof. induction n as [|n IH]; simpl; [reflexivity|]. rewrite IH. ring. Qed.

Section Cubic.
Local Open Scope nat_scope.
Variable N : net.
Local Notation d := (nd N).
Local Notation h := (nh N).
(** ** Integer tables (exact) and the fast term *)
Definition erow t : list Z := map (fun j => ent (WE N) t j) (seq 0 d).
Definition prow i : list Z := map (fun j => ent (WP N) i j) (seq 0 d).
Definition kevec t : list Z := vecmat d h (erow t) (WK N).
Definition kpvec i : list Z := vecmat d h (prow i) (WK N).

Local Open Scope R_scope.

(** Path decompositions of the integer tables *)
Lemma nth_erow t j : (j < d)%nat -> nth j (erow t) 0%Z = ent (WE N) t j.
Proof. intros H. unfold erow. apply (nth_map_seq (fun j => ent (WE N) t j)). exact H. Qed.
Lemma nth_prow i j : (j < d)%nat -> nth j (prow i) 0%Z = ent (WP N) i j.
Proof. intros H. unfold prow. apply (nth_map_seq (fun j => ent (WP N) i j)). exact H. Qed.

(* an attention score splits into a token part and a position part *)
Lemma S_split q t i : SZ N q t i = (score_of N (qvec N q) (kevec t) + score_of N (qvec N q) (kpvec i))%Z.
Proof.
Admitted.

End Cubic.
