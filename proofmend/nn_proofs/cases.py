"""Case split shared by the compact strategies.

Every input falls in exactly one case ``(q, m, t', c)``: query (last) token ``q``,
max token ``m``, largest non-max token ``t'`` and ``c`` copies of ``m``. A
strategy proves a lower bound on the logit margin for the whole case and, when
it is positive, counts all of the case's inputs as correct.

Worst case inside a case (used by every compact strategy):

* attention: the ``c`` max positions get score at least ``a + p_i``, the non-max
  key positions at most ``b + p_i`` (``p`` = the positional score ``EQKP[q]``),
  a non-max query at most ``sq + p_{K-1}``. The least attention ``w`` on the max
  positions puts the max tokens at the positions with the smallest ``p``.
* values: with ``X`` a lower bound on the margin contributed by a max position
  and ``Y`` one for a non-max position, the margin is at least
  ``w X + (1 - w) Y >= min(X, w_min X + (1 - w_min) Y)`` (the subcubic proofs).
  The cubic proof pairs each non-max token's attention with its own damage
  instead (see :func:`proofmend.nn_proofs.strategies.cubic`).
"""

from __future__ import annotations

from math import comb

import numpy as np

#: A case bound must exceed this to count (covers float rounding in the tables).
SLACK = 1e-9


def position_lse(eqkp_row: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Prefix/suffix log-sum-exp of the sorted key-position scores.

    Returns ``(pre, suf, pq)``: ``pre[c]`` = log sum of the ``c`` smallest key
    position scores, ``suf[c]`` = log sum of the others, ``pq`` = the query
    position's score. Empty sums are ``-inf``.
    """
    k = eqkp_row.shape[0]
    ps = np.sort(eqkp_row[: k - 1])
    pre = np.full(k, -np.inf)
    suf = np.full(k, -np.inf)
    for c in range(1, k):
        pre[c] = np.logaddexp.reduce(ps[:c])
    for c in range(0, k - 1):
        suf[c] = np.logaddexp.reduce(ps[c:])
    return pre, suf, float(eqkp_row[k - 1])


def least_max_attention(
    a: np.ndarray, b: np.ndarray, sq: np.ndarray, query_is_max: np.ndarray, c: np.ndarray,
    pre: np.ndarray, suf: np.ndarray, pq: np.ndarray, q_idx: np.ndarray,
) -> np.ndarray:
    """Least softmax weight on the max positions over all orderings (broadcasting arrays).

    ``a``: score of a max token, ``b``: bound on a non-max key token's score,
    ``sq``: bound on a non-max query token's score; ``pre``/``suf``/``pq``: the
    rows of :func:`position_lse` stacked per query, indexed by ``q_idx``.
    """
    k = pre.shape[1]
    with np.errstate(invalid="ignore"):
        log_max = np.where(
            query_is_max,
            a + np.logaddexp(pq[q_idx], pre[q_idx, np.maximum(c - 1, 0)]),
            a + pre[q_idx, np.minimum(c, k - 1)],
        )
        log_rest = np.where(
            query_is_max,
            b + suf[q_idx, np.maximum(c - 1, 0)],
            np.logaddexp(b + suf[q_idx, np.minimum(c, k - 1)], sq + pq[q_idx]),
        )
        diff = log_rest - log_max
    diff = np.where(np.isnan(diff), -np.inf, diff)  # -inf - -inf: no non-max position
    return 1.0 / (1.0 + np.exp(diff))


def combine(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Worst margin when the max positions carry weight ``w`` in ``[w_min, 1]``."""
    return np.minimum(x, w * x + (1.0 - w) * y)


def case_count(v: int, k: int, q: int, m: int, t: int, c: int) -> int:
    """Number of inputs with query ``q``, max ``m``, ``c`` copies, largest non-max ``t``.

    For ``c == k`` (every token is ``m``) ``t`` is ignored.
    """
    if m < q or c < 1 or c > k or (c == k and q != m):
        return 0
    if c == k:
        return 1
    if not 0 <= t < m:
        return 0
    if q == m:
        n = k - c
        return comb(k - 1, c - 1) * ((t + 1) ** n - t**n)
    if t < q:
        return 0
    n = k - 1 - c
    if t == q:
        return comb(k - 1, c) * (t + 1) ** n
    return comb(k - 1, c) * ((t + 1) ** n - t**n)


def count_table(v: int, k: int, q: int) -> np.ndarray:
    """``case_count`` for query ``q`` as an int64 array indexed ``[m, t, c]`` (c = 0..k), vectorised."""
    m = np.arange(v)[:, None, None]
    t = np.arange(v)[None, :, None]
    c = np.arange(k + 1)[None, None, :]
    binom_q = np.array([comb(k - 1, x - 1) if x >= 1 else 0 for x in range(k + 1)], dtype=np.int64)
    binom_o = np.array([comb(k - 1, x) for x in range(k + 1)], dtype=np.int64)
    n_q = np.maximum(k - c, 0)
    n_o = np.maximum(k - 1 - c, 0)
    as_max = binom_q[c] * ((t + 1) ** n_q - t**n_q)
    as_other = binom_o[c] * np.where(t == q, (t + 1) ** n_o, (t + 1) ** n_o - t**n_o)
    partial = (c >= 1) & (c < k) & (t < m) & (m >= q)
    out = np.where(partial & (m == q), as_max, 0) + np.where(partial & (m > q) & (t >= q), as_other, 0)
    out = out.astype(np.int64)
    out[:, :, k] = 0
    if q < v:
        out[q, 0, k] = 1
    return out


def count_up_to(v: int, k: int, q: int, m: int, t_star: int, c: int) -> int:
    """Inputs of all cases ``(q, m, t, c)`` with ``t <= t_star`` (closed form, telescoped)."""
    if c == k or m < q:
        return case_count(v, k, q, m, 0, c)
    if t_star < 0 or t_star < q and q < m:
        return 0
    if q == m:
        return comb(k - 1, c - 1) * (t_star + 1) ** (k - c)
    return comb(k - 1, c) * (t_star + 1) ** (k - 1 - c)
