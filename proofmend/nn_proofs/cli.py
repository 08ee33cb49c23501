"""``proofmend nn``: train max-of-K models, bound their accuracy, plot the frontier, export Coq tasks."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

app = typer.Typer(help="Compact proofs of max-of-K transformer accuracy.", no_args_is_help=True, rich_markup_mode=None)
console = Console()

#: Largest input space enumerated after training (above it the accuracy is sampled).
EXACT_LIMIT = 20_000_000


def _fail(message: str) -> NoReturn:
    """One line on stderr, exit 2."""
    print(f"error: {message}", file=sys.stderr)
    raise typer.Exit(2)


def _threads() -> None:
    import torch

    torch.set_num_threads(max(1, min(2, torch.get_num_threads())))


def _load(path: Path):
    from .model import load_model

    try:
        return load_model(path)
    except (FileNotFoundError, ValueError) as exc:
        _fail(str(exc))


@app.command()
def train(
    k: int = typer.Option(4, "--k", help="sequence length K (n_ctx)"),
    vocab: int = typer.Option(64, "--vocab", help="vocabulary size"),
    d_model: int = typer.Option(32, "--d-model", help="model width (= head width)"),
    steps: int = typer.Option(3000, "--steps", help="AdamW steps of batch 128"),
    seed: int = typer.Option(0, "--seed"),
    out: Path = typer.Option(Path("max_of_k.safetensors"), "--out", help="where to write the weights"),
) -> None:
    """Train the max-of-K model and report its true accuracy."""
    from . import brute
    from .model import ModelConfig, save_model
    from .paths import path_tables
    from .train import TrainConfig
    from .train import train as run_train

    if k < 1 or vocab < 2 or d_model < 1 or steps < 0:
        _fail("need --k >= 1, --vocab >= 2, --d-model >= 1, --steps >= 0")
    import torch

    torch.set_num_threads(1)  # tiny matrices: one thread is faster
    config = ModelConfig(k=k, vocab=vocab, d_model=d_model, d_head=d_model)
    with Progress(
        TextColumn("[bold]training"), BarColumn(), MofNCompleteColumn(), TextColumn("loss {task.fields[loss]}"),
        TimeElapsedColumn(), console=console, transient=False,
    ) as progress:
        task = progress.add_task("train", total=steps, loss="-")

        def on_step(step: int, loss: float) -> None:
            if step % 25 == 0 or step == steps - 1:
                progress.update(task, completed=step + 1, loss=f"{loss:.4f}")

        result = run_train(config, TrainConfig(steps=steps, seed=seed), on_step=on_step)
    _threads()
    weights = result.model.weights()
    tables = path_tables(weights)
    if vocab**k <= EXACT_LIMIT:
        with Progress(TextColumn("[bold]accuracy"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console) as progress:
            task = progress.add_task("brute", total=vocab**k)
            res = brute.count_correct(tables, progress=lambda n: progress.advance(task, n))
        acc, how = res.accuracy, f"exact, {res.correct}/{res.total} inputs"
    else:
        acc, how = brute.sample_accuracy(tables, 1_000_000, seed=seed), "sampled, 1e6 inputs"
    save_model(weights, out, extra={"steps": steps, "seed": seed, "final_loss": result.final_loss, "accuracy": acc})
    console.print(f"true accuracy: {acc:.6f} ({how}); final loss {result.final_loss:.5f}; saved {out}")


@app.command()
def bound(
    model: Path = typer.Argument(..., help="a .safetensors file written by `train`"),
    strategy: str = typer.Option("cubic", "--strategy", "-s", help="brute, cubic, cubic-ordered, subcubic, subcubic-cheap, subcubic-norm"),
    as_json: bool = typer.Option(False, "--json", help="print {strategy, bound, cost, seconds}"),
) -> None:
    """Certified lower bound on the model's accuracy by one proof strategy."""
    from .strategies import STRATEGIES, run_strategy

    if strategy not in STRATEGIES:
        _fail(f"unknown strategy {strategy!r}; valid strategies: {', '.join(STRATEGIES)}")
    weights = _load(model)
    _threads()
    result = run_strategy(strategy, weights)
    if as_json:
        print(json.dumps(result.to_json()))
        return
    console.print(
        f"{result.strategy}: accuracy >= {result.bound:.6f} ({result.proven}/{result.total} inputs proven) "
        f"cost {result.cost.formula}, {result.cost.ops:,} ops, {result.seconds:.3f} s"
    )


@app.command()
def pareto(
    seeds: int = typer.Option(3, "--seeds", help="number of seeds (0, 1, ...)"),
    steps: int = typer.Option(3000, "--steps"),
    k: int = typer.Option(4, "--k"),
    vocab: int = typer.Option(64, "--vocab"),
    d_model: int = typer.Option(32, "--d-model"),
    out_dir: Path = typer.Option(Path("nn_pareto"), "--out-dir", help="where pareto.csv and pareto.png go"),
) -> None:
    """Train several seeds, run every strategy, write a CSV and a bound-against-cost plot."""
    from . import pareto as pareto_mod
    from .model import ModelConfig

    if seeds < 1 or steps < 0:
        _fail("need --seeds >= 1 and --steps >= 0")
    import torch

    torch.set_num_threads(1)
    config = ModelConfig(k=k, vocab=vocab, d_model=d_model, d_head=d_model)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console) as progress:
        task = progress.add_task("pareto", total=seeds)
        done: set[int] = set()

        def on_event(msg: str) -> None:
            progress.update(task, description=msg)
            seed = int(msg.split(":")[0].split()[1])
            if msg.endswith("training") and seed > 0:
                done.add(seed - 1)
                progress.update(task, completed=len(done))

        rows = pareto_mod.measure(range(seeds), config, steps, on_event=on_event)
        progress.update(task, completed=seeds, description="pareto")
    pareto_mod.write_csv(rows, out_dir / "pareto.csv")
    pareto_mod.plot(rows, out_dir / "pareto.png")
    table = Table("seed", "strategy", "bound", "accuracy", "ops", "seconds")
    for r in rows:
        table.add_row(str(r.seed), r.strategy, f"{r.bound:.4f}", f"{r.accuracy:.4f}", f"{r.ops:,}", f"{r.seconds:.3f}")
    console.print(table)
    console.print(f"wrote {out_dir / 'pareto.csv'} and {out_dir / 'pareto.png'}")


@app.command("export-task")
def export_task(
    model: Path = typer.Option(None, "--model", help="trained tiny model; default: train one (v=6, K=3)"),
    out: Path = typer.Option(None, "--out", help="corpus directory to write nn_bound/ into (default: the built-in corpus)"),
    seed: int = typer.Option(0, "--seed"),
    steps: int = typer.Option(2000, "--steps", help="training steps when no --model is given"),
) -> None:
    """Export tiny integer-weight networks as Coq `nn_bound` tasks (files plus tasks.jsonl)."""
    from . import export

    weights = _load(model) if model is not None else None
    import torch

    torch.set_num_threads(1)
    try:
        written = export.export_tasks(out_root=out, weights=weights, seed=seed, steps=steps)
    except ValueError as exc:
        _fail(str(exc))
    console.print(f"wrote {len(written)} nn_bound tasks to {written[0].parent if written else out}")


@app.command("export-coq")
def export_coq(
    model: Path = typer.Argument(..., help="a .safetensors file written by `train`"),
    strategy: str = typer.Option("brute", "--strategy", "-s", help="proof checked in Coq: brute (every input), cubic (case split) or subcubic (rank-1 attention, O(v^2) tables); the last two proven once for all weights"),
    out: Path = typer.Option(Path("nn_coq"), "--out", help="directory for the Coq development"),
    as_json: bool = typer.Option(False, "--json", help="print {files, theorem, bound}"),
) -> None:
    """Write a Coq development whose main theorem is a lower bound on the model's accuracy."""
    from . import coq_export

    weights = _load(model)
    try:
        result = coq_export.export(weights, out, strategy=strategy)
    except ValueError as exc:
        _fail(str(exc))
    if as_json:
        print(json.dumps({"files": [str(f) for f in result.files], "theorem": result.theorem, "bound": result.bound}))
        return
    console.print(f"wrote {len(result.files)} Coq files to {out}; {result.theorem}: accuracy >= {result.proven}/{result.total}")


if __name__ == "__main__":
    app()
