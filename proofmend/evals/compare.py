"""Two runs side by side: per kind and overall, with deltas (B − A)."""

from __future__ import annotations

import json
from pathlib import Path

from ..provers.errors import InputError
from .harness import RESULTS, RUN_INFO, read_results
from .metrics import UNKNOWN, summarize

METRICS = ("tasks", "solved_tasks", "success_rate", "pass@1", "pass@k", "median_seconds",
           "mean_attempts_to_success", "tokens_per_solved", "usd_per_solved")


def load_summary(run: Path) -> dict:
    """A run's summary.json, or one computed from its results.jsonl."""
    run = Path(run)
    if run.is_file() and run.suffix == ".json":
        path = run
    else:
        path = run / "summary.json"
    if path.is_file():
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as e:
            raise InputError(f"{path}: not valid JSON: {e.msg}") from None
    results = run / RESULTS
    if not results.is_file():
        raise InputError(f"{run}: no summary.json or {RESULTS} (is it an eval output directory?)")
    info_path = run / RUN_INFO
    info = json.loads(info_path.read_text(encoding="utf-8")) if info_path.is_file() else {}
    return summarize(read_results(results), samples=int(info.get("samples", 1)), run=info)


def load_records(run: Path) -> list[dict]:
    """A run's results (``run`` is its output directory or its summary.json)."""
    run = Path(run)
    folder = run.parent if run.is_file() else run
    results = folder / RESULTS
    if not results.is_file():
        raise InputError(f"{folder}: no {RESULTS} to plot (is it an eval output directory?)")
    return read_results(results)


def _row(group: dict | None, k: int) -> dict:
    if group is None:
        return {m: None for m in METRICS}
    return {m: group.get(f"pass@{k}" if m == "pass@k" else m) for m in METRICS}


def _delta(a, b):
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return b - a
    return None


def compare(a: dict, b: dict) -> dict:
    """``{"a": {model, k}, "b": {...}, "rows": [{"kind", "a": {...}, "b": {...}, "delta": {...}}]}``."""
    kinds = list(a.get("by_kind", {})) + [k for k in b.get("by_kind", {}) if k not in a.get("by_kind", {})]
    rows = []
    for kind in [*kinds, "overall"]:
        ga = a["overall"] if kind == "overall" else a.get("by_kind", {}).get(kind)
        gb = b["overall"] if kind == "overall" else b.get("by_kind", {}).get(kind)
        ra, rb = _row(ga, a.get("k", 1)), _row(gb, b.get("k", 1))
        rows.append({"kind": kind, "a": ra, "b": rb, "delta": {m: _delta(ra[m], rb[m]) for m in METRICS}})
    return {"a": {"model": a.get("model"), "k": a.get("k", 1)}, "b": {"model": b.get("model"), "k": b.get("k", 1)},
            "rows": rows}


def _fmt(metric: str, x) -> str:
    if x is None:
        return "–"
    if x == UNKNOWN:
        return UNKNOWN
    if metric in ("success_rate", "pass@1", "pass@k"):
        return f"{100 * x:.1f}%"
    if isinstance(x, int):
        return str(x)
    return f"{x:.2f}"


def _fmt_delta(metric: str, d) -> str:
    if d is None:
        return ""
    if metric in ("success_rate", "pass@1", "pass@k"):
        return f"{100 * d:+.1f} pt"
    if isinstance(d, int):
        return f"{d:+d}"
    return f"{d:+.2f}"


LABELS = {"tasks": "tasks", "solved_tasks": "solved", "success_rate": "success rate", "pass@1": "pass@1",
          "pass@k": "pass@k", "median_seconds": "median seconds", "mean_attempts_to_success": "mean attempts",
          "tokens_per_solved": "tokens / solved", "usd_per_solved": "$ / solved"}


def rich_table(result: dict, name_a: str, name_b: str):
    """The comparison as a rich Table: one row per kind and metric."""
    from rich.table import Table

    ka, kb = result["a"]["k"], result["b"]["k"]
    table = Table(title="eval compare")
    table.add_column("kind", no_wrap=True)
    table.add_column("metric", no_wrap=True)
    table.add_column(f"A: {name_a} ({result['a']['model']})", justify="right")
    table.add_column(f"B: {name_b} ({result['b']['model']})", justify="right")
    table.add_column("Δ (B − A)", justify="right", no_wrap=True)
    for row in result["rows"]:
        shown = [m for m in METRICS if m != "pass@k" or max(ka, kb) > 1]
        for j, m in enumerate(shown):
            label = LABELS[m] if m != "pass@k" else (f"pass@{ka}" if ka == kb else f"pass@{ka} / pass@{kb}")
            table.add_row(row["kind"] if j == 0 else "", label, _fmt(m, row["a"][m]), _fmt(m, row["b"][m]),
                          _fmt_delta(m, row["delta"][m]), end_section=j == len(shown) - 1)
    return table
