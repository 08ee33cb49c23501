"""Coq check time and bound of `proofmend nn export-coq`, against the Python bounds.

Usage: python benchmarks/bench_nn_coq.py [--sizes 3x6,3x8,3x12] [--d-model 32] [--steps 1500] [--timeout 600]

For each size KxV it trains a model (seed 0), exports the brute-force development,
compiles the generic library once and then the weights and the main theorem, and
prints: the Coq bound, the Python brute-force (exact) and cubic bounds, the
seconds `coqc` spends on `Main.v` (the reflection run), and the seconds for the
weights file. A size whose check exceeds --timeout is reported as such.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from proofmend.nn_proofs import coq_export
from proofmend.nn_proofs.model import ModelConfig
from proofmend.nn_proofs.strategies import run_strategy
from proofmend.nn_proofs.train import TrainConfig, train


def coqc(name: str, cwd: Path, timeout: float) -> float | None:
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(["coqc", "-Q", ".", coq_export.LOGICAL, name], cwd=cwd, capture_output=True,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    if proc.returncode != 0:
        raise RuntimeError(f"coqc {name} failed:\n{proc.stdout}{proc.stderr}")
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="3x6,3x8,3x12", help="comma-separated KxV")
    parser.add_argument("--d-model", type=int, default=32)
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args(argv)
    if shutil.which("coqc") is None:
        print("coqc not found", file=sys.stderr)
        return 2
    torch.set_num_threads(1)
    work = Path(tempfile.mkdtemp(prefix="bench_nn_coq_"))
    lib_dir: Path | None = None
    print(f"{'K':>2} {'v':>3} {'inputs':>7} {'coq bound':>10} {'py exact':>9} {'py cubic':>9} {'Main.v s':>9} {'Weights.v s':>11}")
    for size in args.sizes.split(","):
        k, v = (int(x) for x in size.lower().split("x"))
        w = train(ModelConfig(k=k, vocab=v, d_model=args.d_model, d_head=args.d_model),
                  TrainConfig(steps=args.steps, seed=0)).model.weights()
        out = work / f"k{k}v{v}"
        res = coq_export.export(w, out)
        if lib_dir is None:
            for name in coq_export.LIBRARY:
                secs = coqc(name, out, args.timeout)
                print(f"# library {name}: {secs:.1f} s")
            lib_dir = out
        else:  # the generic library is the same for every size: reuse its compiled files
            for name in coq_export.LIBRARY:
                for compiled in lib_dir.glob(name[:-2] + ".vo*"):
                    shutil.copy(compiled, out / compiled.name)
        t_w = coqc("Weights.v", out, args.timeout)
        t_m = coqc("Main.v", out, args.timeout)
        exact = run_strategy("brute", w).bound
        cubic = run_strategy("cubic", w).bound
        shown = "timeout" if t_m is None else f"{t_m:.1f}"
        print(f"{k:>2} {v:>3} {v**k:>7} {res.bound:>10.5f} {exact:>9.5f} {cubic:>9.5f} {shown:>9} {t_w or float('nan'):>11.1f}",
              flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
