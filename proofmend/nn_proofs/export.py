"""Export tiny integer-weight max-of-K networks as Coq ``nn_bound`` tasks.

Each task is a self-contained Coq 8.16 file (standard library only) whose
target theorem ends in ``Admitted.``, with a reference proof that checks. The
concrete statements (counts, bounds) are computed here from the exported integer
networks with the Python mirror in :mod:`.intnet`, so they are true by
construction and the reference proofs confirm them in Coq.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from . import coq_text as ct
from . import intnet
from .model import ModelConfig, ModelWeights
from .paths import path_tables, query_side
from .task_files import CoqTask, default_corpus_dir, write_task_lines

#: Largest input space a concrete task may enumerate in Coq.
MAX_INPUTS = 5000


def _train_tiny(v: int, k: int, seed: int, steps: int) -> ModelWeights:
    from .train import TrainConfig, train

    return train(ModelConfig(k=k, vocab=v, d_model=8, d_head=8), TrainConfig(steps=steps, seed=seed)).model.weights()


# ----------------------------------------------------------------- task builders


def kind1_tasks(net: intnet.IntNet, pair_net: intnet.IntNet, origin: str, pair_origin: str) -> list[CoqTask]:
    """Brute-force correctness: exact count, input-space completeness, reflection."""
    pre = ct.network_prelude(net, origin)
    n = intnet.count_correct(net)
    tasks = [
        CoqTask(
            "count_correct_exact", "count_correct_value", pre,
            f"Theorem count_correct_value : count_correct = {n}%nat.",
            "Proof.\n  vm_compute. reflexivity.\nQed.",
            ["nn", "brute-force", "vm_compute", "kind1", "easy"],
        ),
        CoqTask(
            "all_seqs_complete", "all_seqs_complete", pre,
            "Lemma all_seqs_complete : forall (k : nat) (x : list nat),\n"
            "  length x = k -> Forall (fun t => (t < vocab)%nat) x -> In x (all_seqs k).",
            ct.ALL_SEQS_COMPLETE_PROOF,
            ["nn", "brute-force", "reflection", "induction", "kind1", "medium"],
        ),
    ]
    if n == net.vocab**net.ctx:
        ctx_lemma = pre + "\nLemma all_seqs_complete : forall (k : nat) (x : list nat),\n" \
            "  length x = k -> Forall (fun t => (t < vocab)%nat) x -> In x (all_seqs k).\n" \
            + ct.ALL_SEQS_COMPLETE_PROOF + "\n"
        tasks.append(CoqTask(
            "net_correct_reflection", "net_correct", ctx_lemma,
            "(* the network computes the max of every input *)\n"
            "Theorem net_correct : forall x : list nat,\n"
            "  length x = ctx -> Forall (fun t => (t < vocab)%nat) x -> correctb x = true.",
            "Proof.\n  intros x Hlen Hall.\n"
            "  assert (H : forallb correctb (all_seqs ctx) = true) by (vm_cast_no_check (eq_refl true)).\n"
            "  rewrite forallb_forall in H. apply H, all_seqs_complete; assumption.\nQed.",
            ["nn", "brute-force", "reflection", "vm_compute", "kind1", "medium"],
        ))
    if intnet.count_correct(pair_net) == pair_net.vocab**pair_net.ctx and pair_net.ctx == 2:
        tasks.append(CoqTask(
            "net_correct_pairs", "net_correct_pairs", ct.network_prelude(pair_net, pair_origin),
            "Theorem net_correct_pairs : forall a b : nat,\n"
            "  (a < vocab)%nat -> (b < vocab)%nat -> correctb [a; b] = true.",
            "Proof.\n  intros a b Ha Hb.\n"
            "  assert (H : forallb correctb (all_seqs 2) = true) by (vm_cast_no_check (eq_refl true)).\n"
            "  rewrite forallb_forall in H. apply H.\n"
            "  cbn [all_seqs]. apply in_flat_map. exists a. split; [apply in_seq; lia|].\n"
            "  apply in_map, in_flat_map. exists b. split; [apply in_seq; lia|].\n"
            "  left. reflexivity.\nQed.",
            ["nn", "brute-force", "reflection", "vm_compute", "kind1", "medium"],
        ))
    return tasks


def accuracy_task(net: intnet.IntNet, origin: str) -> CoqTask:
    n, total = intnet.count_correct(net), net.vocab**net.ctx
    pct = math.floor(100 * n / total)
    return CoqTask(
        "accuracy_percent", f"accuracy_at_least_{pct}", ct.network_prelude(net, origin),
        f"(* at least {pct}% of the {total} inputs are answered correctly *)\n"
        f"Theorem accuracy_at_least_{pct} : {pct} * {total} <= 100 * Z.of_nat count_correct.",
        "Proof.\n  apply Z.leb_le. vm_compute. reflexivity.\nQed.",
        ["nn", "brute-force", "accuracy-bound", "vm_compute", "kind1", "easy"],
    )


def _table_task(w: ModelWeights, bits: int = 3) -> CoqTask:
    """Per-token attention table justified by the bilinear identity on integer weights."""
    scale = 2**bits
    qe = np.rint(query_side(w) @ w.W_Q * scale).astype(np.int64)
    ke = np.rint(w.W_E @ w.W_K * scale).astype(np.int64)
    qe_l = [[int(x) for x in r] for r in qe]
    ke_l = [[int(x) for x in r] for r in ke]
    ident = [[int(i == j) for j in range(qe.shape[1])] for i in range(qe.shape[1])]
    table = [[sum(a * b for a, b in zip(qr, kr)) for kr in ke_l] for qr in qe_l]
    ctx = ct.HEADER + ct.DOT_DEFS + f"""
(* query-side and key-side embeddings of a trained model times W_Q / W_K, scaled by {scale}
   and rounded; the attention table QK_table is precomputed from them *)
Definition vocab : nat := {w.config.vocab}.
Definition QE : list (list Z) :=
  {ct.zmatrix(qe_l)}.
Definition KE : list (list Z) :=
  {ct.zmatrix(ke_l)}.
Definition Id : list (list Z) :=
  {ct.zmatrix(ident)}.
Definition QK_table : list (list Z) :=
  {ct.zmatrix(table)}.
Definition at2 (m : list (list Z)) (i j : nat) : Z := nth j (nth i m []) 0.
"""
    return CoqTask(
        "table_from_weights", "qk_table_correct", ctx,
        "Theorem qk_table_correct : forall q t : nat, (q < vocab)%nat -> (t < vocab)%nat ->\n"
        "  at2 QK_table q t = dot (nth q QE []) (matvec Id (nth t KE [])).",
        "Proof.\n"
        "  assert (H : forallb (fun q => forallb (fun t =>\n"
        "    Z.eqb (at2 QK_table q t) (dot (nth q QE []) (matvec Id (nth t KE [])))) (seq 0 vocab)) (seq 0 vocab) = true)\n"
        "    by (vm_compute; reflexivity).\n"
        "  intros q t Hq Ht. rewrite forallb_forall in H.\n"
        "  specialize (H q ltac:(apply in_seq; lia)). rewrite forallb_forall in H.\n"
        "  apply Z.eqb_eq, H, in_seq. lia.\nQed.",
        ["nn", "path-decomposition", "reflection", "kind2", "medium"],
    )


def kind2_tasks(net: intnet.IntNet, w: ModelWeights, origin: str) -> list[CoqTask]:
    """Path-decomposition identities."""
    pre = ct.network_prelude(net, origin) + """
Definition ov_part (x : list nat) (o : nat) : Z :=
  fold_right (fun (wti : Z * nat * nat) acc => let '(w, t, i) := wti in w * at2 OV_tok t o + acc) 0 (terms (last_tok x) x 0).
Definition pos_part (x : list nat) (o : nat) : Z :=
  fold_right (fun (wti : Z * nat * nat) acc => let '(w, t, i) := wti in w * at2 OV_pos i o + acc) 0 (terms (last_tok x) x 0).
Definition zsum (x : list nat) : Z :=
  fold_right (fun (wti : Z * nat * nat) acc => let '(w, t, i) := wti in w + acc) 0 (terms (last_tok x) x 0).
"""
    return [
        CoqTask(
            "dot_add_l", "dot_add_l", ct.HEADER + ct.DOT_DEFS,
            "Lemma dot_add_l : forall x y z, length x = length y -> dot (vadd x y) z = dot x z + dot y z.",
            "Proof.\n  induction x as [|a x IH]; intros [|b y] [|c z] H; simpl in *; try lia.\n"
            "  rewrite IH by lia. ring.\nQed.",
            ["nn", "path-decomposition", "lists", "induction", "kind2", "easy"],
        ),
        CoqTask(
            "logit_paths", "logit_paths", pre,
            "(* logits split into the token OV path, the positional OV path and the direct path *)\n"
            "Theorem logit_paths : forall x o,\n"
            "  logit x o = ov_part x o + pos_part x o + zsum x * at2 Direct (last_tok x) o.",
            "Proof.\n  intros x o. unfold logit, ov_part, pos_part, zsum.\n"
            "  induction (terms (last_tok x) x 0) as [|[[w t] i] l IH]; simpl; [ring|].\n"
            "  rewrite IH. ring.\nQed.",
            ["nn", "path-decomposition", "lists", "ring", "kind2", "medium"],
        ),
        CoqTask(
            "bilinear_expand", "score_expand", ct.HEADER + ct.DOT_DEFS + ct.DOT_LEMMAS + """
Definition bil (M : list (list Z)) (x y : list Z) : Z := dot x (matvec M y).
""",
            "(* attention score of (token + position) against (token + position): four paths *)\n"
            "Theorem score_expand : forall M e p f r,\n"
            "  length e = length p -> length f = length r ->\n"
            "  bil M (vadd e p) (vadd f r) = bil M e f + bil M e r + bil M p f + bil M p r.",
            "Proof.\n  intros M e p f r Hep Hfr. unfold bil.\n"
            "  rewrite matvec_add by exact Hfr. rewrite dot_add_l by exact Hep.\n"
            "  rewrite !dot_add_r by (rewrite !matvec_length; reflexivity). ring.\nQed.",
            ["nn", "path-decomposition", "bilinear", "rewrite", "kind2", "medium"],
        ),
        _table_task(w),
    ]


GENERIC_KIND3 = ct.HEADER + """
(* one entry per key position: attention weight, margin contribution, holds the max? *)
Fixpoint wdot (l : list (Z * Z * bool)) : Z :=
  match l with [] => 0 | (w, d, _) :: r => w * d + wdot r end.
Fixpoint wsum (b : bool) (l : list (Z * Z * bool)) : Z :=
  match l with [] => 0 | (w, _, b') :: r => (if Bool.eqb b b' then w else 0) + wsum b r end.
"""


def kind3_tasks(net: intnet.IntNet, origin: str) -> list[CoqTask]:
    """The cubic worst-case argument: its soundness lemmas and its certificate on a network."""
    pre = ct.network_prelude(net, origin) + ct.CUBIC_DEFS
    proven = intnet.cubic_count(net)
    return [
        CoqTask(
            "worst_case_combination", "worst_case_combination", GENERIC_KIND3,
            "(* the margin is at least X times the weight on max positions plus Y times the rest *)\n"
            "Lemma worst_case_combination : forall (X Y : Z) (l : list (Z * Z * bool)),\n"
            "  Forall (fun '((w, d, b) : Z * Z * bool) => 0 <= w /\\ (if b then X <= d else Y <= d)) l ->\n"
            "  X * wsum true l + Y * wsum false l <= wdot l.",
            "Proof.\n  intros X Y l. induction l as [|[[w d] b] l IH]; simpl; intros H; [lia|].\n"
            "  inversion H as [|? ? Hh Ht]; subst. destruct Hh as [Hw Hd]. specialize (IH Ht).\n"
            "  destruct b; simpl in *; nia.\nQed.",
            ["nn", "cubic", "soundness", "induction", "nia", "kind3", "medium"],
        ),
        CoqTask(
            "margin_positive", "margin_positive", ct.HEADER,
            "(* enough attention on the max positions beats the worst non-max contribution *)\n"
            "Lemma margin_positive : forall wM wN lowM highN X Y : Z,\n"
            "  0 < X -> Y <= 0 -> lowM <= wM -> 0 <= wN <= highN ->\n"
            "  0 < lowM * X + highN * Y -> 0 < wM * X + wN * Y.",
            "Proof.\n  intros. nia.\nQed.",
            ["nn", "cubic", "soundness", "nia", "kind3", "easy"],
        ),
        CoqTask(
            "cubic_certificate_sound", "cubic_certificate_sound", pre,
            "Theorem cubic_certificate_sound : forall x,\n"
            "  In x (all_seqs ctx) -> cubic_ok x = true -> correctb x = true.",
            "Proof.\n"
            "  assert (H : forallb (fun x => implb (cubic_ok x) (correctb x)) (all_seqs ctx) = true)\n"
            "    by (vm_cast_no_check (eq_refl true)).\n"
            "  intros x Hx Hc. rewrite forallb_forall in H. specialize (H x Hx).\n"
            "  rewrite Hc in H. exact H.\nQed.",
            ["nn", "cubic", "soundness-by-enumeration", "reflection", "kind3", "medium"],
        ),
        CoqTask(
            "cubic_count", "cubic_proves", pre,
            f"(* the case-level certificate covers at least {proven} of the {net.vocab ** net.ctx} inputs *)\n"
            f"Theorem cubic_proves : ({proven} <= cubic_count)%nat.",
            "Proof.\n  apply Nat.leb_le. vm_compute. reflexivity.\nQed.",
            ["nn", "cubic", "vm_compute", "kind3", "easy"],
        ),
        CoqTask(
            "cases_partition", "cases_cover", pre,
            "(* the case counts add up to the whole input space *)\n"
            "Theorem cases_cover :\n"
            "  fold_right (fun (cs : nat * nat * nat * nat) acc => let '(q, m, tp, c) := cs in\n"
            "    (case_count q m tp c + acc)%nat) 0%nat all_cases = (vocab ^ ctx)%nat.",
            "Proof.\n  vm_compute. reflexivity.\nQed.",
            ["nn", "cubic", "counting", "vm_compute", "kind3", "easy"],
        ),
    ]


def _rank1_task(net: intnet.IntNet, origin: str, bits: int = 8) -> CoqTask:
    s = np.array(net.S, dtype=float)
    u, sv, vt = np.linalg.svd(s)
    qa = np.rint(u[:, 0] * sv[0] * 2 ** (bits / 2)).astype(np.int64)
    sz = np.rint(vt[0] * 2 ** (bits / 2)).astype(np.int64)
    scale = 2**bits
    eps = max(abs(scale * net.S[q][t] - int(qa[q]) * int(sz[t])) for q in range(net.vocab) for t in range(net.vocab))
    ctx = ct.network_prelude(net, origin) + f"""
(* a rank-1 "size" approximation of the attention table, scaled by 2^{bits} *)
Definition qa : list Z := {ct.zlist([int(x) for x in qa])}.
Definition sz : list Z := {ct.zlist([int(x) for x in sz])}.
"""
    return CoqTask(
        "rank1_error", "rank1_error_bound", ctx,
        f"Theorem rank1_error_bound : forall q t : nat, (q < vocab)%nat -> (t < vocab)%nat ->\n"
        f"  Z.abs ({scale} * at2 QK_tok q t - nth q qa 0 * nth t sz 0) <= {eps}.",
        "Proof.\n"
        "  assert (H : forallb (fun q => forallb (fun t =>\n"
        f"    Z.abs ({scale} * at2 QK_tok q t - nth q qa 0 * nth t sz 0) <=? {eps}) (seq 0 vocab)) (seq 0 vocab) = true)\n"
        "    by (vm_compute; reflexivity).\n"
        "  intros q t Hq Ht. rewrite forallb_forall in H.\n"
        "  specialize (H q ltac:(apply in_seq; lia)). rewrite forallb_forall in H.\n"
        "  apply Z.leb_le, H, in_seq. lia.\nQed.",
        ["nn", "error-term", "rank-1", "reflection", "kind4", "medium"],
    )


def kind4_tasks(net: intnet.IntNet, origin: str) -> list[CoqTask]:
    """Error-term bounds over Z and Q."""
    return [
        CoqTask(
            "row_range_bound", "err_bound", ct.HEADER + """
(* entries (a_k, B[k,i], B[k,j], lo_k, hi_k) with lo_k <= B[k,_] <= hi_k *)
Fixpoint lhs (l : list (Z * Z * Z * Z * Z)) : Z :=
  match l with [] => 0 | (a, u, v, _, _) :: r => a * u - a * v + lhs r end.
Fixpoint rhs (l : list (Z * Z * Z * Z * Z)) : Z :=
  match l with [] => 0 | (a, _, _, lo, hi) :: r => Z.abs a * (hi - lo) + rhs r end.
""",
            "(* (AB)[r,i] - (AB)[r,j] <= sum_k |A[r,k]| * (max_i B[k,i] - min_j B[k,j]) *)\n"
            "Theorem err_bound : forall l : list (Z * Z * Z * Z * Z),\n"
            "  Forall (fun '((a, u, v, lo, hi) : Z * Z * Z * Z * Z) => lo <= u <= hi /\\ lo <= v <= hi) l ->\n"
            "  lhs l <= rhs l.",
            "Proof.\n  induction l as [|[[[[a u] v] lo] hi] l IH]; simpl; intros H; [lia|].\n"
            "  inversion H as [|? ? Hh Ht]; subst. specialize (IH Ht).\n"
            "  destruct Hh as [[Hu1 Hu2] [Hv1 Hv2]].\n"
            "  destruct (Z.abs_spec a) as [[Ha Ea]|[Ha Ea]]; rewrite Ea; nia.\nQed.",
            ["nn", "error-term", "induction", "nia", "kind4", "medium"],
        ),
        CoqTask(
            "abs_sum_triangle", "abs_sum_le", ct.HEADER,
            "Theorem abs_sum_le : forall l : list Z,\n"
            "  Z.abs (fold_right Z.add 0 l) <= fold_right Z.add 0 (map Z.abs l).",
            "Proof.\n  induction l as [|a l IH]; simpl; [lia|].\n"
            "  eapply Z.le_trans; [apply Z.abs_triangle|lia].\nQed.",
            ["nn", "error-term", "triangle-inequality", "kind4", "easy"],
        ),
        CoqTask(
            "product_error_q", "product_error", "From Coq Require Import QArith Qabs.\nOpen Scope Q_scope.\n",
            "(* error of a product of approximations, over the rationals *)\n"
            "Theorem product_error : forall x y x' y' : Q,\n"
            "  Qabs (x * y - x' * y') <= Qabs x * Qabs (y - y') + Qabs y' * Qabs (x - x').",
            "Proof.\n  intros. setoid_replace (x * y - x' * y') with (x * (y - y') + y' * (x - x')) by ring.\n"
            "  eapply Qle_trans; [apply Qabs_triangle|]. rewrite !Qabs_Qmult. apply Qle_refl.\nQed.",
            ["nn", "error-term", "rationals", "kind4", "medium"],
        ),
        _rank1_task(net, origin),
    ]


def kind6_tasks(net: intnet.IntNet, origin: str) -> list[CoqTask]:
    """Symmetry reductions."""
    pre = ct.network_prelude(net, origin) + """
From Coq Require Import Permutation.
(* the token part of the attention-weighted sum, positions left out *)
Definition tok_sum (q o : nat) (x : list nat) : Z :=
  fold_right (fun t acc => 2 ^ at2 QK_tok q t * at2 OV_tok t o + acc) 0 x.
"""
    return [
        CoqTask(
            "token_sum_permutation", "tok_sum_perm", pre,
            "Theorem tok_sum_perm : forall q o x y, Permutation x y -> tok_sum q o x = tok_sum q o y.",
            "Proof.\n  intros q o x y H. unfold tok_sum.\n"
            "  induction H; simpl; lia.\nQed.",
            ["nn", "symmetry", "permutation", "induction", "kind6", "easy"],
        ),
        CoqTask(
            "max_permutation", "max_perm", ct.HEADER + """From Coq Require Import Permutation.
Fixpoint list_max_nat (x : list nat) : nat :=
  match x with [] => 0%nat | t :: r => Nat.max t (list_max_nat r) end.
""",
            "(* the target of max-of-K is invariant under reordering the input *)\n"
            "Theorem max_perm : forall x y, Permutation x y -> list_max_nat x = list_max_nat y.",
            "Proof.\n  intros x y H. induction H; simpl; lia.\nQed.",
            ["nn", "symmetry", "permutation", "kind6", "easy"],
        ),
        CoqTask(
            "swap_keys", "swap_keys_tok_sum", pre,
            "(* swapping two key positions leaves the query and the token sum unchanged *)\n"
            "Theorem swap_keys_tok_sum : forall a b c r o,\n"
            "  last_tok (a :: b :: c :: r) = last_tok (b :: a :: c :: r) /\\\n"
            "  tok_sum (last_tok (a :: b :: c :: r)) o (a :: b :: c :: r) =\n"
            "  tok_sum (last_tok (b :: a :: c :: r)) o (b :: a :: c :: r).",
            "Proof.\n  intros. split; [reflexivity|]. simpl last_tok. unfold tok_sum. simpl. ring.\nQed.",
            ["nn", "symmetry", "ring", "kind6", "easy"],
        ),
    ]


# ------------------------------------------------------------------------- export


def build_tasks(weights: ModelWeights | None = None, seed: int = 0, steps: int = 2000) -> list[CoqTask]:
    """All tasks. ``weights`` (if given) is the main network; otherwise a tiny one is trained."""
    if weights is not None:
        v, k = weights.config.vocab, weights.config.k
        if v**k > MAX_INPUTS:
            raise ValueError(f"model too large to enumerate in Coq: vocab^k = {v**k} > {MAX_INPUTS}")
        main_w, origin = weights, f"a given model (v={v}, K={k})"
    else:
        main_w, origin = _train_tiny(6, 3, seed, steps), f"a trained model (v=6, K=3, d=8, seed {seed})"
    pair_w = _train_tiny(5, 2, seed, steps)
    wide_w = _train_tiny(5, 4, seed, steps)
    main = intnet.quantize(path_tables(main_w))
    pair = intnet.quantize(path_tables(pair_w))
    wide = intnet.quantize(path_tables(wide_w))
    wide_origin = f"a trained model (v=5, K=4, d=8, seed {seed})"
    pair_origin = f"a trained model (v=5, K=2, d=8, seed {seed})"
    tasks = kind1_tasks(main, pair, origin, pair_origin)
    tasks.append(accuracy_task(wide, wide_origin))
    tasks += kind2_tasks(main, main_w, origin)
    tasks += kind3_tasks(wide, wide_origin)
    tasks += kind4_tasks(main, origin)
    tasks += kind6_tasks(main, origin)
    from .cert_tasks import cert_tasks  # lemmas of the Coq certificate (kind 5, checker soundness)

    tasks += cert_tasks()
    return tasks


def export_tasks(
    out_root: Path | None = None, weights: ModelWeights | None = None, seed: int = 0, steps: int = 2000
) -> list[Path]:
    """Write ``nn_bound/*.v`` and ``nn_bound/tasks.jsonl`` under ``out_root`` (default: built-in corpus)."""
    root = Path(out_root) if out_root is not None else default_corpus_dir()
    folder = root / "nn_bound"
    folder.mkdir(parents=True, exist_ok=True)
    tasks = build_tasks(weights, seed=seed, steps=steps)
    written = []
    for task in tasks:
        path = folder / f"{task.name}.v"
        path.write_text(task.file_text())
        written.append(path)
    write_task_lines(folder / "tasks.jsonl", [task.task_line() for task in tasks])
    return written
