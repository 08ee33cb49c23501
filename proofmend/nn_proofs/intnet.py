"""Tiny max-of-K networks with exact integer weights, and their Python semantics.

The exported network keeps the model's path tables, rescaled and rounded:

* attention scores become integer base-2 exponents: the attention weight of key
  position ``i`` holding token ``t`` is ``2 ^ (S[q][t] + P[q][i])``, where
  ``S = round(EQKE / ln 2)``, ``P = round(EQKP / ln 2)`` (so ``2^S ~ e^EQKE``), each
  query row shifted so that every exponent is >= 0 (softmax ignores the shift);
* values become integers ``round(2^b * EVOU)`` and likewise for PVOU and EU.

The logits are ``sum_i w_i * (V[t_i][o] + PV[i][o] + U[q][o])``: the softmax
numerator, i.e. the real-valued logits times the positive normaliser ``sum_i w_i``
— the same argmax, in exact integer arithmetic. The functions below mirror the
Coq definitions written by :mod:`.export` line for line.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from math import comb

import numpy as np

from .paths import PathTables


@dataclass(frozen=True)
class IntNet:
    """Integer path tables of a max-of-K network (lists of lists of ints)."""

    vocab: int
    ctx: int
    S: list[list[int]]  # (v, v) query token -> key token exponent
    P: list[list[int]]  # (v, ctx) query token -> key position exponent
    V: list[list[int]]  # (v, v) key token -> logit
    PV: list[list[int]]  # (ctx, v) key position -> logit
    U: list[list[int]]  # (v, v) query token -> logit (direct path)


def quantize(t: PathTables, value_bits: int = 4) -> IntNet:
    """Round a model's path tables to an :class:`IntNet`."""
    s = np.rint(t.eqke / math.log(2)).astype(np.int64)
    p = np.rint(t.eqkp / math.log(2)).astype(np.int64)
    shift = s.min(axis=1) + p.min(axis=1)
    s = s - shift[:, None]
    scale = 2.0**value_bits
    as_int = lambda a: [[int(x) for x in row] for row in np.rint(a * scale).astype(np.int64)]  # noqa: E731
    return IntNet(
        vocab=t.vocab, ctx=t.k, S=[[int(x) for x in r] for r in s], P=[[int(x) for x in r] for r in p],
        V=as_int(t.evou), PV=as_int(t.pvou), U=as_int(t.eu),
    )


def logit(net: IntNet, x: tuple[int, ...], o: int) -> int:
    q = x[-1]
    return sum(
        2 ** (net.S[q][t] + net.P[q][i]) * (net.V[t][o] + net.PV[i][o] + net.U[q][o]) for i, t in enumerate(x)
    )


def correct(net: IntNet, x: tuple[int, ...]) -> bool:
    m = max(x)
    lm = logit(net, x, m)
    return all(o == m or logit(net, x, o) < lm for o in range(net.vocab))


def all_seqs(net: IntNet) -> list[tuple[int, ...]]:
    return list(itertools.product(range(net.vocab), repeat=net.ctx))


def count_correct(net: IntNet) -> int:
    return sum(correct(net, x) for x in all_seqs(net))


# --- integer cubic certificate (mirrors the Coq definitions) -------------------


def _delta(net: IntNet, q: int, m: int, o: int, i: int, t: int) -> int:
    return net.V[t][m] - net.V[t][o] + net.PV[i][m] - net.PV[i][o] + net.U[q][m] - net.U[q][o]


def case_ok(net: IntNet, q: int, m: int, tp: int, c: int) -> bool:
    """Worst case over the inputs of case (q, m, t', c): margin positive for every o != m."""
    k, v = net.ctx, net.vocab
    others = [o for o in range(v) if o != m]
    if not others:
        return True
    x = min(_delta(net, q, m, o, i, m) for o in others for i in range(k))
    y = min(_delta(net, q, m, o, i, t) for o in others for i in range(k) for t in range(tp + 1))
    low_m = c * 2 ** (net.S[q][m] + min(net.P[q]))
    high_n = (k - c) * 2 ** (max(net.S[q][: tp + 1]) + max(net.P[q]))
    return x > 0 and (y >= 0 or low_m * x + high_n * y > 0)


def case_of(x: tuple[int, ...]) -> tuple[int, int, int, int]:
    m = max(x)
    rest = [t for t in x if t != m]
    return x[-1], m, max(rest) if rest else 0, x.count(m)


def cubic_ok(net: IntNet, x: tuple[int, ...]) -> bool:
    return case_ok(net, *case_of(x))


def case_count(k: int, q: int, m: int, tp: int, c: int) -> int:
    """Inputs in case (q, m, t', c); mirrors ``case_count`` in Coq (natural subtraction)."""
    if c == k:
        return 1 if q == m and tp == 0 else 0
    if c == 0 or m < q or m <= tp:
        return 0
    if q == m:
        n = k - c
        return comb(k - 1, c - 1) * max(0, (tp + 1) ** n - tp**n)
    if tp < q:
        return 0
    n = k - 1 - c
    if tp == q:
        return comb(k - 1, c) * (tp + 1) ** n
    return comb(k - 1, c) * max(0, (tp + 1) ** n - tp**n)


def all_cases(net: IntNet) -> list[tuple[int, int, int, int]]:
    v, k = net.vocab, net.ctx
    return [(q, m, t, c) for q in range(v) for m in range(v) for t in range(v) for c in range(k + 1)]


def cubic_count(net: IntNet) -> int:
    """Inputs proven by the case-level certificate (only well-formed cases count)."""
    return sum(case_count(net.ctx, *cs) for cs in all_cases(net) if case_count(net.ctx, *cs) and case_ok(net, *cs))
