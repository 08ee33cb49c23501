"""The max-of-K model: one layer, one head, attention only, no layer norm, no biases.

Weights follow the TransformerLens naming used in the compact-proofs paper:
``W_E`` (v, d), ``W_pos`` (K, d), ``W_Q``/``W_K``/``W_V`` (d, d_head),
``W_O`` (d_head, d), ``W_U`` (d, v). Biases are frozen at zero and therefore
omitted. The residual stream at position i is ``W_E[t_i] + W_pos[i]``; the head
attends causally; logits are the residual stream plus the head output,
unembedded by ``W_U``.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

WEIGHT_NAMES = ("W_E", "W_pos", "W_Q", "W_K", "W_V", "W_O", "W_U")


@dataclass(frozen=True)
class ModelConfig:
    """Shape of a max-of-K model."""

    k: int = 4
    vocab: int = 64
    d_model: int = 32
    d_head: int = 32

    def validate(self) -> None:
        """Raise ``ValueError`` for shapes that make no sense."""
        if self.k < 1 or self.vocab < 2 or self.d_model < 1 or self.d_head < 1:
            raise ValueError(f"invalid model config: {self}")


class MaxOfK(nn.Module):
    """Attention-only one-layer transformer predicting the max of its input."""

    def __init__(self, config: ModelConfig, seed: int = 0) -> None:
        super().__init__()
        config.validate()
        self.config = config
        gen = torch.Generator().manual_seed(seed)
        std = 0.8 / math.sqrt(config.d_model)  # TransformerLens "gpt2" init range
        v, k, d, h = config.vocab, config.k, config.d_model, config.d_head
        shapes = {
            "W_E": (v, d),
            "W_pos": (k, d),
            "W_Q": (d, h),
            "W_K": (d, h),
            "W_V": (d, h),
            "W_O": (h, d),
            "W_U": (d, v),
        }
        for name, shape in shapes.items():
            self.register_parameter(name, nn.Parameter(torch.randn(*shape, generator=gen) * std))

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        """Logits of shape (batch, K, vocab) for integer tokens of shape (batch, K)."""
        n = tokens.shape[1]
        x = self.W_E[tokens] + self.W_pos[:n]
        q = x @ self.W_Q
        key = x @ self.W_K
        scores = q @ key.transpose(-1, -2) / math.sqrt(self.config.d_head)
        mask = torch.triu(torch.ones(n, n, dtype=torch.bool, device=tokens.device), diagonal=1)
        scores = scores.masked_fill(mask, float("-inf"))
        attn = scores.softmax(dim=-1)
        head = attn @ (x @ self.W_V) @ self.W_O
        return (x + head) @ self.W_U

    def last_logits(self, tokens: torch.Tensor) -> torch.Tensor:
        """Logits at the last position only, shape (batch, vocab); equal to ``forward(tokens)[:, -1]``."""
        n = tokens.shape[1]
        x = self.W_E[tokens] + self.W_pos[:n]
        q = x[:, -1] @ self.W_Q
        scores = torch.einsum("bh,bnh->bn", q, x @ self.W_K) / math.sqrt(self.config.d_head)
        attn = scores.softmax(dim=-1)
        head = torch.einsum("bn,bnd->bd", attn, x) @ (self.W_V @ self.W_O)
        return (x[:, -1] + head) @ self.W_U

    def weights(self) -> "ModelWeights":
        """The weights as float64 numpy arrays (float32 values are exact in float64)."""
        arrays = {n: getattr(self, n).detach().to(torch.float64).numpy().copy() for n in WEIGHT_NAMES}
        return ModelWeights(config=self.config, **arrays)


@dataclass(frozen=True)
class ModelWeights:
    """Plain numpy weights of a max-of-K model, float64."""

    config: ModelConfig
    W_E: np.ndarray
    W_pos: np.ndarray
    W_Q: np.ndarray
    W_K: np.ndarray
    W_V: np.ndarray
    W_O: np.ndarray
    W_U: np.ndarray

    def to_module(self) -> MaxOfK:
        """A torch module (float64) holding these weights."""
        module = MaxOfK(self.config).double()
        with torch.no_grad():
            for name in WEIGHT_NAMES:
                getattr(module, name).copy_(torch.from_numpy(getattr(self, name)))
        return module


def save_model(weights: ModelWeights, path: Path, extra: dict | None = None) -> None:
    """Write float32 weights with safetensors; the config goes into the header metadata."""
    from safetensors.numpy import save_file

    tensors = {n: np.ascontiguousarray(getattr(weights, n), dtype=np.float32) for n in WEIGHT_NAMES}
    metadata = {"config": json.dumps(asdict(weights.config))}
    if extra:
        metadata["training"] = json.dumps(extra)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(path), metadata=metadata)


def load_model(path: Path) -> ModelWeights:
    """Read a model written by :func:`save_model`.

    Raises ``FileNotFoundError`` when the file is missing and ``ValueError`` when
    it is not a max-of-K safetensors file.
    """
    from safetensors import safe_open

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"model file not found: {path}")
    try:
        with safe_open(str(path), framework="numpy") as f:
            meta = f.metadata() or {}
            arrays = {n: f.get_tensor(n).astype(np.float64) for n in WEIGHT_NAMES}
    except Exception as exc:  # safetensors raises several error types for bad files
        raise ValueError(f"not a max-of-K model file: {path} ({exc})") from exc
    if "config" not in meta:
        raise ValueError(f"model file has no config metadata: {path}")
    config = ModelConfig(**json.loads(meta["config"]))
    return ModelWeights(config=config, **arrays)


def training_metadata(path: Path) -> dict:
    """The training record stored with a model, or an empty dict."""
    from safetensors import safe_open

    with safe_open(str(path), framework="numpy") as f:
        meta = f.metadata() or {}
    return json.loads(meta.get("training", "{}"))
