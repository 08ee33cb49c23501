"""Export a max-of-K model as a Coq 8.16 development with a machine-checked accuracy bound.

The weights are float32, hence dyadic: each matrix is stored as integers ``z``
with one exponent ``e`` (``weight = z * 2^-e`` exactly; ``W_E`` and ``W_pos``
share theirs). The generic Coq files in ``proofmend/nn_proofs/coq/`` define the
transformer over Coq's reals (softmax with ``exp``, the ``1/sqrt(d_head)``
scale), the path decomposition of its logit margins, fixed-point bounds on
``exp`` from the standard library, and a brute-force checker proven sound once
for all weights, and the cubic checker (``Cubic.v``: cases by query token,
max token and the positions holding the max, one worst-case check per box of
inputs) with its soundness theorem, also proven once for all weights. The
exported ``Main.v`` applies a checker to the concrete weights by reflection
(``vm_cast_no_check``) and concludes ``bound <= accuracy``.

:func:`brute_count` and :func:`cubic_count` mirror the Coq checkers' integer
arithmetic exactly, so the bound written into ``Main.v`` is known before
``coqc`` confirms it.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .coq_common import (LOGICAL, PREC, Approx, IntWeights, _lowmul, _rvm, _s_hi_at, _s_lo_at, _sdot, _Tables,
                         _vinfo, _wlistc, _zlist, d_round, integer_weights, ov_round, round_shifts)
from .model import ModelWeights

#: Generic Coq files, in dependency order.
LIBRARY = ("MaxOfK.v", "ExpBounds.v", "Brute.v", "Cubic.v", "Subcubic.v")
#: The generic files each strategy needs.
LIBRARY_FOR = {"brute": LIBRARY[:3], "cubic": LIBRARY[:4], "subcubic": LIBRARY}
STRATEGIES = ("brute", "cubic", "subcubic")


# ----------------------------------------------------------------- exact mirror of the Coq checker


class _Mirror:
    """The integer tables and bounds of ``Brute.v`` for one network."""

    def __init__(self, iw: IntWeights) -> None:
        self.iw = iw
        m = {k: np.array(v, dtype=object) for k, v in iw.mats.items()}
        x = m["WE"][:, None, :] + m["WP"][None, :, :]  # (t, i, d)
        xq = x[:, iw.k - 1, :]
        self.S = np.einsum("qh,tih->qti", xq.dot(m["WQ"]), np.einsum("tid,dh->tih", x, m["WK"]))
        self.OV = np.einsum("tid,do->tio", np.einsum("tih,hd->tid", np.einsum("tid,dh->tih", x, m["WV"]), m["WO"]), m["WU"])
        self.D = xq.dot(m["WU"])  # (q, o)
        e = iw.exps
        self.eS = 2 * e["E"] + e["Q"] + e["K"]
        self.shift = 1 << (e["V"] + e["O"])
        self.sq_a = math.isqrt(iw.h * 2**40)
        self._bounds: dict[int, tuple[int, int]] = {}

    def bounds(self, s: int) -> tuple[int, int]:
        got = self._bounds.get(s)
        if got is None:
            got = (_s_lo_at(self.eS, s, self.sq_a), _s_hi_at(self.eS, s, self.sq_a))
            self._bounds[s] = got
        return got

    def check(self, seq: tuple[int, ...]) -> bool:
        q, m = seq[-1], max(seq)
        terms = []
        for i, t in enumerate(seq):
            lo, hi = self.bounds(int(self.S[q, t, i]))
            terms.append((lo, hi, t, i))
        for o in range(self.iw.v):
            if o == m:
                continue
            total = 0
            for lo, hi, t, i in terms:
                x = self.OV[t, i, m] - self.OV[t, i, o] + (self.D[q, m] - self.D[q, o]) * self.shift
                total += _lowmul(lo, hi, x)
            if total <= 0:
                return False
        return True


def brute_count(iw: IntWeights) -> int:
    """Inputs the Coq brute-force checker proves (same integer arithmetic)."""
    mirror = _Mirror(iw)
    return sum(mirror.check(seq) for seq in itertools.product(range(iw.v), repeat=iw.k))


# ----------------------------------------------------------------- exact mirror of Cubic.v


@dataclass(frozen=True)
class CubicParams:
    """Rounding parameters of ``cubic_count`` in ``Cubic.v`` (every choice is sound).

    ``r``: bits dropped from the output margins; ``rb``: bits dropped from
    products of exp bounds (at most ``2 * PREC``); ``width``: bits kept of the
    attention weights within one case. The path tables are computed from
    rounded vectors: ``si`` bits dropped from the embeddings, ``sv``, ``so``,
    ``su`` after the products with W_V, W_O, W_U (value path), ``sk``, ``sq``
    after W_K, W_Q, ``sd`` after W_U on the direct path.
    """

    r: int
    rb: int = PREC
    width: int = 12
    si: int = 0
    sv: int = 0
    so: int = 0
    su: int = 0
    sk: int = 0
    sq: int = 0
    sd: int = 0

    @staticmethod
    def for_weights(iw: IntWeights, margin_bits: int = 10, bits: int = 20) -> "CubicParams":
        """Margins at ``2^-margin_bits``; every rounded vector keeps about ``bits`` bits."""
        e = iw.exps
        e_m = e["E"] + e["V"] + e["O"] + e["U"]
        r = max(0, e_m - margin_bits)
        sh = round_shifts(iw, bits)
        return CubicParams(r=r, **sh)


def _log2(x: int) -> int:
    """``Z.log2``: floor of log2 for positive numbers, 0 otherwise."""
    return x.bit_length() - 1 if x > 0 else 0


def cubic_count(iw: IntWeights, params: CubicParams) -> int:
    """Inputs the Coq cubic checker proves (``Cubic.cubic_count``, same integer arithmetic)."""
    v, k, h = iw.v, iw.k, iw.h
    pr = params
    r, rb = pr.r, pr.rb
    t = _Tables(iw)
    sh2 = pr.si + pr.sq + (pr.si + pr.sk)
    e_s2 = max(0, t.e_s - sh2)
    sq_a = math.isqrt(h * 2**40)

    def ebounds(lo: int, hi: int) -> tuple[int, int]:
        return max(0, _s_lo_at(e_s2, lo, sq_a)), _s_hi_at(e_s2, hi, sq_a)

    def start(row: list[int]) -> Approx:
        return [x >> pr.si for x in row], 1

    ev = [ov_round(t, r, pr.si, pr.sv, pr.so, pr.su, row) for row in t.erows]
    pv = [ov_round(t, r, pr.si, pr.sv, pr.so, pr.su, row) for row in t.prows]
    ovr = [[[x + y for x, y in zip(ev[tt][0], pv[i][0])] for i in range(k)] for tt in range(v)]
    cw = 2 * ov_round(t, r, pr.si, pr.sv, pr.so, pr.su, [])[1]
    ke = [_vinfo(_rvm(t.pk, pr.sk, start(row))) for row in t.erows]
    kp = [_vinfo(_rvm(t.pk, pr.sk, start(row))) for row in t.prows]
    patterns = list(itertools.product((0, 1), repeat=k - 1))
    total = 0
    for q in range(v):
        qi = _vinfo(_rvm(t.pq, pr.sq, start(t.xq[q])))
        se = [_sdot(h, qi, ki) for ki in ke]
        cq = min((s[0] for s in se), default=0)
        ea = [ebounds(s[0] - cq, s[1] - cq) for s in se]
        eb = [ebounds(*_sdot(h, qi, pi)) for pi in kp]
        bq = [[((a[0] * b[0]) >> rb, ((a[1] * b[1]) >> rb) + 1) for b in eb] for a in ea]
        dq = d_round(t, iw, r, pr.si, pr.sd, q)
        c = cw + dq[1]
        w = [[_wlistc(c, [x + y for x, y in zip(ovr[tt][i], dq[0])]) for i in range(k)] for tt in range(v)]
        for m in range(q, v):
            s = max(0, _log2(max(bq[m][i][1] for i in range(k))) - pr.width)

            def term(tt: int, i: int, m: int = m, s: int = s) -> int:
                lo, hi = bq[tt][i]
                return _lowmul(lo >> s, (hi >> s) + 1, w[tt][i][m])

            pms = []
            for i in range(k - 1):
                acc, col = None, []
                for tt in range(m):
                    x = term(tt, i)
                    acc = x if acc is None else min(acc, x)
                    col.append(acc)
                pms.append(col)
            for pat in patterns:
                if not (q == m or any(pat)):
                    continue
                exact = term(q, k - 1) + sum(term(m, i) for i in range(k - 1) if pat[i])
                last = None
                for tp in range(m):
                    if exact + sum(pms[i][tp] for i in range(k - 1) if not pat[i]) > 0:
                        last = tp
                if last is not None:
                    total += (last + 1) ** (k - 1 - sum(pat))
    return total


# ----------------------------------------------------------------- writing the development


def weights_v(iw: IntWeights) -> str:
    e = iw.exps
    fields = [
        f"nv := {iw.v}", f"nK := {iw.k}", f"nd := {iw.d}", f"nh := {iw.h}",
        *(f"{name} := {name.lower()}_z" for name in ("WE", "WP", "WQ", "WK", "WV", "WO", "WU")),
        f"eE := {e['E']}", f"eQ := {e['Q']}", f"eK := {e['K']}", f"eV := {e['V']}",
        f"eO := {e['O']}", f"eU := {e['U']}",
    ]
    out = ["(** Trained weights, exactly: weight = z * 2^-e. Generated by proofmend. *)",
           "From Coq Require Import ZArith List.", f"From {LOGICAL} Require Import MaxOfK.",
           "Import ListNotations.", "Open Scope Z_scope.", ""]
    for name in ("WE", "WP", "WQ", "WK", "WV", "WO", "WU"):
        out.append(f"Definition {name.lower()}_z : list (list Z) :=\n  {_zlist(iw.mats[name])}.")
    out.append("\nDefinition net0 : net := {| " + ";\n  ".join(fields) + " |}.\n")
    return "\n".join(out)


def main_v(iw: IntWeights, proven: int) -> str:
    total = iw.v**iw.k
    return f"""(** The trained network's accuracy is at least {proven}/{total}. Generated by proofmend. *)
From Coq Require Import ZArith Reals Lra Lia.
From {LOGICAL} Require Import MaxOfK ExpBounds Brute Weights.
Open Scope R_scope.

Lemma brute_count_value : Z.of_nat (brute_count_fast net0) = {proven}%Z.
Proof. vm_cast_no_check (eq_refl {proven}%Z). Qed.

Lemma inputs_value : Z.of_nat (nv net0 ^ nK net0) = {total}%Z.
Proof. rewrite Nat2Z.inj_pow. vm_cast_no_check (eq_refl {total}%Z). Qed.  (* v^K in binary, not unary nat *)

Theorem accuracy_bound : IZR {proven} / IZR {total} <= accuracy net0.
Proof.
  unfold accuracy. rewrite !INR_IZR_INZ, inputs_value.
  apply Rmult_le_compat_r; [left; apply Rinv_0_lt_compat; apply IZR_lt; lia|].
  rewrite <- brute_count_value. apply IZR_le. apply Nat2Z.inj_le.
  apply brute_fast_sound; vm_compute; lia.
Qed.
"""


def main_v_cubic(iw: IntWeights, proven: int, params: CubicParams) -> str:
    total = iw.v**iw.k
    p = params
    args = f"{p.r} {p.rb} {p.width} {p.si} {p.sv} {p.so} {p.su} {p.sk} {p.sq} {p.sd}"
    return f"""(** The trained network's accuracy is at least {proven}/{total}, by the cubic checker. Generated by proofmend. *)
From Coq Require Import ZArith Reals Lra Lia.
From {LOGICAL} Require Import MaxOfK ExpBounds Brute Cubic Weights.
Open Scope R_scope.

Lemma cubic_count_value : cubic_count net0 {args} = {proven}%Z.
Proof. vm_cast_no_check (eq_refl {proven}%Z). Qed.

Lemma inputs_value : Z.of_nat (nv net0 ^ nK net0) = {total}%Z.
Proof. rewrite Nat2Z.inj_pow. vm_cast_no_check (eq_refl {total}%Z). Qed.  (* v^K in binary, not unary nat *)

Theorem accuracy_bound : IZR {proven} / IZR {total} <= accuracy net0.
Proof.
  unfold accuracy. rewrite !INR_IZR_INZ, inputs_value.
  apply Rmult_le_compat_r; [left; apply Rinv_0_lt_compat; apply IZR_lt; lia|].
  apply IZR_le. rewrite <- cubic_count_value.
  apply cubic_sound; vm_compute; lia.
Qed.
"""


def library_dir() -> Path:
    return Path(__file__).with_name("coq")


@dataclass(frozen=True)
class Export:
    files: list[Path]
    theorem: str
    bound: float
    proven: int
    total: int


def export(w: ModelWeights, out: Path, strategy: str = "brute") -> Export:
    """Write the development under ``out``; returns its files (dependency order), theorem and bound."""
    if strategy not in STRATEGIES:
        raise ValueError(
            f"strategy {strategy!r} has no machine-checked export; available: {', '.join(STRATEGIES)}"
        )
    iw = integer_weights(w)
    if strategy == "subcubic":
        from . import coq_subcubic  # it builds on this module's mirror

        proven, main = coq_subcubic.proven_and_main(iw)
    elif strategy == "cubic":
        params = CubicParams.for_weights(iw)
        proven = cubic_count(iw, params)
        main = main_v_cubic(iw, proven, params)
    else:
        proven = brute_count(iw)
        main = main_v(iw, proven)
    library = LIBRARY_FOR[strategy]
    out.mkdir(parents=True, exist_ok=True)
    names = [*library, "Weights.v", "Main.v"]
    for name in library:
        (out / name).write_text((library_dir() / name).read_text())
    (out / "Weights.v").write_text(weights_v(iw))
    (out / "Main.v").write_text(main)
    (out / "_CoqProject").write_text(f"-Q . {LOGICAL}\n" + "\n".join(names) + "\n")
    total = iw.v**iw.k
    return Export([out / n for n in names], "accuracy_bound", proven / total, proven, total)
