From Coq Require Import ZArith List Lia Bool.
Import ListNotations.
Open Scope Z_scope.

Fixpoint dot (x y : list Z) : Z :=
  match x, y with a :: x', b :: y' => a * b + dot x' y' | _, _ => 0 end.
Fixpoint vadd (x y : list Z) : list Z :=
  match x, y with a :: x', b :: y' => (a + b) :: vadd x' y' | _, _ => [] end.
Definition matvec (M : list (list Z)) (y : list Z) : list Z := map (fun row => dot row y) M.

Lemma dot_add_l : forall x y z, length x = length y -> dot (vadd x y) z = dot x z + dot y z.
Proof.
  induction x as [|a x IH]; intros [|b y] [|c z] H; simpl in *; try lia.
  rewrite IH by lia. ring.
Qed.

Lemma dot_add_r : forall x y z, length y = length z -> dot x (vadd y z) = dot x y + dot x z.
Proof.
  induction x as [|a x IH]; intros [|b y] [|c z] H; simpl in *; try lia.
  rewrite IH by lia. ring.
Qed.

Lemma matvec_add : forall M y z, length y = length z -> matvec M (vadd y z) = vadd (matvec M y) (matvec M z).
Proof.
  induction M as [|row M IH]; intros y z H; simpl; [reflexivity|].
  rewrite dot_add_r by exact H. f_equal. apply IH, H.
Qed.

Lemma matvec_length : forall M y, length (matvec M y) = length M.
Proof. intros. unfold matvec. apply map_length. Qed.

Definition bil (M : list (list Z)) (x y : list Z) : Z := dot x (matvec M y).

(* attention score of (token + position) against (token + position): four paths *)
Theorem score_expand : forall M e p f r,
  length e = length p -> length f = length r ->
  bil M (vadd e p) (vadd f r) = bil M e f + bil M e r + bil M p f + bil M p r.
Proof.
Admitted.
