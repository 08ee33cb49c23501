"""Seconds and bound of every max-of-K proof strategy, brute force included.

Usage: python benchmarks/bench_nn.py [--model M.safetensors] [--seeds N] [--steps S]

Without --model, trains the paper's model (K=4, v=64, d=32) for each seed.
Prints one line per (seed, strategy) and, per strategy, the mean over seeds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

from proofmend.nn_proofs.model import ModelConfig, load_model
from proofmend.nn_proofs.strategies import STRATEGIES, run_strategy
from proofmend.nn_proofs.train import TrainConfig, train


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="a .safetensors model; default: train one per seed")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--k", type=int, default=4)
    parser.add_argument("--vocab", type=int, default=64)
    args = parser.parse_args(argv)

    if args.model is not None:
        models = [("file", load_model(args.model))]
    else:
        models = []
        torch.set_num_threads(1)
        for seed in range(args.seeds):
            t0 = time.perf_counter()
            w = train(ModelConfig(k=args.k, vocab=args.vocab), TrainConfig(steps=args.steps, seed=seed)).model.weights()
            print(f"seed {seed}: trained in {time.perf_counter() - t0:.1f} s", flush=True)
            models.append((str(seed), w))
    torch.set_num_threads(2)
    results: dict[str, list] = {name: [] for name in STRATEGIES}
    print(f"{'seed':>5} {'strategy':>15} {'bound':>9} {'seconds':>9} {'ops':>14}  formula")
    for label, w in models:
        for name in STRATEGIES:
            r = run_strategy(name, w)
            results[name].append(r)
            print(f"{label:>5} {name:>15} {r.bound:9.5f} {r.seconds:9.3f} {r.cost.ops:14,}  {r.cost.formula}", flush=True)
    print("\nmean over models")
    for name, rs in results.items():
        print(f"{name:>15}: bound {statistics.mean(r.bound for r in rs):.5f}  seconds {statistics.mean(r.seconds for r in rs):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
