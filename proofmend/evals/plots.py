"""The plots of a run (``success.png``) and of two runs (``eval compare --plot``).

What proof-search users read: tasks solved against time, a cactus plot (how
many tasks are solved within t seconds, one line per kind, log time axis); and
where a model was used, tasks solved against model calls and against tokens.
A count is of task samples solved divided by the samples per task, so with
one sample it is the number of tasks solved.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

SCALES = {
    "seconds": ("time (s, per task sample)", "log"),
    "calls": ("model calls (candidate proofs asked)", "linear"),
    "tokens": ("tokens (in + out)", "log"),
}


def _cost(record: dict, axis: str) -> float:
    if axis == "seconds":
        return max(float(record.get("seconds") or 0.0), 1e-3)
    if axis == "calls":
        return float(record.get("attempts") or 0)
    return max(1.0, float(int(record.get("tokens_in") or 0) + int(record.get("tokens_out") or 0)))  # log axis


def samples_per_task(records: list[dict]) -> int:
    counts: dict[str, int] = defaultdict(int)
    for r in records:
        counts[r["id"]] += 1
    return max(counts.values(), default=1)


def solved_curve(records: list[dict], axis: str = "seconds", k: int | None = None) -> tuple[list[float], list[float]]:
    """(x, y): y[i] task samples solved within cost x[i] (sorted), divided by ``k`` samples per task."""
    k = k or samples_per_task(records)
    costs = sorted(_cost(r, axis) for r in records if r.get("status") == "solved")
    return costs, [(i + 1) / k for i in range(len(costs))]


def used_model(records: list[dict]) -> bool:
    """Whether any sample asked a model (tokens spent); tactic search and reference runs do not."""
    return any(int(r.get("tokens_in") or 0) + int(r.get("tokens_out") or 0) > 0 for r in records)


def _axes_for(records_sets: list[list[dict]]) -> list[str]:
    return ["seconds", "calls", "tokens"] if any(used_model(rs) for rs in records_sets) else ["seconds"]


def _draw(ax, xs: list[float], ys: list[float], label: str, x_end: float, **style) -> None:
    """A cactus line: 0 before the first solve, then a step per solve, flat to ``x_end``."""
    if not xs:
        ax.plot([], [], label=f"{label} (none solved)", **style)
        return
    ax.step([xs[0], *xs, max(x_end, xs[-1])], [0, *ys, ys[-1]], where="post", label=label, **style)


def _x_end(records: list[dict], axis: str) -> float:
    return max((_cost(r, axis) for r in records), default=1.0)


TITLES = {"seconds": "time", "calls": "model calls", "tokens": "tokens"}


def _frame(ax, axis: str, total: float) -> None:
    from matplotlib.ticker import FuncFormatter

    label, scale = SCALES[axis]
    ax.set_xscale(scale)
    if scale == "log":
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    else:
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(f"solved against {TITLES[axis]}")
    ax.set_xlabel(label)
    ax.set_ylabel("tasks solved")
    ax.set_ylim(0, max(1.0, total) * 1.05)
    ax.grid(alpha=0.3, which="both")


def _figure(n: int):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, n, figsize=(5.2 * n, 4), dpi=100, squeeze=False)
    return plt, fig, axes[0]


def plot_run(records: list[dict], path: Path, title: str = "") -> None:
    """Tasks solved against time, per kind (plus calls and tokens where a model was used)."""
    k = samples_per_task(records)
    by_kind: dict[str, list[dict]] = defaultdict(list)
    for r in records:
        by_kind[r.get("kind", "?")].append(r)
    axes_names = _axes_for([records])
    plt, fig, axes = _figure(len(axes_names))
    for ax, axis in zip(axes, axes_names):
        end = _x_end(records, axis)
        for kind in sorted(by_kind):
            tasks = len({r["id"] for r in by_kind[kind]})
            _draw(ax, *solved_curve(by_kind[kind], axis, k), f"{kind} ({tasks} tasks)", end)
        if len(by_kind) > 1:
            _draw(ax, *solved_curve(records, axis, k), f"all ({len({r['id'] for r in records})} tasks)", end,
                  color="black", linestyle="--")
        _frame(ax, axis, len({r["id"] for r in records}))
    axes[0].legend(loc="upper left", fontsize="small")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def plot_compare(runs: list[tuple[str, list[dict]]], path: Path) -> None:
    """Each run's tasks solved against time (and calls, tokens where either used a model), on shared axes."""
    axes_names = _axes_for([rs for _, rs in runs])
    plt, fig, axes = _figure(len(axes_names))
    styles = [{"color": "tab:blue"}, {"color": "tab:orange", "linestyle": "--"}]
    total = max((len({r["id"] for r in rs}) for _, rs in runs), default=1)
    for ax, axis in zip(axes, axes_names):
        end = max(_x_end(rs, axis) for _, rs in runs)
        for (label, rs), style in zip(runs, styles * len(runs)):
            _draw(ax, *solved_curve(rs, axis), label, end, **style)
        _frame(ax, axis, total)
    axes[0].legend(loc="upper left", fontsize="small")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
