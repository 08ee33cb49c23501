"""``eval --ray`` against the local process pool, on this machine.

Usage: python benchmarks/bench_ray.py [--cpus 2] [--kind KIND] [--limit N] [--repeats R]
           [--model-tasks 40] [--delay 2] [--model-concurrency 8] [--skip-reference] [--out FILE]

1. Overhead.  The bundled corpus (or ``--kind``/``--limit`` of it) with the
   ``reference`` solver (known proofs through the full audit: real coqc work,
   no model): a local pool of ``--cpus`` processes against Ray tasks on a local
   Ray instance of ``--cpus`` CPUs, and against a pool of ``--cpus`` Ray actors
   calling the same ``run_one`` (the design not taken).  Ratio: Ray wall time
   over local wall time (target <= 1.3), without and with the instance's
   start-up; with ``--repeats`` the three runs are interleaved R times (a
   shared machine's load drifts) and the median ratio is given.
2. A slow model.  ``--model-tasks`` property tasks answered by a replay server
   on 127.0.0.1 (fixed replies, ``--delay`` seconds per call, reached through
   litellm as ``openai/replay``; no cache; at most ``--attempts`` calls per
   task, no tactic search before or after them): ``--workers 2`` locally against
   ``--ray --model-concurrency N`` and the local pool with the same N.  Ratio:
   throughput (task samples per second) over ``--workers 2``'s (target >= 3).

Every run starts from an empty output directory.  The statuses of the runs
being compared must agree; a difference is printed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))

from _common import machine, table, write_json  # noqa: E402

from proofmend.agent.config import AgentConfig  # noqa: E402
from proofmend.evals.harness import run_eval  # noqa: E402
from proofmend.evals.pool import LocalPool  # noqa: E402
from proofmend.evals.schema import load_corpus  # noqa: E402

REPLIES = [
    "```coq\nProof.\n  intros; simpl; auto.\nQed.\n```",
    "```coq\nProof.\n  intros; simpl; reflexivity.\nQed.\n```",
    "```coq\nProof.\n  intros; destruct_all bool; simpl; auto.\nQed.\n```",
    "```coq\nProof.\n  induction 1; simpl; auto.\nQed.\n```",
]


def timed_run(corpus, config, executor, out: Path) -> dict:
    t0 = time.monotonic()
    run = run_eval(corpus, config, out_dir=out, fresh=True, executor=executor)
    wall = time.monotonic() - t0
    return {"wall_s": round(wall, 2), "samples": len(run.records), "solved": run.summary["overall"]["solved_samples"],
            "errors": run.summary["overall"]["error_samples"], "per_s": round(len(run.records) / wall, 3),
            "statuses": {r["id"]: r["status"] for r in run.records}}


def actor_pool_run(corpus, config, cpus: int, out: Path) -> dict:
    """The same samples through a pool of Ray actors (one per CPU) calling run_one."""
    import ray
    from ray.util import ActorPool

    from proofmend.evals.sample import run_one

    @ray.remote(num_cpus=1)
    class SampleActor:
        def run(self, job):
            return run_one(*job)

    out.mkdir(parents=True, exist_ok=True)
    jobs = [(t.model_dump_json(), str(corpus.path_of(t)), 0, config.model_dump_json(), str(out)) for t in corpus.tasks]
    t0 = time.monotonic()
    pool = ActorPool([SampleActor.remote() for _ in range(cpus)])
    records = list(pool.map_unordered(lambda actor, job: actor.run.remote(job), jobs))
    wall = time.monotonic() - t0
    return {"wall_s": round(wall, 2), "samples": len(records), "solved": sum(r["status"] == "solved" for r in records),
            "errors": sum(r["status"] == "error" for r in records), "per_s": round(len(records) / wall, 3),
            "statuses": {r["id"]: r["status"] for r in records}}


def differ(a: dict, b: dict) -> list[str]:
    return sorted(k for k in a["statuses"] if a["statuses"].get(k) != b["statuses"].get(k))


def row(name: str, r: dict, base: dict | None, key: str) -> list:
    ratio = "" if base is None else f"{(r[key] / base[key]):.2f}x"
    return [name, r["samples"], r["solved"], r["errors"], f"{r['wall_s']:.1f}", f"{r['per_s']:.2f}", ratio]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cpus", type=int, default=2, help="local pool processes = Ray instance CPUs (default 2)")
    ap.add_argument("--kind", action="append", help="only tasks of this kind for part 1 (repeatable)")
    ap.add_argument("--limit", type=int, help="only the first N tasks for part 1")
    ap.add_argument("--model-tasks", type=int, default=40, help="property tasks for part 2 (default 40)")
    ap.add_argument("--delay", type=float, default=2.0, help="seconds per model call in part 2 (default 2)")
    ap.add_argument("--model-concurrency", type=int, default=8, help="samples in flight in part 2 (default 8)")
    ap.add_argument("--attempts", type=int, default=4, help="model calls per task at most in part 2 (default 4)")
    ap.add_argument("--repeats", type=int, default=1, help="rounds of part 1, interleaved (default 1)")
    ap.add_argument("--skip-reference", action="store_true", help="run part 2 only")
    ap.add_argument("--skip-model", action="store_true", help="run part 1 only")
    ap.add_argument("--out", type=Path, help="write the figures as JSON")
    args = ap.parse_args()

    import ray

    from proofmend.evals.ray_runner import RayExecutor
    from tests.replay_server import ReplayServer

    os.environ["PROOFMEND_CACHE_DIR"] = ""  # every model call reaches the server (workers inherit this)
    os.environ.setdefault("OPENAI_API_KEY", "sk-replay-server")
    scratch = Path(tempfile.mkdtemp(prefix="bench-ray-"))
    figures: dict = {"machine": machine(), "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}}
    heads = ["run", "samples", "solved", "errors", "wall s", "samples/s", ""]

    t0 = time.monotonic()
    ray.init(num_cpus=args.cpus, include_dashboard=False, object_store_memory=256 << 20, log_to_driver=False)
    figures["ray_start_s"] = round(time.monotonic() - t0, 2)
    print(f"local Ray instance of {args.cpus} CPUs started in {figures['ray_start_s']:.1f} s")
    try:
        if not args.skip_reference:
            corpus = load_corpus("builtin")
            if args.kind:
                corpus = corpus.select(kinds=args.kind)
            if args.limit:
                corpus = corpus.__class__(corpus.root, corpus.tasks[: args.limit], corpus.source)
            config = AgentConfig(model="reference")
            rounds = []
            for i in range(args.repeats):  # interleaved, so that each round's runs see the same load
                local = timed_run(corpus, config, LocalPool(args.cpus), scratch / f"ref-local-{i}")
                tasks = timed_run(corpus, config, RayExecutor(), scratch / f"ref-ray-{i}")
                actors = actor_pool_run(corpus, config, args.cpus, scratch / f"ref-actors-{i}")
                for name, r in (("ray tasks", tasks), ("ray actors", actors)):
                    if differ(local, r):
                        print(f"statuses differ ({name}): {differ(local, r)[:10]}")
                rounds.append({"local": local, "ray_tasks": tasks, "ray_actors": actors,
                               "ratio": round(tasks["wall_s"] / local["wall_s"], 3),
                               "ratio_actors": round(actors["wall_s"] / local["wall_s"], 3)})
            over = statistics.median(r["ratio"] for r in rounds)
            over_start = statistics.median((r["ray_tasks"]["wall_s"] + figures["ray_start_s"]) / r["local"]["wall_s"]
                                           for r in rounds)
            print(f"\n1. reference solver, {len(corpus.tasks)} bundled tasks, {args.cpus} CPUs (wall-time ratio to local)")
            lines = []
            for i, r in enumerate(rounds):
                lines += [row(f"[{i}] local pool, --workers {args.cpus}", r["local"], None, "wall_s"),
                          row(f"[{i}] --ray (Ray tasks)", r["ray_tasks"], r["local"], "wall_s"),
                          row(f"[{i}] Ray actor pool", r["ray_actors"], r["local"], "wall_s")]
            print(table(heads, lines))
            print(f"overhead ratio --ray / local (median of {len(rounds)}): {over:.2f}x "
                  f"(with the instance's start-up: {over_start:.2f}x); "
                  f"actor pool / local: {statistics.median(r['ratio_actors'] for r in rounds):.2f}x")
            figures["reference"] = {"tasks": len(corpus.tasks), "rounds": rounds, "overhead_ratio": round(over, 3),
                                    "overhead_ratio_with_start": round(over_start, 3)}
        if not args.skip_model:
            corpus = load_corpus("builtin").select(kinds=["property"])
            corpus = corpus.__class__(corpus.root, corpus.tasks[: args.model_tasks], corpus.source)
            n = args.model_concurrency
            with ReplayServer(REPLIES, delay_s=args.delay) as server:
                config = AgentConfig(model="openai/replay", api_base=server.url, attempts=args.attempts, search_first_s=0,
                                     search_after_model=False, timeout_s=120)
                base = timed_run(corpus, config, LocalPool(2), scratch / "slow-local")
                calls_base = server.calls
                remote = timed_run(corpus, config, RayExecutor(model_concurrency=n), scratch / "slow-ray")
                calls_ray = server.calls - calls_base
                pooled = timed_run(corpus, config, LocalPool(2, n), scratch / "slow-pooled")
                peak = server.max_in_flight
            for name, r in (("--ray", remote), ("local pool", pooled)):
                if differ(base, r):
                    print(f"statuses differ ({name}): {differ(base, r)[:10]}")
            gain = remote["per_s"] / base["per_s"]
            print(f"\n2. replayed model, {args.delay:g} s per call, {len(corpus.tasks)} property tasks, "
                  f"{args.cpus} CPUs (throughput ratio to --workers 2)")
            print(table(heads, [row("local, --workers 2", base, None, "per_s"),
                                row(f"--ray --model-concurrency {n}", remote, base, "per_s"),
                                row(f"local, --workers 2 --model-concurrency {n}", pooled, base, "per_s")]))
            print(f"model calls: {calls_base} (local) / {calls_ray} (--ray); most in flight at once: {peak}")
            print(f"throughput ratio --ray --model-concurrency {n} / --workers 2: {gain:.2f}x")
            figures["slow_model"] = {"tasks": len(corpus.tasks), "delay_s": args.delay, "model_concurrency": n,
                                     "local": base, "ray": remote, "local_pooled": pooled, "calls_local": calls_base,
                                     "calls_ray": calls_ray, "max_in_flight": peak, "throughput_ratio": round(gain, 3)}
    finally:
        ray.shutdown()
    for r in [*figures.get("slow_model", {}).values(),
              *(v for rnd in figures.get("reference", {}).get("rounds", []) for v in rnd.values())]:
        if isinstance(r, dict):
            r.pop("statuses", None)
    write_json(args.out, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
