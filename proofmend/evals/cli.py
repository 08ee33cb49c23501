"""``proofmend eval``: run a corpus, validate it, compare runs, make equivalence tasks.

    proofmend eval CORPUS [--model M] [--samples K] [--workers W] [--out DIR] ...
    proofmend eval CORPUS --validate
    proofmend eval compare RUN_A RUN_B [--json]
    proofmend eval make-equivalence OLD.v NEW.v FUNCTION [--out DIR]

``proofmend eval CORPUS`` is the ``run`` subcommand: a first argument that is
not a subcommand name is taken as the corpus.  Exit codes: 0 done, 1 work left
undone (a bad task under --validate, a task sample that errored), 2 bad input.
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import click
import typer
from typer.core import TyperGroup

from ..provers.errors import InputError, ProverNotInstalledError


class DefaultToRun(TyperGroup):
    """A group whose first argument, when it is no subcommand, goes to ``run``."""

    default = "run"

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)  # definition order: run, compare, make-equivalence

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = [self.default, *args]
        return super().parse_args(ctx, _ray_address_optional(args))


def _ray_address_optional(args: list[str]) -> list[str]:
    """``--ray`` alone means a local Ray instance: give it the value ``local``."""
    out = list(args)
    for i, a in enumerate(out):
        if a == "--":
            break
        if a == "--ray":
            nxt = out[i + 1] if i + 1 < len(out) else None
            if nxt is None or not (nxt in ("auto", "local") or ":" in nxt):
                out.insert(i + 1, "local")
            break
    return out


app = typer.Typer(
    # plain help: the rich one shows flags as taking a value ("--write <bool>")
    rich_markup_mode=None,
    cls=DefaultToRun,
    name="eval",
    help="Score a proof agent on a task corpus.\n\n"
    "proofmend eval CORPUS ... runs the corpus (CORPUS: a directory with tasks.jsonl, a tasks.jsonl file, "
    "or 'builtin'); it is the run command, whose options `proofmend eval run --help` lists.",
    subcommand_metavar="CORPUS [OPTIONS] | compare A B | make-equivalence OLD NEW F",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _guarded(fn):
    """Bad input and missing tools: one line on stderr and exit 2; Ctrl-C: exit 130."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (InputError, ProverNotInstalledError) as e:
            typer.echo(f"proofmend: error: {e}", err=True)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            typer.echo("interrupted: the results written so far are kept; rerun the same command to resume", err=True)
            raise typer.Exit(130) from None

    return wrapper


class BarProgress:
    """A rich progress bar on stderr (silent when stderr is not a terminal)."""

    def __init__(self, label: str):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.console = Console(stderr=True)
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("solved {task.fields[solved]}"), TimeElapsedColumn(),
                            console=self.console, disable=not self.console.is_terminal, transient=False)
        self.label = label
        self.solved = 0
        self.task = None

    def start(self, total: int, done: int) -> None:
        self.bar.start()
        self.task = self.bar.add_task(self.label, total=total, completed=done, solved=0)

    def advance(self, record: dict) -> None:
        self.solved += record.get("status") == "solved"
        self.bar.update(self.task, advance=1, solved=self.solved, description=f"{self.label} {record.get('id', '')[:40]}")

    def finish(self) -> None:
        if self.task is not None:
            self.bar.update(self.task, description=self.label)
        self.bar.stop()


def _agent_available() -> bool:
    try:
        import proofmend.agent.loop.repair  # noqa: F401
    except ImportError:
        return False
    return True


@app.command("run")
@_guarded
def run_command(
    corpus: Annotated[str, typer.Argument(help="A directory holding tasks.jsonl, a tasks.jsonl file, or 'builtin' (the corpus shipped with proofmend).")],
    model: Annotated[Optional[str], typer.Option("--model", "-m", help="'search' (built-in tactic search, no LLM; the default), a litellm model string, 'replay:FILE.jsonl', or 'reference': a pipeline check that puts each task's known reference proof through the scorer — not an agent.")] = None,
    attempts: Annotated[Optional[int], typer.Option("--attempts", "-n", min=1, help="Candidate proofs asked of the model per task (agent default when omitted).")] = None,
    samples: Annotated[int, typer.Option("--samples", "-k", min=1, help="Independent runs per task; pass@k uses k = this.")] = 1,
    workers: Annotated[Optional[int], typer.Option("--workers", "-w", min=1, help="Tasks run in parallel, each in its own process (default 1; with --ray and no address: the CPUs of the local Ray instance, default all).")] = None,
    timeout: Annotated[Optional[float], typer.Option("--timeout", help="Wall-clock seconds of work on one task (agent default when omitted).")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory: results.jsonl, summary.json, report.md, success.png, traces/.")] = Path("eval-out"),
    validate: Annotated[bool, typer.Option("--validate", help="Check the corpus instead: every reference proof passes the audit and no task is already solved as given. Exit 1 naming each bad task.")] = False,
    fresh: Annotated[bool, typer.Option("--fresh", help="Discard earlier results in --out instead of resuming.")] = False,
    api_base: Annotated[Optional[str], typer.Option("--api-base", help="Base URL of an OpenAI-compatible server (vLLM, llama.cpp, ...).")] = None,
    task: Annotated[Optional[list[str]], typer.Option("--task", "-t", help="Run only this task id (repeatable).")] = None,
    kind: Annotated[Optional[list[str]], typer.Option("--kind", help="Run only tasks of this kind (repeatable): property, equivalence, repair, nn_bound.")] = None,
    tag: Annotated[Optional[list[str]], typer.Option("--tag", help="Run only tasks carrying this tag (repeatable), e.g. easy.")] = None,
    memory_mb: Annotated[Optional[int], typer.Option("--memory-mb", help="Address-space limit of each prover process, in MiB.")] = None,
    ray: Annotated[Optional[str], typer.Option("--ray", metavar="[ADDRESS]", help="Run the samples on a Ray cluster (needs proofmend[ray]): 'auto' (the cluster this machine joined with 'ray start'), ray://HOST:PORT, or nothing for a local instance. Same outputs as a local run.")] = None,
    model_concurrency: Annotated[Optional[int], typer.Option("--model-concurrency", min=1, help="Task samples in flight at once when that is more than the CPUs: a sample gives its prover slot back while it waits on a model call, so prover work stays within the CPUs.")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="With --validate: a task without a reference proof is an error (by default it is valid but unverified).")] = False,
) -> None:
    """Run a model over CORPUS and score it (the default command).

    Writes results.jsonl (one line per task and sample), summary.json (success rate, pass@1, pass@k, attempts, tokens, cost, time), report.md and success.png.

    A rerun with the same --out resumes: task/sample pairs already recorded are skipped.
    Exit 0 when every pair has a result, 1 when some errored (solver or prover broke), 2 on bad input.
    """
    from ..agent.config import ConfigError, load_config
    from .schema import load_corpus

    if not validate and out.exists() and not out.is_dir():
        raise InputError(f"--out {out} exists and is not a directory")
    loaded = load_corpus(corpus)
    if task or kind or tag:
        unknown = [t for t in (task or []) if t not in {x.id for x in loaded.tasks}]
        if unknown:
            raise InputError(f"no task with id {unknown[0]!r} in {loaded.source}")
        loaded = loaded.select(ids=task, kinds=kind, tags=tag)
    if not loaded.tasks:
        raise InputError(f"no tasks to run in {loaded.source}")
    overrides = {k: v for k, v in {"attempts": attempts, "timeout_s": timeout, "api_base": api_base,
                                   "memory_mb": memory_mb}.items() if v is not None}
    try:
        config = load_config(loaded.root, {"model": model, **overrides})
    except ConfigError as e:
        raise InputError(str(e)) from None
    if config.offline:
        typer.echo("model: search (built-in tactic search, no LLM; pass --model to use one)", err=True)

    if validate:
        _validate(loaded, workers or 1, config, strict)
        return

    from .harness import run_eval
    from .solvers import REFERENCE

    if model != REFERENCE and not _agent_available():
        raise InputError("the repair agent (proofmend.agent.loop.repair) is not available in this installation; "
                         "--model reference checks the pipeline without it")
    if ray is not None:
        from .ray_runner import RayExecutor

        with RayExecutor(ray, model_concurrency=model_concurrency, num_cpus=workers) as executor:
            run = run_eval(loaded, config, samples=samples, out_dir=out, fresh=fresh,
                           progress=BarProgress(f"eval {model} (ray)"), executor=executor)
    else:
        from .pool import LocalPool

        run = run_eval(loaded, config, samples=samples, out_dir=out, fresh=fresh, progress=BarProgress(f"eval {model}"),
                       executor=LocalPool(workers or 1, model_concurrency))
    _print_summary(run.summary)
    errors = run.summary["overall"]["error_samples"]
    typer.echo(f"{run.ran} run, {run.skipped} already done; results in {out}/ (report.md, summary.json)", err=True)
    raise typer.Exit(1 if errors else 0)


def _validate(corpus, workers: int, config, strict: bool = False) -> None:
    from ..provers.limits import Limits
    from .validate import validate_corpus

    bar = BarProgress("validate")
    bar.start(len(corpus.tasks), 0)
    try:
        problems = validate_corpus(corpus, workers=workers,
                                   limits=config.limits(),
                                   on_done=lambda tid, probs: bar.advance({"id": tid, "status": "solved" if not probs else "bad"}))
    finally:
        bar.finish()
    for p in problems:
        typer.echo(str(p))
    bad = {p.task_id for p in problems if strict or not p.unverified}
    unverified = {p.task_id for p in problems if p.unverified} - bad
    note = [f"{len(unverified)} unverified (no reference proof)"] if unverified else []
    note += [f"{len(bad)} bad"] if bad else []
    typer.echo(f"{len(corpus.tasks) - len(bad)} of {len(corpus.tasks)} tasks valid" + "".join(f", {n}" for n in note), err=True)
    raise typer.Exit(1 if bad else 0)


def _print_summary(summary: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    k = summary.get("k", 1)
    cols = ["kind", "tasks", "solved", "rate", "pass@1"] + ([f"pass@{k}"] if k > 1 else []) + ["median s", "attempts", "errors"]
    table = Table(title=f"eval: {summary.get('model')}")
    for col in cols:
        table.add_column(col, justify="left" if col == "kind" else "right", no_wrap=True)

    def pct(x):
        return "–" if x is None else f"{100 * x:.1f}%"

    rows = list(summary["by_kind"].items()) + [("all", summary["overall"])]
    for i, (name, g) in enumerate(rows):
        cells = [name, str(g["tasks"]), str(g["solved_tasks"]), pct(g["success_rate"]), pct(g["pass@1"])]
        if k > 1:
            cells.append(pct(g[f"pass@{k}"]))
        cells += ["–" if g["median_seconds"] is None else f"{g['median_seconds']:.1f}",
                  "–" if g["mean_attempts_to_success"] is None else f"{g['mean_attempts_to_success']:.1f}",
                  str(g["error_samples"])]
        table.add_row(*cells, end_section=i == len(rows) - 2)
    Console().print(table)


@app.command("compare")
@_guarded
def compare_command(
    run_a: Annotated[Path, typer.Argument(help="First eval output directory (or its summary.json).")],
    run_b: Annotated[Path, typer.Argument(help="Second eval output directory (or its summary.json).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the comparison as JSON instead of a table.")] = False,
    plot: Annotated[Optional[Path], typer.Option("--plot", help="Also draw both runs on one plot (tasks solved against time, and against model calls and tokens where a model was used) into this PNG file.")] = None,
) -> None:
    """Two runs side by side, per kind and overall, with deltas (B − A)."""
    from .compare import compare, load_records, load_summary, rich_table

    result = compare(load_summary(run_a), load_summary(run_b))
    if plot is not None:
        from .plots import plot_compare

        if not plot.parent.is_dir():
            raise InputError(f"cannot write the plot: no folder {plot.parent}")
        runs = [(f"A: {run_a} ({result['a']['model']})", load_records(run_a)),
                (f"B: {run_b} ({result['b']['model']})", load_records(run_b))]
        plot_compare(runs, plot)
        typer.echo(f"plot written to {plot}", err=True)
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    from rich.console import Console

    Console().print(rich_table(result, str(run_a), str(run_b)))


@app.command("make-equivalence")
@_guarded
def make_equivalence_command(
    old: Annotated[Path, typer.Argument(help="The .v file with the old version of FUNCTION.")],
    new: Annotated[Path, typer.Argument(help="The .v file with the new version of FUNCTION.")],
    function: Annotated[str, typer.Argument(help="The Definition or Fixpoint both files define (explicit binders only).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Corpus directory to write FUNCTION_equiv.v and its tasks.jsonl line into.")] = Path("."),
    coq_flag: Annotated[Optional[list[str]], typer.Option("--coq-flag", help="Extra coqc flag for the task (repeatable).")] = None,
) -> None:
    """Write an equivalence task from two versions of a definition.

    The file holds the old FUNCTION renamed FUNCTION_old (with the old
    dependencies that differ), the new FUNCTION, and

        Theorem FUNCTION_equiv : forall (x1 : T1) ..., FUNCTION_old x1 ... = FUNCTION x1 ....

    ending in Admitted, plus its line in OUT/tasks.jsonl. The file is compiled first.
    """
    from .equivalence import make_equivalence

    result = make_equivalence(old, new, function, out, coq_flags=coq_flag)
    typer.echo(f"wrote {out / result.task.file} and its line in {out / 'tasks.jsonl'} (task {result.task.id}, no reference proof yet)")


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
