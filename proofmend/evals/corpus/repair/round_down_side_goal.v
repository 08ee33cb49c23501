(** Rounding prices down to a multiple of a unit.  The helper [div_mul_le]
    is now derived from the standard library's [Nat.mul_div_le] and carries
    its hypothesis [b <> 0]. *)

From Coq Require Import Arith Lia.

Lemma div_mul_le : forall a b, b <> 0 -> b * (a / b) <= a.
Proof. intros a b Hb. apply Nat.mul_div_le. exact Hb. Qed.

Definition round_down (a unit : nat) : nat := unit * (a / unit).

Lemma round_down_between : forall a unit,
  0 < unit -> round_down a unit <= a /\ a < round_down a unit + unit.
Proof.
  intros a unit Hu. unfold round_down. split.
  - apply div_mul_le.
  - pose proof (Nat.div_mod a unit ltac:(lia)) as E.
    pose proof (Nat.mod_upper_bound a unit ltac:(lia)) as M.
    set (q := a / unit) in *. set (r := a mod unit) in *.
    lia.
Qed.
