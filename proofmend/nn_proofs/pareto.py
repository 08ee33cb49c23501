"""Bound against proof cost over several seeds: CSV rows and a log-x scatter plot."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from .model import ModelConfig
from .strategies import STRATEGIES, run_strategy
from .train import TrainConfig, train


@dataclass(frozen=True)
class ParetoRow:
    """One (seed, strategy) measurement."""

    seed: int
    strategy: str
    bound: float
    accuracy: float
    ops: int
    formula: str
    seconds: float


def measure(
    seeds: Iterable[int],
    config: ModelConfig,
    steps: int,
    strategies: Iterable[str] = tuple(STRATEGIES),
    on_event: Callable[[str], None] | None = None,
) -> list[ParetoRow]:
    """Train one model per seed and run every strategy on it."""
    rows: list[ParetoRow] = []
    names = list(strategies)
    if "brute" not in names:
        names.insert(0, "brute")
    for seed in seeds:
        if on_event:
            on_event(f"seed {seed}: training")
        weights = train(config, TrainConfig(steps=steps, seed=seed)).model.weights()
        results = {}
        for name in names:
            if on_event:
                on_event(f"seed {seed}: {name}")
            results[name] = run_strategy(name, weights)
        acc = results["brute"].bound
        for name in names:
            r = results[name]
            rows.append(ParetoRow(seed, name, r.bound, acc, r.cost.ops, r.cost.formula, r.seconds))
    return rows


def write_csv(rows: list[ParetoRow], path: Path) -> None:
    """Write the rows with a header."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(ParetoRow.__dataclass_fields__))
        writer.writeheader()
        for row in rows:
            writer.writerow(asdict(row))


def frontier(rows: list[ParetoRow]) -> list[ParetoRow]:
    """Rows not dominated by a cheaper-or-equal row with a higher-or-equal bound (same seed)."""
    out = []
    for r in rows:
        dominated = any(
            o is not r and o.seed == r.seed and o.ops <= r.ops and o.bound >= r.bound
            and (o.ops < r.ops or o.bound > r.bound)
            for o in rows
        )
        if not dominated:
            out.append(r)
    return out


def plot(rows: list[ParetoRow], path: Path) -> None:
    """Scatter of bound against counted operations (log x), one colour per strategy."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    markers = "osD^vP*X"
    for n, name in enumerate(dict.fromkeys(r.strategy for r in rows)):
        pts = [r for r in rows if r.strategy == name]
        ax.scatter([r.ops for r in pts], [r.bound for r in pts], label=name, alpha=0.75, marker=markers[n % len(markers)])
    best = frontier(rows)
    for seed in sorted({r.seed for r in best}):
        line = sorted((r for r in best if r.seed == seed), key=lambda r: r.ops)
        ax.plot([r.ops for r in line], [r.bound for r in line], color="grey", lw=0.8, alpha=0.5)
    ax.set_xscale("log")
    ax.set_xlabel("proof cost (counted operations, log scale)")
    ax.set_ylabel("certified accuracy lower bound")
    ax.set_title("max-of-K: bound against proof cost")
    ax.set_ylim(-0.02, 1.02)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
