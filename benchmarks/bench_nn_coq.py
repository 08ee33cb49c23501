"""Coq check time and bound of `proofmend nn export-coq`, against the Python bounds.

Usage:
  python benchmarks/bench_nn_coq.py --strategy cubic [--sizes 4x64] [--seeds 0] [--steps 3000]
  python benchmarks/bench_nn_coq.py --strategy brute [--sizes 3x6,3x8,4x8,4x10,4x12] [--steps 1500]
  python benchmarks/bench_nn_coq.py --frontier [--sizes 4x16,4x32,4x64,3x32,5x32] [--strategies brute,cubic,subcubic]
      [--out-dir nn_frontier]

For each size KxV (and seed) it trains a model (d_model = d_head = 32 by
default), exports the development for the strategy, compiles the generic library
once and then the weights and the main theorem, and prints: the Coq bound, the
Python bound of the same strategy and their difference, the exact accuracy (brute
force in Python, when v^K is at most 2e7), the seconds `coqc` spends on `Main.v`
(the reflection run), on `Weights.v`, and the whole check (library + weights +
main). Seconds are wall-clock and, in brackets or in the `cpu` columns, the CPU
time of the `coqc` process (user + system), which is what to compare on a shared
machine; the 1-minute load average is printed with every row. A size whose check
exceeds --timeout (wall) is reported as such; with --stop-after-timeout the larger
sizes are skipped.

--frontier runs every strategy in --strategies on every size (one trained model
per size, shared by the strategies), skips a strategy at the sizes after the one
where it first ran out of time, and writes `frontier.csv`, `frontier.json` and
`nn_frontier.png` (Coq CPU seconds of weights + main against bound, one line per
strategy, points labelled KxV) to --out-dir, with the least-squares exponent of
check time in v (K = 4 rows) per strategy.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from proofmend.nn_proofs import coq_export
from proofmend.nn_proofs.model import ModelConfig, ModelWeights, load_model, save_model
from proofmend.nn_proofs.strategies import run_strategy
from proofmend.nn_proofs.train import TrainConfig, train

#: Python strategy whose float bound each Coq strategy is compared with.
PY_TWIN = {"brute": "brute", "cubic": "cubic", "subcubic": "subcubic"}
EXACT_LIMIT = 20_000_000


@dataclass
class Timing:
    wall: float | None  # None: timed out
    cpu: float
    load: float


def coqc(name: str, cwd: Path, timeout: float) -> Timing:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(["coqc", "-Q", ".", coq_export.LOGICAL, name], cwd=cwd, capture_output=True,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return Timing(None, float("nan"), os.getloadavg()[0])
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"coqc {name} failed:\n{proc.stdout}{proc.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Timing(wall, cpu, os.getloadavg()[0])


class Library:
    """Compiles each generic Coq file once and copies the compiled files into later developments."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.compiled: dict[str, tuple[Path, Timing]] = {}

    def install(self, out: Path, names: tuple[str, ...]) -> float:
        """Compile or copy ``names`` into ``out``; returns the CPU seconds the library costs."""
        total = 0.0
        for name in names:
            if name in self.compiled:
                src, timing = self.compiled[name]
                for f in src.glob(name[:-2] + ".vo*"):
                    shutil.copy(f, out / f.name)
                shutil.copy(src / (name[:-2] + ".glob"), out / (name[:-2] + ".glob"))
            else:
                timing = coqc(name, out, self.timeout)
                if timing.wall is None:
                    raise RuntimeError(f"library file {name} timed out")
                self.compiled[name] = (out, timing)
                print(f"# library {name}: {timing.wall:.1f} s wall, {timing.cpu:.1f} s cpu, load {timing.load:.1f}",
                      flush=True)
            total += timing.cpu
        return total


def get_model(k: int, v: int, seed: int, d: int, steps: int, model_dir: Path | None) -> ModelWeights:
    path = model_dir / f"k{k}v{v}d{d}s{seed}n{steps}.safetensors" if model_dir else None
    if path is not None and path.exists():
        return load_model(path)
    w = train(ModelConfig(k=k, vocab=v, d_model=d, d_head=d), TrainConfig(steps=steps, seed=seed)).model.weights()
    if path is not None:
        save_model(w, path)
    return w


@dataclass
class Row:
    k: int
    v: int
    seed: int
    strategy: str
    coq_bound: float | None
    py_bound: float
    py_seconds: float
    py_ops: int
    exact: float | None
    weights_cpu: float | None
    main_cpu: float | None
    main_wall: float | None
    library_cpu: float
    load: float
    note: str = ""

    @property
    def check_cpu(self) -> float | None:
        """CPU seconds of the model-specific check (weights + main)."""
        if self.weights_cpu is None or self.main_cpu is None:
            return None
        return self.weights_cpu + self.main_cpu


def measure(w: ModelWeights, k: int, v: int, seed: int, strategy: str, work: Path, lib: Library,
            timeout: float, exact: float | None) -> Row:
    out = work / f"k{k}v{v}s{seed}_{strategy}"
    res = coq_export.export(w, out, strategy=strategy)
    lib_cpu = lib.install(out, coq_export.LIBRARY_FOR[strategy])
    t_w = coqc("Weights.v", out, timeout)
    t_m = coqc("Main.v", out, timeout) if t_w.wall is not None else Timing(None, float("nan"), t_w.load)
    py = run_strategy(PY_TWIN[strategy], w)
    done = t_m.wall is not None
    return Row(k, v, seed, strategy, res.bound if done else None, py.bound, py.seconds, py.cost.ops, exact,
               t_w.cpu if t_w.wall is not None else None, t_m.cpu if done else None, t_m.wall, lib_cpu, t_m.load,
               "" if done else f"over {timeout:.0f} s wall")


def fmt(x: float | None, spec: str = ".1f") -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, spec)


def exponent(points: list[tuple[int, float]]) -> float | None:
    """Least-squares slope of log(seconds) against log(v)."""
    pts = [(math.log(v), math.log(s)) for v, s in points if s and s > 0]
    if len(pts) < 2:
        return None
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    sxx = sum((x - mx) ** 2 for x, _ in pts)
    return sum((x - mx) * (y - my) for x, y in pts) / sxx if sxx else None


def plot(rows: list[Row], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for strategy in dict.fromkeys(r.strategy for r in rows):
        pts = sorted((r.check_cpu, r.coq_bound, f"{r.k}x{r.v}") for r in rows
                     if r.strategy == strategy and r.check_cpu is not None and r.coq_bound is not None)
        if not pts:
            continue
        ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=strategy)
        for x, y, label in pts:
            ax.annotate(label, (x, y), textcoords="offset points", xytext=(4, 4), fontsize=7)
    ax.set_xscale("log")
    ax.set_xlabel("Coq check, CPU seconds (Weights.v + Main.v)")
    ax.set_ylabel("certified accuracy bound")
    ax.set_title("max-of-K: bound against Coq check time")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def write_frontier(rows: list[Row], strategies: list[str], stopped: dict[str, str], out_dir: Path,
                   final: bool) -> None:
    """CSV, JSON and plot of the rows so far (rewritten after every row)."""
    with open(out_dir / "frontier.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=[*asdict(rows[0]).keys(), "check_cpu"] if rows else ["k"])
        writer.writeheader()
        for r in rows:
            writer.writerow({**asdict(r), "check_cpu": r.check_cpu})
    fits = {}
    for strategy in strategies:
        pts = [(r.v, r.check_cpu) for r in rows if r.strategy == strategy and r.k == 4 and r.check_cpu]
        fits[strategy] = exponent(pts)
        if final:
            print(f"# {strategy}: check CPU time ~ v^{fmt(fits[strategy], '.2f')} at K = 4 ({len(pts)} sizes)")
    (out_dir / "frontier.json").write_text(json.dumps(
        {"rows": [{**asdict(r), "check_cpu": r.check_cpu} for r in rows], "exponent_in_v": fits,
         "stopped": stopped}, indent=1))
    if rows:
        plot(rows, out_dir / "nn_frontier.png")


def frontier(args: argparse.Namespace, work: Path) -> int:
    sizes = [tuple(int(x) for x in s.lower().split("x")) for s in (args.sizes or "4x16,4x32,4x64,3x32,5x32").split(",")]
    strategies = args.strategies.split(",")
    for s in strategies:
        if s not in coq_export.STRATEGIES:
            print(f"unknown strategy {s!r}; valid: {', '.join(coq_export.STRATEGIES)}", file=sys.stderr)
            return 2
    steps = args.steps or 3000
    model_dir = Path(args.model_dir) if args.model_dir else None
    if model_dir:
        model_dir.mkdir(parents=True, exist_ok=True)
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    lib = Library(args.timeout)
    stopped: dict[str, str] = {}
    rows: list[Row] = []
    print(f"# frontier: d_model {args.d_model}, {steps} training steps, seed {args.seeds.split(',')[0]}")
    print(f"{'K':>2} {'v':>4} {'strategy':>9} {'coq bound':>9} {'py bound':>8} {'py s':>6} {'py ops':>10} "
          f"{'exact':>7} {'Weights cpu':>11} {'Main cpu':>9} {'Main wall':>9} {'load':>5}")
    seed = int(args.seeds.split(",")[0])
    for k, v in sizes:
        w = get_model(k, v, seed, args.d_model, steps, model_dir)
        exact = run_strategy("brute", w).bound if v**k <= EXACT_LIMIT else None
        for strategy in strategies:
            if strategy in stopped:
                print(f"{k:>2} {v:>4} {strategy:>9}  skipped: {stopped[strategy]}", flush=True)
                continue
            if strategy == "brute" and v**k > args.brute_limit:
                stopped[strategy] = f"from K={k}, v={v} on: v^K = {v**k} inputs > --brute-limit {args.brute_limit}"
                print(f"{k:>2} {v:>4} {strategy:>9}  skipped: {stopped[strategy]}", flush=True)
                continue
            row = measure(w, k, v, seed, strategy, work, lib, args.timeout, exact)
            rows.append(row)
            if row.note:
                stopped[strategy] = f"ran out of time at K={k}, v={v} ({row.note})"
            print(f"{k:>2} {v:>4} {strategy:>9} {fmt(row.coq_bound, '.5f'):>9} {row.py_bound:>8.5f} "
                  f"{row.py_seconds:>6.2f} {row.py_ops:>10} {fmt(exact, '.5f'):>7} {fmt(row.weights_cpu):>11} "
                  f"{fmt(row.main_cpu):>9} {fmt(row.main_wall):>9} {row.load:>5.1f} {row.note}", flush=True)
            write_frontier(rows, strategies, stopped, out_dir, final=False)
    write_frontier(rows, strategies, stopped, out_dir, final=True)
    print(f"# wrote {out_dir / 'frontier.csv'}, {out_dir / 'frontier.json'}, {out_dir / 'nn_frontier.png'}")
    return 0


def single(args: argparse.Namespace, work: Path) -> int:
    sizes = args.sizes or ("4x64" if args.strategy != "brute" else "3x6,3x8,3x12")
    steps = args.steps or (1500 if args.strategy == "brute" else 3000)
    lib = Library(args.timeout)
    model_dir = Path(args.model_dir) if args.model_dir else None
    print(f"# strategy {args.strategy}, d_model {args.d_model}, {steps} training steps")
    print(f"{'K':>2} {'v':>3} {'seed':>4} {'inputs':>9} {'coq bound':>10} {'py bound':>9} {'|diff|':>8} "
          f"{'py exact':>9} {'Main.v s [cpu]':>15} {'Weights.v s [cpu]':>17} {'check cpu':>9} {'load':>5}")
    for size in sizes.split(","):
        k, v = (int(x) for x in size.lower().split("x"))
        for seed in (int(s) for s in args.seeds.split(",")):
            w = get_model(k, v, seed, args.d_model, steps, model_dir)
            exact = run_strategy("brute", w).bound if v**k <= EXACT_LIMIT else None
            r = measure(w, k, v, seed, args.strategy, work, lib, args.timeout, exact)
            diff = None if r.coq_bound is None else abs(r.coq_bound - r.py_bound)
            check = None if r.check_cpu is None else r.library_cpu + r.check_cpu
            print(f"{k:>2} {v:>3} {seed:>4} {v**k:>9} {fmt(r.coq_bound, '.5f'):>10} {r.py_bound:>9.5f} "
                  f"{fmt(diff, '.5f'):>8} {fmt(exact, '.5f'):>9} "
                  f"{fmt(r.main_wall) + ' [' + fmt(r.main_cpu) + ']':>15} {'[' + fmt(r.weights_cpu) + ']':>17} "
                  f"{fmt(check):>9} {r.load:>5.1f} {r.note}", flush=True)
            if r.note and args.stop_after_timeout:
                return 0
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strategy", choices=coq_export.STRATEGIES, default="cubic")
    parser.add_argument("--frontier", action="store_true", help="every strategy of --strategies on every size")
    parser.add_argument("--strategies", default="brute,cubic,subcubic")
    parser.add_argument("--sizes", default=None, help="comma-separated KxV")
    parser.add_argument("--seeds", default="0", help="comma-separated training seeds (--frontier: the first)")
    parser.add_argument("--d-model", type=int, default=32)
    parser.add_argument("--steps", type=int, default=None, help="training steps (default: 3000; 1500 for brute)")
    parser.add_argument("--timeout", type=float, default=600.0, help="wall seconds allowed for one coqc run")
    parser.add_argument("--brute-limit", type=int, default=40_000, help="--frontier: largest v^K tried by brute force")
    parser.add_argument("--stop-after-timeout", action="store_true")
    parser.add_argument("--model-dir", default=None, help="cache trained models here")
    parser.add_argument("--out-dir", default="nn_frontier", help="--frontier: where the CSV, JSON and plot go")
    args = parser.parse_args(argv)
    if shutil.which("coqc") is None:
        print("coqc not found", file=sys.stderr)
        return 2
    torch.set_num_threads(1)
    work = Path(tempfile.mkdtemp(prefix="bench_nn_coq_"))
    return frontier(args, work) if args.frontier else single(args, work)


if __name__ == "__main__":
    raise SystemExit(main())
