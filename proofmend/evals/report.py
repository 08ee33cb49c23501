"""``report.md`` (tables) and ``success.png`` (tasks solved against time, calls, tokens) of a run."""

from __future__ import annotations

from pathlib import Path

from .metrics import UNKNOWN
from .plots import plot_run, used_model

PLOT = "success.png"
REPORT = "report.md"


def _pct(x) -> str:
    return "–" if x is None else f"{100 * x:.1f}%"


def _num(x, fmt: str = "{:.2f}") -> str:
    if x is None:
        return "–"
    if x == UNKNOWN:
        return UNKNOWN
    return fmt.format(x)


def kind_table(summary: dict) -> str:
    k = summary.get("k", 1)
    pk = f" pass@{k} |" if k > 1 else ""
    head = f"| kind | tasks | solved | rate | pass@1 |{pk} median s | mean attempts |"
    rows = [head, "|" + "---|" * (8 if k > 1 else 7)]
    groups = list(summary["by_kind"].items()) + [("**all**", summary["overall"])]
    for kind, g in groups:
        rows.append(
            f"| {kind} | {g['tasks']} | {g['solved_tasks']} | {_pct(g['success_rate'])} | {_pct(g['pass@1'])} "
            + (f"| {_pct(g[f'pass@{k}'])} " if k > 1 else "")
            + f"| {_num(g['median_seconds'], '{:.1f}')} "
            f"| {_num(g['mean_attempts_to_success'], '{:.1f}')} |"
        )
    return "\n".join(rows)


def cost_table(summary: dict) -> str:
    rows = ["| kind | samples | errors | tokens in | tokens out | tokens / solved | $ total | $ / solved |",
            "|" + "---|" * 8]
    groups = list(summary["by_kind"].items()) + [("**all**", summary["overall"])]
    for kind, g in groups:
        rows.append(
            f"| {kind} | {g['samples']} | {g['error_samples']} | {g['tokens_in']} | {g['tokens_out']} "
            f"| {_num(g['tokens_per_solved'], '{:.0f}')} | {_num(g['cost_usd'], '{:.4f}')} "
            f"| {_num(g['usd_per_solved'], '{:.4f}')} |"
        )
    return "\n".join(rows)


def failures(records: list[dict], limit: int = 30) -> str:
    bad = [r for r in records if r.get("status") != "solved"]
    if not bad:
        return "None."
    lines = [f"- `{r['id']}` (sample {r['sample']}, {r['status']}): {(r.get('reason') or r.get('exit') or '?')[:160]}"
             for r in bad[:limit]]
    if len(bad) > limit:
        lines.append(f"- … and {len(bad) - limit} more (see results.jsonl)")
    return "\n".join(lines)


def write_report(out_dir: Path, summary: dict, records: list[dict]) -> Path:
    """Write ``report.md`` and ``success.png`` into ``out_dir``; return the report's path."""
    out_dir = Path(out_dir)
    plot_run(records, out_dir / PLOT, title=f"{summary.get('model')}")
    axes = "time, model calls and tokens" if used_model(records) else "time (no model calls were made)"
    o = summary["overall"]
    wall = summary.get("wall_seconds")
    text = f"""# Eval report

Model: `{summary.get('model')}` · tasks: {o['tasks']} · samples per task: {summary.get('k')} \
· solved: {o['solved_tasks']} ({_pct(o['success_rate'])}) · errors: {o['error_samples']} \
· wall time: {_num(wall, '{:.1f}')} s · solver time: {o['total_seconds']:.1f} s

## Success by kind

{kind_table(summary)}

## Tokens and cost

{cost_table(summary)}

## Tasks solved against {axes}

How many tasks are solved within a given time (a cactus plot: one line per
kind, log time axis){', and within a number of model calls and of tokens' if used_model(records) else ''}.

![tasks solved against {axes}]({PLOT})

## Unsolved

{failures(records)}
"""
    path = out_dir / REPORT
    path.write_text(text, encoding="utf-8")
    return path
