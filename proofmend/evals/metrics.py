"""Scores of a run: success rate, pass@k, attempts, tokens, dollars, time.

Per task, ``n`` samples were run and ``c`` of them solved it.  pass@k is the
unbiased estimator 1 - C(n-c, k) / C(n, k) (Chen et al., 2021), averaged over
tasks; k = 1 and k = the number of samples asked for.  A task with fewer than
k samples so far (an interrupted run) counts for pass@k as solved when any of
its samples solved it.  "solved" tasks are those solved by at least one sample;
status ``error`` (the solver or prover broke) counts as not solved and is
counted on its own.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from math import comb

from .schema import KINDS

UNKNOWN = "unknown"


def pass_at_k(n: int, c: int, k: int) -> float:
    """Probability that at least one of k samples drawn from n (c correct) is correct."""
    if n <= 0:
        raise ValueError("n must be positive")
    if not 0 <= c <= n:
        raise ValueError("c must lie in 0..n")
    if k <= 0:
        raise ValueError("k must be positive")
    if k > n:
        return 1.0 if c > 0 else 0.0
    if n - c < k:
        return 1.0
    return 1.0 - comb(n - c, k) / comb(n, k)


def _per_task(records: list[dict]) -> dict[str, dict]:
    tasks: dict[str, dict] = {}
    for r in records:
        t = tasks.setdefault(r["id"], {"kind": r.get("kind", "?"), "n": 0, "c": 0, "errors": 0})
        t["n"] += 1
        t["c"] += r.get("status") == "solved"
        t["errors"] += r.get("status") == "error"
    return tasks


def _group(records: list[dict], samples: int) -> dict:
    tasks = _per_task(records)
    k = max(1, samples)
    solved_records = [r for r in records if r.get("status") == "solved"]
    n_solved_tasks = sum(1 for t in tasks.values() if t["c"] > 0)
    costs = [r.get("cost_usd") for r in records]
    tokens_in = sum(int(r.get("tokens_in") or 0) for r in records)
    tokens_out = sum(int(r.get("tokens_out") or 0) for r in records)
    seconds = [float(r.get("seconds") or 0.0) for r in records]
    cost_known = all(c is not None for c in costs)
    total_cost = float(sum(costs)) if cost_known else None
    per_solved = (lambda x: x / len(solved_records)) if solved_records else (lambda x: None)
    return {
        "tasks": len(tasks),
        "samples": len(records),
        "solved_tasks": n_solved_tasks,
        "solved_samples": len(solved_records),
        "failed_samples": sum(1 for r in records if r.get("status") == "failed"),
        "error_samples": sum(1 for r in records if r.get("status") == "error"),
        "success_rate": n_solved_tasks / len(tasks) if tasks else 0.0,
        "pass@1": _mean([pass_at_k(t["n"], t["c"], 1) for t in tasks.values()]),
        f"pass@{k}": _mean([pass_at_k(t["n"], t["c"], k) for t in tasks.values()]),
        "mean_attempts_to_success": _mean([float(r.get("attempts") or 0) for r in solved_records], None),
        "median_seconds": statistics.median(seconds) if seconds else None,
        "total_seconds": round(sum(seconds), 3),
        "tokens_in": tokens_in,
        "tokens_out": tokens_out,
        "tokens_per_solved": per_solved(tokens_in + tokens_out),
        "cost_usd": total_cost if cost_known else UNKNOWN,
        "usd_per_solved": (per_solved(total_cost) if cost_known else UNKNOWN),
    }


def _mean(xs: list[float], empty: float | None = 0.0) -> float | None:
    return sum(xs) / len(xs) if xs else empty


def summarize(records: list[dict], samples: int = 1, wall_s: float | None = None, run: dict | None = None) -> dict:
    """The content of ``summary.json``."""
    by_kind: dict[str, list[dict]] = defaultdict(list)
    for r in records:
        by_kind[r.get("kind", "?")].append(r)
    order = [k for k in KINDS if k in by_kind] + sorted(k for k in by_kind if k not in KINDS)
    k = max(1, samples)
    return {
        "model": (run or {}).get("model"),
        "k": k,
        "wall_seconds": wall_s,
        "overall": _group(records, samples),
        "by_kind": {kind: _group(by_kind[kind], samples) for kind in order},
    }


def attempts_curve(records: list[dict], max_attempts: int | None = None) -> tuple[list[int], dict[str, list[float]]]:
    """Per kind: fraction of task samples solved within ≤ a attempts, for a = 1..max."""
    solved = [int(r.get("attempts") or 0) for r in records if r.get("status") == "solved"]
    top = max_attempts or max([1, *solved])
    budgets = list(range(1, top + 1))
    by_kind: dict[str, list[dict]] = defaultdict(list)
    for r in records:
        by_kind[r.get("kind", "?")].append(r)
    curves = {}
    for kind, rs in by_kind.items():
        atts = [max(1, int(r.get("attempts") or 0)) for r in rs if r.get("status") == "solved"]
        curves[kind] = [sum(1 for x in atts if x <= a) / len(rs) for a in budgets]
    return budgets, curves
