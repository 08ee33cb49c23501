"""Exact accuracy of a max-of-K model by running every input through the path tables."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from .paths import PathTables

#: Sequences per chunk; keeps peak memory near ``CHUNK * K * v * 8`` bytes.
CHUNK = 1 << 15


def decode(indices: torch.Tensor, v: int, k: int) -> torch.Tensor:
    """Token sequences (n, k) whose base-v digits are ``indices`` (first token most significant)."""
    powers = v ** torch.arange(k - 1, -1, -1, dtype=torch.int64)
    return (indices[:, None] // powers) % v


def margins(tables: PathTables, tokens: torch.Tensor) -> torch.Tensor:
    """For each sequence, logit of its max minus the largest other logit (float64)."""
    eqke = torch.from_numpy(tables.eqke)
    eqkp = torch.from_numpy(tables.eqkp)
    evou = torch.from_numpy(tables.evou)
    pvou = torch.from_numpy(tables.pvou)
    eu = torch.from_numpy(tables.eu)
    query = tokens[:, -1]
    scores = eqke[query[:, None], tokens] + eqkp[query]
    attn = scores.softmax(dim=-1)
    values = evou[tokens] + pvou  # (n, k, v)
    logits = eu[query] + torch.einsum("nk,nkv->nv", attn, values)
    target = tokens.max(dim=1).values
    right = logits.gather(1, target[:, None]).squeeze(1)
    logits.scatter_(1, target[:, None], float("-inf"))
    return right - logits.max(dim=1).values


def count_correct(
    tables: PathTables, progress: Callable[[int], None] | None = None, chunk: int = CHUNK
) -> int:
    """Number of the v^K inputs whose max gets a strictly larger logit than every other token."""
    v, k = tables.vocab, tables.k
    total = v**k
    correct = 0
    with torch.no_grad():
        for start in range(0, total, chunk):
            stop = min(total, start + chunk)
            tokens = decode(torch.arange(start, stop, dtype=torch.int64), v, k)
            correct += int((margins(tables, tokens) > 0).sum())
            if progress is not None:
                progress(stop - start)
    return correct


def brute_ops(v: int, k: int) -> int:
    """Operations of the brute-force pass: scores, softmax, and k*v value mixing per input."""
    return v**k * (k * v + 4 * k + v)


def accuracy(tables: PathTables) -> float:
    """Exact accuracy over all v^K inputs."""
    return count_correct(tables) / tables.vocab**tables.k


def sample_accuracy(tables: PathTables, n: int, seed: int = 0) -> float:
    """Accuracy on ``n`` uniformly sampled inputs (for spaces too big to enumerate)."""
    rng = np.random.default_rng(seed)
    tokens = torch.from_numpy(rng.integers(0, tables.vocab, size=(n, tables.k)))
    with torch.no_grad():
        return float((margins(tables, tokens) > 0).double().mean())
