"""Training the max-of-K model: cross-entropy at the last position against the max."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from .model import MaxOfK, ModelConfig


@dataclass(frozen=True)
class TrainConfig:
    """Optimiser settings from the compact-proofs paper."""

    steps: int = 3000
    batch: int = 128
    lr: float = 1e-3
    seed: int = 0


@dataclass(frozen=True)
class TrainResult:
    """A trained model and its final training loss."""

    model: MaxOfK
    final_loss: float


def train(
    config: ModelConfig,
    train_config: TrainConfig,
    on_step: Callable[[int, float], None] | None = None,
) -> TrainResult:
    """Train on freshly sampled uniform sequences with AdamW; deterministic given the seed."""
    torch.manual_seed(train_config.seed)
    model = MaxOfK(config, seed=train_config.seed)
    opt = torch.optim.AdamW(model.parameters(), lr=train_config.lr)
    gen = torch.Generator().manual_seed(train_config.seed + 1)
    loss_value = float("nan")
    for step in range(train_config.steps):
        tokens = torch.randint(0, config.vocab, (train_config.batch, config.k), generator=gen)
        logits = model.last_logits(tokens)
        loss = torch.nn.functional.cross_entropy(logits, tokens.max(dim=1).values)
        opt.zero_grad()
        loss.backward()
        opt.step()
        loss_value = float(loss.detach())
        if on_step is not None:
            on_step(step, loss_value)
    return TrainResult(model=model, final_loss=loss_value)
