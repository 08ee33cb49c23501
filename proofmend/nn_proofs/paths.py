"""Path decomposition of the max-of-K model at the last (query) position.

With query token ``q`` at position K-1 and key token ``t`` at position ``i``,
the attention score is ``EQKE[q, t] + EQKP[q, i]`` and the logits are

    EU[q] + sum_i softmax(scores)_i * (EVOU[t_i] + PVOU[i]).

This identity is exact (bilinearity): the query's positional embedding is folded
into the query side of every table, and the score of the key's position is
independent of its token.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .model import ModelWeights


@dataclass(frozen=True)
class PathTables:
    """Per-token tables of the model at the query position (float64)."""

    eqke: np.ndarray | None  # (v, v): query token -> key token attention score (None: not formed)
    eqkp: np.ndarray  # (v, K): query token -> key position attention score
    evou: np.ndarray  # (v, v): key token -> output logit, through the OV circuit
    pvou: np.ndarray  # (K, v): key position -> output logit, through the OV circuit
    eu: np.ndarray  # (v, v): query token -> output logit, direct path

    @property
    def vocab(self) -> int:
        return self.evou.shape[0]

    @property
    def k(self) -> int:
        return self.eqkp.shape[1]


def query_side(w: ModelWeights) -> np.ndarray:
    """Query-side residual stream: token embedding plus the last position's embedding."""
    return w.W_E + w.W_pos[-1]


def path_tables(w: ModelWeights, with_eqke: bool = True) -> PathTables:
    """Compute the path tables from the weights; ``with_eqke=False`` skips the v x v QK table."""
    scale = 1.0 / math.sqrt(w.config.d_head)
    q = query_side(w) @ w.W_Q * scale
    ov = w.W_V @ w.W_O
    return PathTables(
        eqke=q @ (w.W_E @ w.W_K).T if with_eqke else None,
        eqkp=q @ (w.W_pos @ w.W_K).T,
        evou=w.W_E @ ov @ w.W_U,
        pvou=w.W_pos @ ov @ w.W_U,
        eu=query_side(w) @ w.W_U,
    )


def table_ops(v: int, k: int, d: int, h: int, *, with_eqke: bool = True) -> int:
    """Multiply-adds spent computing the tables (EQKE optional)."""
    ops = v * d * h  # query side times W_Q
    ops += v * d * h + k * d * h  # keys: W_E W_K and W_pos W_K
    ops += v * k * h  # EQKP
    ops += d * h * d  # W_V W_O
    ops += v * d * d + v * d * v  # EVOU
    ops += k * d * d + k * d * v  # PVOU
    ops += v * d * v  # EU
    if with_eqke:
        ops += v * v * h
    return ops
