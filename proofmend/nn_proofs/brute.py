"""Exact accuracy of a max-of-K model over all v^K inputs, vectorised over the path tables.

For query token ``q`` (the last token) the logits are
``L[o] = EU[q, o] + sum_i a_i * (EVOU[t_i, o] + PVOU[i, o])`` with ``a`` the softmax
of ``EQKE[q, t_i] + EQKP[q, i]``. A sequence with max ``m`` is correct when
``L[m] > L[o]`` for every ``o != m``.

Two exact stages:

1. ``L[m] - L[o] = sum_i a_i * d_i(o)`` with ``d_i(o) = val_i[m] - val_i[o]`` and
   ``val_i = EVOU[t_i] + PVOU[i] + EU[q]`` (the direct path is folded in, since the
   ``a_i`` sum to one). So ``min_o (L[m] - L[o]) >= sum_i a_i * T[q, i, t_i, m]`` with
   ``T[q, i, t, m] = val[m] - max_{o != m} val[o]``: a per-token table, and a lower
   bound needing K lookups per sequence instead of K * v. A sequence whose bound is
   positive (beyond float slack) is correct. Symmetrically, for one chosen rival
   ``r(q, m)`` (the best rival of the query position's own value),
   ``min_o (L[m] - L[o]) <= sum_i a_i * (val_i[m] - val_i[r])``; a sequence whose
   upper bound is negative is wrong.
2. The remaining sequences are run through the full logits.

The result is the exact count; only the work is saved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from .paths import PathTables

#: Sequences per chunk of the first K-1 tokens.
CHUNK = 1 << 18
#: Float slack: a stage-1 bound must exceed this to decide a sequence.
SLACK = 1e-9


@dataclass(frozen=True)
class BruteResult:
    """Exact count of correct inputs, and the work done."""

    correct: int
    total: int
    full_evaluations: int  # sequences that needed stage 2
    ops: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.total


def decode(indices: torch.Tensor, v: int, k: int) -> torch.Tensor:
    """Token sequences (n, k) whose base-v digits are ``indices`` (first token most significant)."""
    powers = v ** torch.arange(k - 1, -1, -1, dtype=torch.int64)
    return (indices[:, None] // powers) % v


def _tensors(tables: PathTables) -> tuple[torch.Tensor, ...]:
    return tuple(torch.from_numpy(np.ascontiguousarray(x)) for x in (tables.eqke, tables.eqkp, tables.evou, tables.pvou, tables.eu))


def margins(tables: PathTables, tokens: torch.Tensor) -> torch.Tensor:
    """For each sequence (n, k): logit of its max minus the largest other logit (float64)."""
    eqke, eqkp, evou, pvou, eu = _tensors(tables)
    query = tokens[:, -1]
    attn = (eqke[query[:, None], tokens] + eqkp[query]).softmax(dim=-1)
    logits = eu[query] + attn @ pvou
    for i in range(tokens.shape[1]):
        logits += attn[:, i : i + 1] * evou[tokens[:, i]]
    target = tokens.max(dim=1).values
    right = logits.gather(1, target[:, None]).squeeze(1)
    logits.scatter_(1, target[:, None], float("-inf"))
    return right - logits.max(dim=1).values


def _best_other(val: torch.Tensor) -> torch.Tensor:
    """``val[..., m] - max_{o != m} val[..., o]`` for every m (top-2 trick)."""
    top = val.topk(2, dim=-1)
    idx = torch.arange(val.shape[-1])
    other = torch.where(idx == top.indices[..., :1], top.values[..., 1:2], top.values[..., :1])
    return val - other


def count_correct(
    tables: PathTables, progress: Callable[[int], None] | None = None, chunk: int = CHUNK
) -> BruteResult:
    """Exact number of the v^K inputs whose max gets a strictly larger logit than any other token."""
    v, k = tables.vocab, tables.k
    eqke, eqkp, evou, pvou, eu = _tensors(tables)
    n_keys = v ** (k - 1)
    correct = full = 0
    ops = 0
    with torch.no_grad():
        for q in range(v):
            val = evou[None, :, :] + pvou[:, None, :] + eu[q]  # (k, t, o)
            table = _best_other(val)  # (k, t, m)
            top = val[k - 1, q].topk(min(2, v)).indices
            rival = torch.where(torch.arange(v) == top[0], top[-1], top[0])  # (m,), never m itself
            upper = val - val[:, :, rival]  # (k, t, m): val[i, t, m] - val[i, t, rival[m]]
            scores = eqke[q][None, :] + eqkp[q][:, None]  # (k, t)
            e = (scores - scores.max()).exp()
            ops += k * v * v * 3
            for start in range(0, n_keys, chunk):
                stop = min(n_keys, start + chunk)
                keys = decode(torch.arange(start, stop, dtype=torch.int64), v, k - 1)
                m = keys.max(dim=1).values.clamp(min=q) if k > 1 else torch.full((stop - start,), q)
                z = torch.full((stop - start,), float(e[k - 1, q]), dtype=torch.float64)
                s = e[k - 1, q] * table[k - 1, q][m]
                u = e[k - 1, q] * upper[k - 1, q][m]
                for i in range(k - 1):
                    ei = e[i][keys[:, i]]
                    z = z + ei
                    s = s + ei * table[i][keys[:, i], m]
                    u = u + ei * upper[i][keys[:, i], m]
                right = s / z > SLACK
                wrong = u / z < -SLACK
                correct += int(right.sum())
                rest = keys[~(right | wrong)]
                ops += (stop - start) * 6 * k
                if rest.shape[0]:
                    tokens = torch.cat([rest, torch.full((rest.shape[0], 1), q, dtype=torch.int64)], dim=1)
                    correct += int((margins(tables, tokens) > 0).sum())
                    full += rest.shape[0]
                    ops += rest.shape[0] * (k * v + 4 * k + v)
                if progress is not None:
                    progress(stop - start)
    return BruteResult(correct=correct, total=v**k, full_evaluations=full, ops=ops)


def accuracy(tables: PathTables) -> float:
    """Exact accuracy over all v^K inputs."""
    return count_correct(tables).accuracy


def naive_count_correct(tables: PathTables, chunk: int = 1 << 15) -> int:
    """Reference count: every input through the full logits (slow; used by tests)."""
    v, k = tables.vocab, tables.k
    total = v**k
    correct = 0
    with torch.no_grad():
        for start in range(0, total, chunk):
            tokens = decode(torch.arange(start, min(total, start + chunk), dtype=torch.int64), v, k)
            correct += int((margins(tables, tokens) > 0).sum())
    return correct


def sample_accuracy(tables: PathTables, n: int, seed: int = 0) -> float:
    """Accuracy on ``n`` uniformly sampled inputs (for spaces too large to enumerate)."""
    rng = np.random.default_rng(seed)
    tokens = torch.from_numpy(rng.integers(0, tables.vocab, size=(n, tables.k)))
    with torch.no_grad():
        return float((margins(tables, tokens) > 0).double().mean())
