"""What the exported development's Python mirrors share: the logical path, the
exact integer form of the weights, the fixed-point ``exp`` bounds of
``ExpBounds.v``/``Brute.v``, the rounded path tables of ``Cubic.v`` (section
``Rounding``: a vector known up to a uniform width, carried through products
with the weight matrices) and Coq's list syntax.

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


# Rounded vectors (Cubic.v, section Rounding): a pair (lower ends, width).
Prepd = tuple[list[list[int]], list[int], int]
Approx = tuple[list[int], int]


def _prep(m: list[list[int]], n: int, p: int) -> Prepd:
    """``Cubic.prep``: columns, sums of negative entries per column, the largest column sum of |entries|."""
    cols = [[m[j][k] for j in range(n)] for k in range(p)]
    return cols, [sum(min(0, x) for x in col) for col in cols], max((sum(abs(x) for x in col) for col in cols), default=0)


def _dot(a: list[int], b: list[int]) -> int:
    return sum(x * y for x, y in zip(a, b))


def _pre(pm: Prepd, a: Approx) -> list[int]:
    """The lower ends of ``rvm`` before its rounding."""
    cols, mins, _ = pm
    return [_dot(a[0], col) + a[1] * mn for col, mn in zip(cols, mins)]


def _rvm(pm: Prepd, s: int, a: Approx) -> Approx:
    """``Cubic.rvm``: a rounded vector times a prepared matrix, ``s`` more bits dropped."""
    return [x >> s for x in _pre(pm, a)], max(0, (a[1] * pm[2]) >> s) + 2


def _rescale(r: int, s: int, a: Approx) -> Approx:
    """``Cubic.rescale``: an approximation at ``2^s`` brought to ``2^r``."""
    if s <= r:
        return [x >> (r - s) for x in a[0]], max(0, a[1] >> (r - s)) + 2
    return [x << (s - r) for x in a[0]], a[1] << (s - r)


def _vinfo(a: Approx) -> tuple[Approx, int, int]:
    return a, sum(min(0, x) for x in a[0]), sum(max(0, x) for x in a[0])


def _sdot(n: int, qi: tuple[Approx, int, int], ki: tuple[Approx, int, int]) -> tuple[int, int]:
    """``Cubic.sdot``: bounds on the dot product of two rounded vectors."""
    (aq, qmn, qmx), (ak, kmn, kmx) = qi, ki
    d0 = _dot(aq[0], ak[0])
    return d0 + ak[1] * qmn + aq[1] * kmn, d0 + ak[1] * qmx + aq[1] * kmx + n * (aq[1] * ak[1])


def _wlistc(c: int, a: list[int]) -> list[int]:
    """``Cubic.wlistc``: the least margin of each output over the others, less ``c``."""
    top = max(a, default=0)
    out = []
    for m, am in enumerate(a):
        if am < top:
            out.append(am - top - c)
        else:
            out.append(am - max((a[o] for o in range(len(a)) if o != m), default=0) - c)
    return out


class _Tables:
    """The prepared weight matrices and input rows of one network."""

    def __init__(self, iw: IntWeights) -> None:
        mt = iw.mats
        v, k, d, h = iw.v, iw.k, iw.d, iw.h
        self.pv, self.po, self.pu = _prep(mt["WV"], d, h), _prep(mt["WO"], h, d), _prep(mt["WU"], d, v)
        self.pk, self.pq = _prep(mt["WK"], d, h), _prep(mt["WQ"], d, h)
        self.erows, self.prows = [list(r) for r in mt["WE"]], [list(r) for r in mt["WP"]]
        self.xq = [[mt["WE"][q][j] + mt["WP"][k - 1][j] for j in range(d)] for q in range(v)]
        e = iw.exps
        self.e_s = 2 * e["E"] + e["Q"] + e["K"]

    def rows(self) -> list[list[int]]:
        return self.erows + self.prows



def round_shifts(iw: IntWeights, bits: int) -> dict[str, int]:
    """Shifts of the rounded tables (``si sv so su sk sq sd`` of ``Cubic.v``) that keep about ``bits`` bits."""
    t = _Tables(iw)

    def pick(vals: list[int]) -> int:
        return max(0, max((abs(x).bit_length() for x in vals), default=0) - bits)

    si = pick([x for row in t.rows() for x in row])
    start = [([x >> si for x in row], 1) for row in t.rows()]
    sv = pick([x for a in start for x in _pre(t.pv, a)])
    a1 = [_rvm(t.pv, sv, a) for a in start]
    so = pick([x for a in a1 for x in _pre(t.po, a)])
    a2 = [_rvm(t.po, so, a) for a in a1]
    su = pick([x for a in a2 for x in _pre(t.pu, a)])
    qstart = [([x >> si for x in row], 1) for row in t.xq]
    sd = pick([x for a in qstart for x in _pre(t.pu, a)])
    sk = pick([x for a in start for x in _pre(t.pk, a)])
    sq = pick([x for a in qstart for x in _pre(t.pq, a)])
    if 2 * si + sq + sk > t.e_s:  # the cubic soundness theorem needs sh2 <= eS
        si = sk = sq = 0
    return {"si": si, "sv": sv, "so": so, "su": su, "sk": sk, "sq": sq, "sd": sd}


def ov_round(t: "_Tables", r: int, si: int, sv: int, so: int, su: int, row: list[int]) -> Approx:
    """``Cubic.ov_round``: the value path of an embedding row, at ``2^r``."""
    a = _rvm(t.pu, su, _rvm(t.po, so, _rvm(t.pv, sv, ([x >> si for x in row], 1))))
    return _rescale(r, si + sv + so + su, a)


def d_round(t: "_Tables", iw: IntWeights, r: int, si: int, sd: int, q: int) -> Approx:
    """``Cubic.d_round``: the direct path of query token ``q``, times ``2^(eV+eO)``, at ``2^r``."""
    e = iw.exps
    return _rescale(r, si + sd + e["V"] + e["O"], _rvm(t.pu, sd, ([x >> si for x in t.xq[q]], 1)))


def _zhex(x: int) -> str:
    """A Coq ``Z`` literal in hexadecimal: ``coqc`` reads these faster than decimal ones."""
    return ("-" if x < 0 else "") + hex(abs(x))


def _zlist(rows: list[list[int]]) -> str:
    return "[" + ";\n  ".join("[" + "; ".join(_zhex(x) for x in row) + "]" for row in rows) + "]%Z"
