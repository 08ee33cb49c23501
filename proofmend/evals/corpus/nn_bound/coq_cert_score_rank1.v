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

Section Brute.
Variable N : net.
Local Notation d := (nd N).
Local Notation h := (nh N).

(** Shared integer tables *)
Definition xrow t i : list Z := map (fun j => xZ N t i j) (seq 0 d).
Definition qvec q : list Z := vecmat d h (xrow q (last_pos N)) (WQ N).

Definition score_of (qv kv : list Z) : Z := sumZ h (fun hh => (nth hh qv 0 * nth hh kv 0)%Z).
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
Definition kevec t : list Z := vecmat d h (erow t) (WK N).

End Cubic.

Lemma sumZ_scal n c f : (c * sumZ n f = sumZ n (fun i => c * f i))%Z.
Proof. induction n as [|n IH]; simpl; [ring|]. rewrite <- IH. ring. Qed.

Lemma sumZ_swap n m f :
  sumZ n (fun i => sumZ m (fun j => f i j)) = sumZ m (fun j => sumZ n (fun i => f i j)).
Proof.
  induction n as [|n IH]; simpl.
  - induction m as [|m IHm]; simpl; [reflexivity|]. rewrite <- IHm. reflexivity.
  - rewrite IH. symmetry. apply (sumZ_plus m (fun j => sumZ n (fun i => f i j)) (fun j => f n j)).
Qed.

Section Subcubic.
Local Open Scope nat_scope.
Variable N : net.
Local Notation h := (nh N).

Local Open Scope Z_scope.
Variables u z : list Z.
Variables G C : list (list Z).
Local Notation nL := (length G).

Definition y_of (qv : list Z) : Z := sumZ h (fun j => nth j u 0 * nth j qv 0).
Definition A_of (qv : list Z) (l : nat) : Z := sumZ h (fun j => nth j (nth l G []) 0 * nth j qv 0).

(** The score of a key token: rank-1 part plus error. *)
Definition ct t l := nth l (nth t C []) 0.
Definition resZ t j := nth j (kevec N t) 0 - nth t z 0 * nth j u 0 - sumZ nL (fun l => ct t l * nth j (nth l G []) 0).
Definition errZ q t := sumZ nL (fun l => A_of (qvec N q) l * ct t l) + sumZ h (fun j => nth j (qvec N q) 0 * resZ t j).

(* a key token's score is the rank-1 part from the hint basis plus the error term *)
Lemma score_rank1 q t : score_of N (qvec N q) (kevec N t) = y_of (qvec N q) * nth t z 0 + errZ q t.
Proof.
Admitted.

End Subcubic.
