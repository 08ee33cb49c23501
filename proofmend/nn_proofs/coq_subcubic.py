"""Exact Python mirror of the subcubic Coq checker (``Subcubic.v``) and its rank-1 hint.

The checker splits inputs into boxes (query token ``q``, max ``m``, the key
positions holding ``m``, every other key position ``<= t'``) as the cubic one
does, but bounds each box with O(1) work from O(v^2) tables:

* values are taken apart path by path (token, position, direct), each with its
  own least margin over the rivals, and a free position holding a token
  ``<= t'`` costs at most the prefix minimum of the token margins;
* the key-side attention is the rank-1 "size" part ``y_q z_t`` plus an error
  whose spread per query row is bounded without forming the v x v score table:
  the key vectors are written in a hint basis ``ke_t = z_t u + sum_l C[t,l] G_l
  + res_t`` (the residual is exact), so the error of row ``q`` is at most
  ``sum_l |qv_q . G_l| range(C[:, l]) + sum_j |qv_q[j]| range(res[:, j])``.

The hint (``u``, ``z``, ``G``, ``C``) comes from an SVD of the key-side
factors in floating point; the Coq soundness theorem holds for any hint, so
the rounding of the hint only costs bound. :func:`subcubic_count` does the
checker's integer arithmetic exactly, so the count written into ``Main.v`` is
known before ``coqc`` confirms it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .coq_common import LOGICAL, IntWeights, _s_hi_at, _s_lo_at, _Tables, _wlistc, _zlist, d_round, ov_round, round_shifts

#: Bits kept of the hint coefficients (``z``, ``C``).
HINT_BITS = 24


@dataclass(frozen=True)
class Hint:
    """Rank-1 hint for the key side: ``ke_t = z_t u + sum_l C[t][l] G[l] + res_t``."""

    u: list[int]  # (h,)
    z: list[int]  # (v,)
    G: list[list[int]]  # (L, h)
    C: list[list[int]]  # (v, L)


@dataclass(frozen=True)
class SubcubicParams:
    """``r``: bits dropped from the output margins; ``si sv so su sd``: the roundings of the value
    and direct paths, as in the cubic checker (any values are sound)."""

    r: int
    si: int = 0
    sv: int = 0
    so: int = 0
    su: int = 0
    sd: int = 0

    @staticmethod
    def for_weights(iw: IntWeights, margin_bits: int = 20, bits: int = 20) -> "SubcubicParams":
        e = iw.exps
        sh = round_shifts(iw, bits)
        return SubcubicParams(r=max(0, e["E"] + e["V"] + e["O"] + e["U"] - margin_bits),
                              **{key: sh[key] for key in ("si", "sv", "so", "su", "sd")})


def _mat(a: list[list[int]]) -> np.ndarray:
    return np.array(a, dtype=object)


def key_vectors(iw: IntWeights) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact integer query vectors ``qv`` (v, h), token keys ``ke`` (v, h), position keys ``kp`` (K, h)."""
    m = {k: _mat(v) for k, v in iw.mats.items()}
    qv = (m["WE"] + m["WP"][iw.k - 1]).dot(m["WQ"])
    return qv, m["WE"].dot(m["WK"]), m["WP"].dot(m["WK"])


def make_hint(iw: IntWeights, rows: int | None = None, bits: int = HINT_BITS) -> Hint:
    """The SVD basis of the key side in integers: ``C`` = right singular coordinates scaled to ``bits`` bits.

    ``rows`` limits the basis to the size direction plus that many further
    directions (default: all ``h - 1``); what is left goes to the residual.
    """
    qv, ke, _ = key_vectors(iw)
    qf, kf = qv.astype(float), ke.astype(float)
    scale = float(np.abs(kf).max()) or 1.0
    qn, kn = qf / (float(np.abs(qf).max()) or 1.0), kf / scale
    _, rq = np.linalg.qr(qn)
    uk, rk = np.linalg.qr(kn)
    _, _, bt = np.linalg.svd(rq @ rk.T)
    w = uk @ bt.T  # (v, h): key-side singular coordinates, orthonormal columns
    g = bt @ rk  # (h, h): rows are the basis vectors in key space (kn = w @ g)
    n = g.shape[0] if rows is None else min(g.shape[0], rows + 1)
    c = np.rint(w[:, :n] * 2.0**bits)
    basis = np.rint(g[:n] * scale / 2.0**bits)
    ints_c = [[int(x) for x in row] for row in c]
    ints_g = [[int(x) for x in row] for row in basis]
    return Hint(u=ints_g[0], z=[row[0] for row in ints_c], G=ints_g[1:], C=[row[1:] for row in ints_c])


def _bsearch(ok, fuel: int, lo: int, hi: int, best: int | None) -> int | None:
    """``Subcubic.bsearch``: binary search for a large ``t`` with ``ok t`` (any result is checked)."""
    for _ in range(fuel):
        if hi <= lo:
            break
        mid = (lo + hi) // 2
        if ok(mid):
            lo, best = mid + 1, mid
        else:
            hi = mid
    return best


def find_t(ok, m: int) -> int | None:
    """``Subcubic.find_t``: ``m - 1`` if it works, else a binary search below it."""
    if m == 0:
        return None
    if ok(m - 1):
        return m - 1
    return _bsearch(ok, m, 0, m - 1, None)


def subcubic_count(iw: IntWeights, params: SubcubicParams, hint: Hint) -> int:
    """Inputs the Coq subcubic checker proves (``Subcubic.sub_count``, same integer arithmetic)."""
    v, k, h = iw.v, iw.k, iw.h
    r = params.r
    e = iw.exps
    e_s = 2 * e["E"] + e["Q"] + e["K"]
    sq_a = math.isqrt(h * 2**40)
    t = _Tables(iw)
    p = params

    def margins(a: tuple[list[int], int]) -> list[int]:
        return _wlistc(a[1], a[0])

    ge = [margins(ov_round(t, r, p.si, p.sv, p.so, p.su, row)) for row in t.erows]
    gpi = [margins(ov_round(t, r, p.si, p.sv, p.so, p.su, row)) for row in t.prows]
    gp = [min(gpi[i][m] for i in range(k)) for m in range(v)]
    gd = [margins(d_round(t, iw, r, p.si, p.sd, q)) for q in range(v)]
    floor = []  # floor[m][t'] = min_{t <= t'} ge[t][m]
    for m in range(v):
        acc, col = None, []
        for t in range(v):
            acc = ge[t][m] if acc is None else min(acc, ge[t][m])
            col.append(acc)
        floor.append(col)

    qv, ke, kp = key_vectors(iw)
    n_l = len(hint.G)
    res = [[int(ke[t][j]) - hint.z[t] * hint.u[j] - sum(hint.C[t][l] * hint.G[l][j] for l in range(n_l))
            for j in range(h)] for t in range(v)]
    rng_c = [max(hint.C[t][l] for t in range(v)) - min(hint.C[t][l] for t in range(v)) for l in range(n_l)]
    rng_r = [max(res[t][j] for t in range(v)) - min(res[t][j] for t in range(v)) for j in range(h)]

    patterns = _patterns(k - 1)
    total = 0
    for q in range(v):
        qrow = [int(x) for x in qv[q]]
        y = sum(hint.u[j] * qrow[j] for j in range(h))
        eps = sum(abs(sum(hint.G[l][j] * qrow[j] for j in range(h))) * rng_c[l] for l in range(n_l))
        eps += sum(abs(qrow[j]) * rng_r[j] for j in range(h))
        zm, acc = [], None
        for t in range(v):
            x = y * hint.z[t]
            acc = x if acc is None else max(acc, x)
            zm.append(acc)
        eh = [_s_hi_at(e_s, x + eps, sq_a) for x in zm]
        sp = [sum(qrow[j] * int(kp[i][j]) for j in range(h)) for i in range(k)]
        ep_lo = [max(0, _s_lo_at(e_s, s, sq_a)) for s in sp]
        ep_hi = [_s_hi_at(e_s, s, sq_a) for s in sp]
        for m in range(q, v):
            x_m = ge[m][m] + gp[m] + gd[q][m]
            if x_m <= 0:
                continue
            ea = max(0, _s_lo_at(e_s, y * hint.z[m], sq_a))
            eax = ea * x_m
            last = 0 if q == m else min(ge[q][m] + gp[m] + gd[q][m], 0) * eh[q] * ep_hi[k - 1]
            for pat in patterns:
                if not (q == m or any(pat)):
                    continue
                pm = sum(ep_lo[i] for i in range(k - 1) if pat[i]) + (ep_lo[k - 1] if q == m else 0)
                pf = sum(ep_hi[i] for i in range(k - 1) if not pat[i])

                a = pm * eax + last

                def ok(tp: int, m: int = m, q: int = q, a: int = a, pf: int = pf) -> bool:
                    ymin = min(floor[m][tp] + gp[m] + gd[q][m], 0)
                    return a + pf * (ymin * eh[tp]) > 0

                tp = find_t(ok, m)
                if tp is not None:
                    total += (tp + 1) ** (k - 1 - sum(pat))
    return total


def _patterns(n: int) -> list[tuple[int, ...]]:
    """``MaxOfK.all_seqs n 2`` in Coq's order."""
    if n == 0:
        return [()]
    return [(b, *rest) for b in (0, 1) for rest in _patterns(n - 1)]


def main_v_subcubic(iw: IntWeights, proven: int, params: SubcubicParams, hint: Hint) -> str:
    """``Main.v``: the hint, the checker's count by reflection, and the accuracy bound."""
    total = iw.v**iw.k

    def row(xs: list[int]) -> str:
        return "[" + "; ".join(str(x) for x in xs) + "]%Z"

    def rows(xss: list[list[int]]) -> str:
        return _zlist(xss) if xss else "[]"

    return f"""(** The trained network's accuracy is at least {proven}/{total}, by the subcubic checker. Generated by proofmend. *)
From Coq Require Import ZArith Reals Lra Lia List.
From {LOGICAL} Require Import MaxOfK ExpBounds Brute Cubic Subcubic Weights.
Import ListNotations.
Open Scope R_scope.

(** Hint: the key vectors in an integer basis, size direction first (any hint is sound). *)
Definition hint_u : list Z := {row(hint.u)}.
Definition hint_z : list Z := {row(hint.z)}.
Definition hint_G : list (list Z) := {rows(hint.G)}.
Definition hint_C : list (list Z) := {rows(hint.C)}.

Lemma sub_count_value : sub_count net0 {params.r} {params.si} {params.sv} {params.so} {params.su} {params.sd} hint_u hint_z hint_G hint_C = {proven}%Z.
Proof. vm_cast_no_check (eq_refl {proven}%Z). Qed.

Lemma inputs_value : Z.of_nat (nv net0 ^ nK net0) = {total}%Z.
Proof. rewrite Nat2Z.inj_pow. vm_cast_no_check (eq_refl {total}%Z). Qed.  (* v^K in binary, not unary nat *)

Theorem accuracy_bound : IZR {proven} / IZR {total} <= accuracy net0.
Proof.
  unfold accuracy. rewrite !INR_IZR_INZ, inputs_value.
  apply Rmult_le_compat_r; [left; apply Rinv_0_lt_compat; apply IZR_lt; lia|].
  apply IZR_le. rewrite <- sub_count_value.
  apply sub_sound; vm_compute; lia.
Qed.
"""


def proven_and_main(iw: IntWeights) -> tuple[int, str]:
    """The subcubic count of the weights (with the SVD hint) and the ``Main.v`` that checks it."""
    params = SubcubicParams.for_weights(iw)
    hint = make_hint(iw)
    proven = subcubic_count(iw, params, hint)
    return proven, main_v_subcubic(iw, proven, params, hint)
