"""What the exported development's Python mirrors share: the logical path, the
exact integer form of the weights, the fixed-point ``exp`` bounds of
``ExpBounds.v``/``Brute.v`` and Coq's list syntax.

Used by :mod:`.coq_export` (brute-force and cubic checkers) and
:mod:`.coq_subcubic`, neither of which imports the other's internals.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .model import ModelWeights

#: Logical path of the development.
LOGICAL = "NNCert"

PREC = 48  # ExpBounds.prec
RSQ = 20  # ExpBounds.rsq


@dataclass(frozen=True)
class IntWeights:
    """Integer matrices and exponents: ``weight = z * 2^-e``."""

    mats: dict[str, list[list[int]]]
    exps: dict[str, int]  # keys E (shared by W_E, W_pos), Q, K, V, O, U
    v: int
    k: int
    d: int
    h: int


def _exponent(a: np.ndarray) -> int:
    """Least e >= 0 such that every entry times 2^e is an integer."""
    e = 0
    for x in np.asarray(a, dtype=np.float32).ravel():
        den = Fraction(float(x)).denominator
        e = max(e, den.bit_length() - 1)
    return e


def _ints(a: np.ndarray, e: int) -> list[list[int]]:
    return [[int(Fraction(float(x)) * 2**e) for x in row] for row in np.asarray(a, dtype=np.float32)]


def integer_weights(w: ModelWeights) -> IntWeights:
    """Exact scaled-integer form of the (float32) weights."""
    c = w.config
    e_emb = max(_exponent(w.W_E), _exponent(w.W_pos))
    exps = {"E": e_emb}
    mats = {"WE": _ints(w.W_E, e_emb), "WP": _ints(w.W_pos, e_emb)}
    for key, name in (("Q", "W_Q"), ("K", "W_K"), ("V", "W_V"), ("O", "W_O"), ("U", "W_U")):
        e = _exponent(getattr(w, name))
        exps[key] = e
        mats["W" + key] = _ints(getattr(w, name), e)
    return IntWeights(mats=mats, exps=exps, v=c.vocab, k=c.k, d=c.d_model, h=c.d_head)


# ----------------------------------------------------------------- fixed-point exp bounds (ExpBounds.v, Brute.v)


def _sq_dn(x: int) -> int:
    return (x * x) >> PREC


def _sq_up(x: int) -> int:
    return ((x * x) >> PREC) + 1


def exp_lo(n: int, d: int) -> int:
    big = d << RSQ
    if big + n < 0:
        return 0
    a = ((1 << PREC) * (big + n)) // big
    for _ in range(RSQ):
        a = _sq_dn(a)
    return a


def exp_hi(n: int, d: int) -> int:
    big = d << RSQ
    if big - n <= 0:
        return 3 ** (n // d + 1) * (1 << PREC)
    a = ((1 << PREC) * big) // (big - n) + 1
    for _ in range(RSQ):
        a = _sq_up(a)
    return a


def _s_lo_at(e: int, s: int, sq_a: int) -> int:
    """``Brute.s_lo_at``: lower bound on ``exp(s * 2^-e / sqrt(d_head))``, ``sq_a`` = isqrt(d_head * 2^40)."""
    return exp_lo(s << 20, (1 << e) * (sq_a + 1 if s >= 0 else sq_a))


def _s_hi_at(e: int, s: int, sq_a: int) -> int:
    """``Brute.s_hi_at``: the matching upper bound."""
    return exp_hi(s << 20, (1 << e) * (sq_a if s >= 0 else sq_a + 1))


def _lowmul(lo: int, hi: int, x: int) -> int:
    """``Brute.lowmul``: a lower bound on ``e * x`` for any ``e`` in ``[lo, hi]`` (fixed point)."""
    return lo * x if x >= 0 else hi * x


def _zhex(x: int) -> str:
    """A Coq ``Z`` literal in hexadecimal: ``coqc`` reads these faster than decimal ones."""
    return ("-" if x < 0 else "") + hex(abs(x))


def _zlist(rows: list[list[int]]) -> str:
    return "[" + ";\n  ".join("[" + "; ".join(_zhex(x) for x in row) + "]" for row in rows) + "]%Z"
