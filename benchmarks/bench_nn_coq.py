"""Coq check time and bound of `proofmend nn export-coq`, against the Python bounds.

Usage:
  python benchmarks/bench_nn_coq.py --strategy cubic [--sizes 4x64] [--seeds 0] [--steps 3000]
  python benchmarks/bench_nn_coq.py --strategy brute [--sizes 3x6,3x8,4x8,4x10,4x12] [--steps 1500]

For each size KxV (and seed) it trains a model (d_model = d_head = 32 by
default), exports the development for the strategy, compiles the generic library
once and then the weights and the main theorem, and prints: the Coq bound, the
Python bound of the same strategy and their difference, the exact accuracy (brute
force in Python), the seconds `coqc` spends on `Main.v` (the reflection run), on
`Weights.v`, and the whole check (library + weights + main). A size whose check
exceeds --timeout is reported as such; with --stop-after-timeout the larger sizes
are skipped (brute force only grows).
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
    parser.add_argument("--strategy", choices=coq_export.STRATEGIES, default="cubic")
    parser.add_argument("--sizes", default=None, help="comma-separated KxV (default: 4x64 for cubic, 3x6,3x8,3x12 for brute)")
    parser.add_argument("--seeds", default="0", help="comma-separated training seeds")
    parser.add_argument("--d-model", type=int, default=32)
    parser.add_argument("--steps", type=int, default=None, help="training steps (default: 3000 cubic, 1500 brute)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds allowed for one coqc run")
    parser.add_argument("--stop-after-timeout", action="store_true")
    args = parser.parse_args(argv)
    if shutil.which("coqc") is None:
        print("coqc not found", file=sys.stderr)
        return 2
    sizes = args.sizes or ("4x64" if args.strategy == "cubic" else "3x6,3x8,3x12")
    steps = args.steps or (3000 if args.strategy == "cubic" else 1500)
    torch.set_num_threads(1)
    work = Path(tempfile.mkdtemp(prefix="bench_nn_coq_"))
    library = coq_export.LIBRARY_FOR[args.strategy]
    lib_dir: Path | None = None
    lib_secs = 0.0
    print(f"# strategy {args.strategy}, d_model {args.d_model}, {steps} training steps")
    print(f"{'K':>2} {'v':>3} {'seed':>4} {'inputs':>9} {'coq bound':>10} {'py bound':>9} {'|diff|':>8} "
          f"{'py exact':>9} {'Main.v s':>9} {'Weights.v s':>11} {'check s':>8}")
    for size in sizes.split(","):
        k, v = (int(x) for x in size.lower().split("x"))
        for seed in (int(s) for s in args.seeds.split(",")):
            w = train(ModelConfig(k=k, vocab=v, d_model=args.d_model, d_head=args.d_model),
                      TrainConfig(steps=steps, seed=seed)).model.weights()
            out = work / f"k{k}v{v}s{seed}"
            res = coq_export.export(w, out, strategy=args.strategy)
            if lib_dir is None:
                for name in library:
                    secs = coqc(name, out, args.timeout)
                    lib_secs += secs or 0.0
                    print(f"# library {name}: {secs:.1f} s")
                lib_dir = out
            else:  # the generic library is the same for every size: reuse its compiled files
                for name in library:
                    for compiled in lib_dir.glob(name[:-2] + ".vo*"):
                        shutil.copy(compiled, out / compiled.name)
            t_w = coqc("Weights.v", out, args.timeout)
            t_m = coqc("Main.v", out, args.timeout)
            py = run_strategy(args.strategy, w).bound
            exact = run_strategy("brute", w).bound
            shown = "timeout" if t_m is None else f"{t_m:.1f}"
            check = "-" if t_m is None or t_w is None else f"{lib_secs + t_w + t_m:.1f}"
            print(f"{k:>2} {v:>3} {seed:>4} {v**k:>9} {res.bound:>10.5f} {py:>9.5f} {abs(res.bound - py):>8.5f} "
                  f"{exact:>9.5f} {shown:>9} {t_w or float('nan'):>11.1f} {check:>8}", flush=True)
            if t_m is None and args.stop_after_timeout:
                return 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
