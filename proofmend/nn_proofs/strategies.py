"""Proof strategies: each turns weights into a sound lower bound on accuracy.

* ``brute`` — every input, exact.
* ``cubic`` — cases (query ``q``, max ``m``, set of key positions holding ``m``);
  per case a per-position bound, each position's attention paired with the
  least margin its token can carry there, and the largest workable non-max
  token ``t'`` found by a prefix minimum: O(v^3 k + v^2 2^k k v).
* ``cubic-ordered`` — the case split of :mod:`.cases` with exact tables, every
  case ``(q, m, t', c)`` checked against the worst ordering of positions:
  O(v^3 k^2).
* ``subcubic`` — EQKE replaced by its rank-1 part (the "size" direction) plus an
  error term bounded exactly per query row; the largest workable ``t'`` found by
  binary search, so O(v^2 k^2 log v) cases on top of O(v^2 d) tables.
* ``subcubic-cheap`` — as ``subcubic`` but the error term is never formed: with
  ``EQKE - rank1 = A B``, ``max_{i,j} (AB)[r,i] - (AB)[r,j] <= sum_k |A[r,k]| *
  (max_i B[k,i] - min_j B[k,j])``: O(v d) instead of O(v^2 d).
* ``subcubic-norm`` — error bounded by Cauchy–Schwarz, ``|A_r . (B_i - B_j)| <=
  |A_r| * 2 max_i |B_i|``: cheaper and looser still.

All bounds are in [0, 1]. Soundness of each rests on the arguments in the
docstrings of :mod:`.cases` and below; ``tests/test_nn_strategies.py`` checks
them against brute force.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import brute as brute_mod
from .cases import SLACK, combine, count_table, count_up_to, least_max_attention, position_lse
from .model import ModelWeights
from .paths import PathTables, path_tables, query_side, table_ops


@dataclass(frozen=True)
class Cost:
    """Proof length: the asymptotic formula and the operations actually counted."""

    formula: str
    ops: int


@dataclass(frozen=True)
class BoundResult:
    """A strategy's certified lower bound on accuracy."""

    strategy: str
    bound: float
    proven: int
    total: int
    cost: Cost
    seconds: float

    def to_json(self) -> dict:
        """The ``--json`` shape: strategy, bound, cost {formula, ops}, seconds."""
        return {
            "strategy": self.strategy,
            "bound": self.bound,
            "cost": {"formula": self.cost.formula, "ops": self.cost.ops},
            "seconds": self.seconds,
        }


def _others_max(table: np.ndarray) -> np.ndarray:
    """``out[..., m] = max_{o != m} table[..., o]`` via the top two entries."""
    order = np.argsort(table, axis=-1)
    top = np.take_along_axis(table, order[..., -1:], axis=-1)
    second = np.take_along_axis(table, order[..., -2:-1], axis=-1)
    idx = np.arange(table.shape[-1])
    return np.where(idx == order[..., -1:], second, top)


def _nonmax_value_floor(t: PathTables) -> np.ndarray:
    """``out[m, t'] = min_{t <= t'} (EVOU[t, m] - max_{o != m} EVOU[t, o])``."""
    per_token = t.evou - _others_max(t.evou)  # (t, m)
    return np.minimum.accumulate(per_token, axis=0).T  # (m, t')


def _decoupled_direct(t: PathTables) -> np.ndarray:
    """``out[q, m]``: lower bound on direct path plus positional value margins, o taken apart."""
    direct = t.eu - _others_max(t.eu)  # (q, m)
    pos = (t.pvou - _others_max(t.pvou)).min(axis=0)  # (m,)
    return direct + pos[None, :]


# --------------------------------------------------------------------------- cubic


def cubic_ordered(w: ModelWeights) -> BoundResult:
    """Case split over (q, m, t', c) with exact tables; O(v^3 k^2).

    The margin of the max ``m`` over any ``o`` is, up to the positive softmax
    normaliser, ``sum_i e^{s_i} d_i(o)``. A max position contributes at least
    ``e^{a + p_i} X`` (``X`` = least margin through a copy of ``m``, jointly over
    ``o`` with the direct and positional paths). A non-max position ``j`` holding
    token ``t <= t'`` contributes at least ``e^{p_j} G(t')`` with
    ``G(t') = min_{t <= t'} e^{EQKE[q, t]} min(0, Y(t))``: the attention a token
    draws and the damage it does are paired per token, not worst-with-worst. A
    non-max query contributes its exact token's term. Max tokens go to the
    positions with the smallest positional score (the worst ordering).
    """
    start = time.perf_counter()
    t = path_tables(w)
    v, k, d, h = t.vocab, t.k, w.config.d_model, w.config.d_head
    ops = table_ops(v, k, d, h)
    # margin bound for positional values jointly with the direct path, per output o
    pos_min = (t.pvou[:, :, None] - t.pvou[:, None, :]).min(axis=0)  # (m, o)
    direct = t.eu[:, :, None] - t.eu[:, None, :]  # (q, m, o)
    joint = direct + pos_min[None]
    eye = np.eye(v, dtype=bool)[None]
    evou_gap = np.diagonal(t.evou)[:, None] - t.evou  # (m, o): EVOU[m, m] - EVOU[m, o]
    x_all = np.where(eye, np.inf, joint + evou_gap[None]).min(axis=2)  # (q, m)
    d_min = np.where(eye, np.inf, joint).min(axis=2)  # (q, m)
    per_token = (t.evou - _others_max(t.evou)).T  # (m, t): EVOU[t, m] - max_{o != m} EVOU[t, o]
    ops += v * v * k + 3 * v**3 + 2 * v * v
    m = np.arange(v)[:, None, None]
    c = np.arange(k + 1)[None, None, :]
    proven = 0
    for q in range(v):
        pre, suf, pq = position_lse(t.eqkp[q])
        damage = np.minimum(0.0, d_min[q][:, None] + per_token)  # (m, t)
        rel = np.exp(np.minimum(t.eqke[q][None, :] - t.eqke[q][:, None], 700.0))  # e^{EQKE[q,t] - EQKE[q,m]}
        g = np.minimum.accumulate(rel * damage, axis=1)[:, :, None]  # (m, t', 1)
        x = x_all[q][:, None, None]
        query_term = (np.exp(pq) * rel[:, q] * damage[:, q])[:, None, None]  # non-max query, exact token
        cm = np.maximum(c - 1, 0)
        cc = np.minimum(c, k - 1)
        with np.errstate(invalid="ignore", over="ignore"):
            mass_max = np.where(m == q, np.exp(np.logaddexp(pq, pre[cm])), np.exp(pre[cc]))
            mass_rest = np.where(m == q, np.exp(suf[cm]), np.exp(suf[cc]))
            num = x * mass_max + g * mass_rest + np.where(m == q, 0.0, query_term)
            scale = np.abs(x) * mass_max + np.abs(g) * mass_rest + np.abs(query_term)
        ok = (x > 0) & (num > SLACK * (1.0 + scale))
        ok = np.where(c == k, x > SLACK, ok)
        counts = count_table(v, k, q)
        proven += int(counts[ok].sum())
        ops += v * v * 4 + v * v * (k + 1) * 10
    return _result("cubic-ordered", proven, v**k, Cost("O(v^3 k^2)", ops), start)


def cubic(w: ModelWeights) -> BoundResult:
    """Cases (q, m, P) with a per-position bound; O(v^3 k + v^2 2^k k v).

    A case is a query token ``q`` (at position K-1), a max ``m >= q`` and a
    pattern ``P`` in {0,1}^(K-1): ``P[i] = 1`` iff key position ``i`` holds ``m``.
    A pattern with no 1 needs ``q == m`` (``m`` must occur). Cases with
    ``m == 0`` (the single all-zero input) are given up.

    With ``S[t, i] = EQKE[q, t] + EQKP[q, i]``, ``a[t, i, o] = EVOU[t, o] + PVOU[i, o] + EU[q, o]``
    and ``W[m, t, i] = a[t, i, m] - max_{o != m} a[t, i, o]`` (the least margin of
    ``m`` over any other output carried by position ``i`` holding ``t``), let
    ``term[m, t, i] = e^{S[t, i]} W[m, t, i]``. The case's fixed part is
    ``exact = term[m, q, K-1] + sum_{P[i]=1} term[m, m, i]``; each free position
    (``P[i] = 0``) holding a token ``t <= t'`` contributes at least
    ``pm_i[t'] = min_{t <= t'} term[m, t, i]``. With
    ``total[t'] = exact + sum_{free i} pm_i[t']`` and ``t*`` the largest
    ``t' < m`` with ``total[t']`` above the float slack, the case proves the
    ``(t*+1)^{#free}`` inputs whose free positions all hold tokens ``<= t*``.

    Soundness: for an input in that box and any output ``o != m``, the margin
    ``logit_m - logit_o`` is, up to the positive softmax normaliser,
    ``sum_i e^{S_i} (a_i[m] - a_i[o]) >= sum_i e^{S_i} W_i >= total[t*] > 0``
    (the direct path ``EU[q]`` is folded into every ``a_i`` since the softmax
    weights sum to 1), so ``m`` is the unique argmax. Every input with
    ``m >= 1`` is in exactly one case, and ``t* < m`` keeps the box inside it.
    Float arithmetic: multiplying a case's whole sum by ``e^{-c} > 0`` leaves
    its sign alone, so each max ``m`` shifts ``S`` by ``max_{t <= m, i} S[t, i]``
    (only tokens ``<= m`` occur in its cases): every ``e^S`` read is ``<= 1`` and
    the largest is 1, so an absolute slack is meaningful and nothing overflows.
    (Shifting by the max over all tokens instead puts the largest ``e^S`` of a
    small ``m`` at ``e^{-39}`` to ``e^{-85}`` on a trained model, below any
    absolute slack.) A case
    counts when ``total > 1e-9 (1 + k max|a| + sum |summands|)``, which covers the
    round-off of ``W`` (``<= 3 eps max|a|`` per position, times ``e^S <= 1``), of
    ``e^S`` and of the sums. With ``v == 1`` there is no case to prove.
    """
    start = time.perf_counter()
    t = path_tables(w)
    v, k, d, h = t.vocab, t.k, w.config.d_model, w.config.d_head
    ops = table_ops(v, k, d, h)
    proven = 0
    if v < 2:
        return _result("cubic", 0, v**k, Cost("O(v^3 k + v^2 2^k k v)", ops), start)
    n_pat = 2 ** (k - 1)
    pats = np.array(list(itertools.product((0, 1), repeat=k - 1)), dtype=float).reshape(n_pat, k - 1)  # (P, k-1)
    free = 1.0 - pats
    n_free = free.sum(axis=1).astype(int)  # (P,)
    has_max = pats.sum(axis=1) > 0  # (P,)
    base = t.evou[:, None, :] + t.pvou[None, :, :]  # (t, i, o)
    ops += v * k * v
    tp = np.arange(v)[None, :, None]  # t' index, broadcast as (m, t', P)
    m_col = np.arange(v)
    for q in range(v):
        s = t.eqke[q][:, None] + t.eqkp[q][None, :]  # (t, i)
        a = base + t.eu[q][None, None, :]  # (t, i, o)
        if not np.all(np.isfinite(a)) or not np.all(np.isfinite(s)):
            continue  # nothing is proven for this query
        # shift per max m by the largest score a case with max m can see (t <= m): e^S <= 1 there, = 1 somewhere
        smax = np.maximum.accumulate(s.max(axis=1))  # (m,)
        rel = np.minimum(s[None] - smax[:, None, None], 0.0)  # (m, t, i); t > m is never read
        others = _others_max(a)  # (t, i, o): max over outputs other than o
        wm = np.transpose(a - others, (2, 0, 1))  # (m, t, i)
        term = np.exp(rel) * wm  # (m, t, i)
        amag = k * float(np.abs(a).max())
        ops += v * k * v * 4 + v * k + 2 * v * v * k + v * v * k
        pm = np.minimum.accumulate(term[:, :, : k - 1], axis=1)  # (m, t', i): min over t <= t'
        fixed = term[m_col, m_col, : k - 1]  # (m, i): a key position holding m
        exact = term[:, q, k - 1][:, None] + fixed @ pats.T  # (m, P)
        exact_abs = np.abs(term[:, q, k - 1])[:, None] + np.abs(fixed) @ pats.T
        free_sum = pm @ free.T  # (m, t', P)
        free_abs = np.abs(pm) @ free.T
        total = exact[:, None, :] + free_sum
        scale = exact_abs[:, None, :] + free_abs
        ops += v * v * (k - 1) + 2 * v * n_pat * (k - 1) + 4 * v * v * n_pat * k
        m_idx = m_col[:, None, None]
        ok = (total > SLACK * (1.0 + scale + amag)) & (tp < m_idx)
        ok &= (m_idx >= max(q, 1)) & (has_max[None, None, :] | (m_idx == q))
        t_star = np.where(ok, tp, -1).max(axis=1)  # (m, P): last workable t', -1 if none
        ops += 3 * v * v * n_pat
        counts = np.where(t_star >= 0, (t_star + 1).astype(object) ** n_free[None, :], 0)
        proven += int(counts.sum())
    formula = "O(v^3 k + v^2 2^k k v)"
    return _result("cubic", proven, v**k, Cost(formula, ops), start)


# ------------------------------------------------------------------------ subcubic


@dataclass(frozen=True)
class Rank1QK:
    """EQKE = sum_j s_j u_j w_j^T, found without forming the v x v matrix."""

    s: np.ndarray  # (h,)
    u: np.ndarray  # (v, h), orthonormal columns
    w: np.ndarray  # (v, h), orthonormal columns
    slack: float  # bound on reconstruction round-off

    @property
    def query_scale(self) -> np.ndarray:
        return self.s[0] * self.u[:, 0]

    @property
    def size(self) -> np.ndarray:
        return self.w[:, 0]


def rank1_qk(w: ModelWeights) -> Rank1QK:
    """SVD of EQKE = Q K^T from QR factors of Q and K: O(v d^2 + d^3)."""
    q_mat = query_side(w) @ w.W_Q / math.sqrt(w.config.d_head)
    k_mat = w.W_E @ w.W_K
    uq, rq = np.linalg.qr(q_mat)
    uk, rk = np.linalg.qr(k_mat)
    a, s, bt = np.linalg.svd(rq @ rk.T)
    u, wv = uq @ a, uk @ bt.T
    if wv[-1, 0] < wv[0, 0]:  # orient the size direction to grow with the token
        u[:, 0], wv[:, 0] = -u[:, 0], -wv[:, 0]
    scale = np.linalg.norm(q_mat, axis=1).max() * np.linalg.norm(k_mat, axis=1).max()
    return Rank1QK(s=s, u=u, w=wv, slack=1e-9 * (1.0 + scale))


def error_exact(w: ModelWeights, r: Rank1QK, t: PathTables) -> np.ndarray:
    """Row range of EQKE minus its rank-1 part, computed from the full matrix."""
    assert t.eqke is not None, "the exact error bound needs EQKE"
    err = t.eqke - np.outer(r.query_scale, r.size)
    return err.max(axis=1) - err.min(axis=1)


def error_cheap(w: ModelWeights, r: Rank1QK, t: PathTables) -> np.ndarray:
    """sum_j |A[q, j]| * range(B[j]) with A = u_j s_j, B = w_j^T (j >= 1)."""
    rng = r.w[:, 1:].max(axis=0) - r.w[:, 1:].min(axis=0)
    return np.abs(r.u[:, 1:] * r.s[1:]) @ rng + 2 * r.slack


def error_norm(w: ModelWeights, r: Rank1QK, t: PathTables) -> np.ndarray:
    """|A_q| * 2 max_t |B_t| (Cauchy–Schwarz)."""
    a_norm = np.linalg.norm(r.u[:, 1:] * r.s[1:], axis=1)
    return a_norm * 2 * np.linalg.norm(r.w[:, 1:], axis=1).max() + 2 * r.slack


ErrorBound = Callable[[ModelWeights, Rank1QK, PathTables], np.ndarray]


def _subcubic(name: str, w: ModelWeights, error: ErrorBound, with_eqke: bool, formula: str) -> BoundResult:
    """Rank-1 attention plus an error term, threshold on t' by binary search."""
    start = time.perf_counter()
    t = path_tables(w, with_eqke=with_eqke)  # only the exact error bound reads EQKE
    v, k, d, h = t.vocab, t.k, w.config.d_model, w.config.d_head
    r = rank1_qk(w)
    eps = error(w, r, t)  # (q,)
    ops = table_ops(v, k, d, h, with_eqke=with_eqke) + 4 * v * h * h + h**3
    ops += v * v * 2 if with_eqke else v * h * 2
    x_dir = _decoupled_direct(t)  # (q, m)
    x_all = x_dir + (np.diagonal(t.evou) - np.diagonal(_others_max(t.evou)))[None, :]
    floor = _nonmax_value_floor(t)  # (m, t')
    ops += 6 * v * v + v * k
    qs = r.query_scale
    size = r.size
    pmax, pmin = np.maximum.accumulate(size), np.minimum.accumulate(size)
    # rank-1 upper bound on the score of any token <= t' for query q: (q, t')
    rank1_prefmax = np.where(qs[:, None] >= 0, qs[:, None] * pmax[None, :], qs[:, None] * pmin[None, :])
    rank1 = qs[:, None] * size[None, :]

    q_idx, m_idx, c_idx = np.meshgrid(np.arange(v), np.arange(v), np.arange(1, k + 1), indexing="ij")
    valid = m_idx >= q_idx
    pos = [position_lse(t.eqkp[q]) for q in range(v)]
    pre = np.stack([p[0] for p in pos])
    suf = np.stack([p[1] for p in pos])
    pq = np.array([p[2] for p in pos])

    def case_bound(tp: np.ndarray) -> np.ndarray:
        """Bound for cases (q, m, c) with largest non-max token tp (same shape)."""
        tpc = np.clip(tp, 0, v - 1)
        b = rank1_prefmax[q_idx, tpc] + eps[q_idx]
        sq = rank1[q_idx, q_idx] + eps[q_idx]
        w_min = least_max_attention(rank1[q_idx, m_idx], b, sq, m_idx == q_idx, c_idx, pre, suf, pq, q_idx)
        x = x_all[q_idx, m_idx]
        y = x_dir[q_idx, m_idx] + floor[m_idx, tpc]
        return np.where(c_idx == k, x, combine(x, y, w_min))

    # binary search for the largest t' in [lo, m-1] whose case bound holds (bound is monotone in t')
    lo = np.where(m_idx == q_idx, 0, q_idx)
    good = np.full(q_idx.shape, -1)  # largest t' known to hold, -1: none
    hi = m_idx - 1
    left, right = lo.copy(), hi.copy()
    for _ in range(max(1, math.ceil(math.log2(v + 1))) + 1):
        active = (left <= right) & valid & (c_idx < k)
        if not active.any():
            break
        mid = (left + right) // 2
        ok = case_bound(mid) > SLACK
        good = np.where(active & ok, mid, good)
        left = np.where(active & ok, mid + 1, left)
        right = np.where(active & ~ok, mid - 1, right)
        ops += int(active.sum()) * 14
    full_ok = case_bound(np.zeros_like(q_idx)) > SLACK  # c == k cases ignore t'
    proven = 0
    for q, m, c, g, f in zip(q_idx.ravel(), m_idx.ravel(), c_idx.ravel(), good.ravel(), full_ok.ravel()):
        if m < q:
            continue
        if c == k:
            proven += count_up_to(v, k, q, m, 0, c) if f else 0
        elif g >= 0:
            proven += count_up_to(v, k, q, m, int(g), c)
    ops += v * v * k
    return _result(name, proven, v**k, Cost(formula, ops), start)


def subcubic(w: ModelWeights) -> BoundResult:
    return _subcubic("subcubic", w, error_exact, True, "O(v^2 d + v^2 k^2 log v)")


def subcubic_cheap(w: ModelWeights) -> BoundResult:
    return _subcubic("subcubic-cheap", w, error_cheap, False, "O(v d^2 + d^3 + v^2 k^2 log v) + OV O(v^2 d)")


def subcubic_norm(w: ModelWeights) -> BoundResult:
    return _subcubic("subcubic-norm", w, error_norm, False, "O(v d^2 + d^3 + v^2 k^2 log v) + OV O(v^2 d)")


# --------------------------------------------------------------------------- brute


def brute(w: ModelWeights) -> BoundResult:
    """Exact accuracy over all v^K inputs."""
    start = time.perf_counter()
    t = path_tables(w)
    v, k = t.vocab, t.k
    res = brute_mod.count_correct(t)
    ops = table_ops(v, k, w.config.d_model, w.config.d_head) + res.ops
    return _result("brute", res.correct, res.total, Cost("O(v^k k v)", ops), start)


def _result(name: str, proven: int, total: int, cost: Cost, start: float) -> BoundResult:
    return BoundResult(
        strategy=name, bound=float(int(proven) / total), proven=int(proven), total=total, cost=cost,
        seconds=time.perf_counter() - start,
    )


STRATEGIES: dict[str, Callable[[ModelWeights], BoundResult]] = {
    "brute": brute,
    "cubic": cubic,
    "cubic-ordered": cubic_ordered,
    "subcubic": subcubic,
    "subcubic-cheap": subcubic_cheap,
    "subcubic-norm": subcubic_norm,
}


def run_strategy(name: str, w: ModelWeights) -> BoundResult:
    """Run one strategy by name; ``KeyError`` lists the valid names."""
    if name not in STRATEGIES:
        raise KeyError(f"unknown strategy {name!r}; valid: {', '.join(STRATEGIES)}")
    return STRATEGIES[name](w)
