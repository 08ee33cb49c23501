"""Command-line interface: repair, check, audit, eval, serve, nn.

Exit codes everywhere: 0 success, 1 work left undone, 2 usage or input error
(one line on stderr, no traceback).
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Annotated, Optional

import typer

from .agent.config import ConfigError
from .provers.errors import InputError
from .provers.errors import ProverNotInstalledError
from .provers.limits import Limits

app = typer.Typer(
    # plain help: the rich one shows flags as taking a value ("--write <bool>")
    rich_markup_mode=None,
    name="proofmend",
    help="Mend broken and missing proofs in Coq projects: a model or a tactic search drafts, Coq checks, errors feed the next draft.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        from . import __version__

        typer.echo(f"proofmend {__version__}")
        raise typer.Exit(0)


@app.callback()
def _main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")] = False,
) -> None:
    """Mend broken and missing proofs in Coq projects."""


def fail(message: str, code: int = 2) -> "typer.Exit":
    typer.echo(f"proofmend: error: {message}", err=True)
    return typer.Exit(code)


def guarded(fn):
    """Turn bad input and missing tools into one line on stderr and exit 2."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (InputError, ProverNotInstalledError, ConfigError) as e:
            raise fail(str(e)) from None
        except KeyboardInterrupt:
            typer.echo("interrupted", err=True)
            raise typer.Exit(130) from None

    return wrapper


# ------------------------------------------------------------------ check

@app.command()
@guarded
def check(
    file: Annotated[Path, typer.Argument(help="The .v file to check (its _CoqProject, in its folder or a parent, supplies -R/-Q/-I/-arg flags), or a .lean file (checked with lean, or lake env lean inside a Lake project).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print {ok, diagnostics, holes} as JSON instead of text.")] = False,
    timeout: Annotated[float, typer.Option(help="Give up on coqc after this many seconds.")] = 300.0,
    memory_mb: Annotated[int, typer.Option(help="Address-space limit for coqc, in MiB (0 for none).")] = 8192,
) -> None:
    """Batch-check FILE with coqc: every error and warning, and every Admitted/admit hole.

    Exit 0 when the file compiles and has no holes, 1 otherwise.
    """
    from .cli_inputs import positive, source_file
    from .provers.coq.check import check_file

    source_file(file, ".lean" if file.suffix == ".lean" else ".v")
    positive("--timeout", timeout)
    limits = Limits(timeout_s=timeout, memory_mb=memory_mb)
    if file.suffix == ".lean":
        from .provers.lean.batch import check_lean_file

        result = check_lean_file(file, limits)
    else:
        result = check_file(file, limits)
    if as_json:
        typer.echo(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
    else:
        for d in result.diagnostics:
            loc = f"{file}:{d.line}:{d.col}" if d.line else str(file)
            typer.echo(f"{loc}: {d.severity}: {d.message}")
        for h in result.holes:
            typer.echo(f"{file}:{h.line}: hole ({h.kind}): {h.theorem}")
        status = "ok" if result.ok else ("compiles, with holes" if result.compiled else "does not compile")
        typer.echo(f"{file}: {status} ({len(result.errors)} error(s), {len(result.holes)} hole(s), {result.seconds:.2f} s)")
    raise typer.Exit(0 if result.ok else 1)


# ------------------------------------------------------------------ audit

@app.command()
@guarded
def audit(
    candidate: Annotated[Path, typer.Argument(help="The changed .v file to judge.")],
    against: Annotated[Path, typer.Option("--against", help="The original .v file the candidate must agree with outside proof bodies.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the verdict as JSON.")] = False,
    allow_axiom: Annotated[Optional[list[str]], typer.Option("--allow-axiom", help="Accept only these axioms (repeatable), as Coq resolves the names after loading the file (fully qualified, e.g. Coq.Logic.Classical_Prop.classic; never matched by suffix), plus the standard library's reals axioms where the file loads Coq.Reals. Without it, any declared Axiom/Parameter is accepted, but never an admitted constant.")] = None,
    timeout: Annotated[float, typer.Option(help="Time limit for the fresh compile, in seconds.")] = 300.0,
    memory_mb: Annotated[int, typer.Option(help="Address-space limit for coqc, in MiB (0 for none).")] = 8192,
    coqchk: Annotated[bool, typer.Option("--coqchk", help="Also re-check the compiled candidate with coqchk, Coq's separate kernel checker.")] = False,
) -> None:
    """The acceptance check on its own: exit 0 accepted, 1 rejected (reason codes printed), 2 bad input.

    Rules: only the target proofs' bodies differ (holes, or proofs failing in
    the original); bodies are tactics only and end in Qed; fresh compiles of
    the candidate and of the original (targets admitted) succeed; Print
    Assumptions of every constant the targets define shows no admitted
    constant, no unsafe entry and no disallowed axiom; every global name and
    later statement elaborates as in the original.
    """
    from .provers.coq.audit import AxiomPolicy, admitted_names
    from .provers.coq.audit import audit as run_audit
    from .provers.coq.batch import read_source
    from .provers.coq.workspace import Workspace
    from .provers.coq.project import project_for

    from .cli_inputs import at_least, positive, source_file
    from .provers.coq.batch import parse_source

    suffix = ".lean" if against.suffix == ".lean" else ".v"
    for p in (candidate, against):
        source_file(p, suffix)
    positive("--timeout", timeout)
    at_least("--memory-mb", memory_mb, 0)
    if suffix == ".lean":
        raise typer.Exit(_audit_lean(candidate, against, as_json, allow_axiom, Limits(timeout_s=timeout, memory_mb=memory_mb)))
    cand_text = read_source(candidate)
    orig_text = read_source(against)
    parse_source(against, orig_text)  # an original that does not parse is bad input
    project = project_for(against)
    limits = Limits(timeout_s=timeout, memory_mb=memory_mb)
    policy = AxiomPolicy(frozenset(allow_axiom) if allow_axiom else None, admitted_names(project))
    # Dependencies from the user's build where up to date, the rest compiled privately: nothing written here.
    with Workspace(project, against.resolve() if project.project_file is None else None, limits) as ws:
        failure = ws.ensure_dependencies(ws.path(against))
        if failure is not None:
            raise InputError(ws.describe(failure))
        verdict = run_audit(cand_text, orig_text, ws.project, against.name, limits, policy, coqchk=coqchk)
    if as_json:
        typer.echo(json.dumps(verdict.to_json(), indent=2))
    else:
        for f in verdict.findings:
            typer.echo(str(f))
        for thm, axs in verdict.assumptions.items():
            typer.echo(f"assumptions of {thm}: {', '.join(axs) if axs else 'none'}")
        typer.echo("accepted" if verdict.accepted else "rejected")
    raise typer.Exit(0 if verdict.accepted else 1)


def _audit_lean(candidate: Path, against: Path, as_json: bool, allow_axiom, limits: Limits) -> int:
    """``audit`` of a Lean file: Lean's own account (see ``provers.lean.audit``)."""
    from .agent.loop.lean_repair import read_lean
    from .provers.lean.audit import audit as lean_audit

    cand_text, _ = read_lean(candidate)
    orig_text, _ = read_lean(against)
    verdict = lean_audit(cand_text, orig_text, against.resolve(), limits, frozenset(allow_axiom or ()))
    if as_json:
        typer.echo(json.dumps(verdict.to_json(), indent=2, ensure_ascii=False))
    else:
        for f in verdict.findings:
            typer.echo(str(f))
        for thm, axs in verdict.assumptions.items():
            typer.echo(f"axioms of {thm}: {', '.join(axs) if axs else 'none'}")
        typer.echo("accepted" if verdict.accepted else "rejected")
    return 0 if verdict.accepted else 1


# ------------------------------------------------------------------ repair

class RichProgress:
    """Draws the agent's progress on stderr (one bar over all holes)."""

    def __init__(self, enabled: bool):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.console = Console(stderr=True)
        self.enabled = enabled and self.console.is_terminal
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), console=self.console, transient=True, disable=not self.enabled)
        self.task = self.bar.add_task("mending", total=0)

    def __enter__(self):
        self.bar.__enter__()
        return self

    def __exit__(self, *exc):
        self.bar.__exit__(*exc)

    def file_started(self, file: str, holes: int) -> None:
        self.bar.update(self.task, total=(self.bar.tasks[0].total or 0) + holes)

    def hole_started(self, file: str, theorem: str) -> None:
        self.bar.update(self.task, description=f"{file}: {theorem}")

    def hole_done(self, result) -> None:
        self.bar.advance(self.task)
        mark = {"fixed": "[green]fixed[/]", "unsolved": "[red]unsolved[/]", "skipped": "[yellow]skipped[/]",
                "conditional": "[cyan]conditional[/]"}[result.status]
        if self.enabled:
            self.bar.console.print(f"{mark} {result.file}:{result.line} {result.theorem} ({result.elapsed_s:.1f} s)")

    def file_built(self, done: int, total: int, file: str) -> None:
        self.bar.update(self.task, description=f"building dependencies {done}/{total}: {os.path.basename(file)}")


def parse_strategy(text: str | None) -> tuple[str, ...] | None:
    """``--strategy a,b,c`` as proposer names; an unknown name is bad input naming the options."""
    if text is None:
        return None
    from .agent.proposers.portfolio import PROPOSERS

    names = tuple(n.strip() for n in text.split(",") if n.strip())
    unknown = [n for n in names if n not in PROPOSERS]
    if unknown or not names:
        raise InputError(f"--strategy: unknown proposer {', '.join(unknown) or '(none given)'}; "
                         f"choose from {', '.join(PROPOSERS)}")
    return names


def make_agent_model(config):
    """The model object the configuration names (None for the built-in search); exits 2 on a bad model."""
    if config.offline:
        return None
    from .agent.models import ModelConfigError, check_model, make_model

    try:
        m = make_model(config.model, config.model_settings())
        check_model(m)
    except ModelConfigError as e:
        raise InputError(str(e)) from None
    return m


def repair_command(
    path: Annotated[Path, typer.Argument(help="A .v file (its _CoqProject or dune project is looked for in its folder, then its parents) or a project directory (_CoqProject with or without a file list, or dune-project).")],
    model: Annotated[Optional[str], typer.Option("--model", "-m", help="'search' (built-in tactic search, offline; the default), 'replay:FILE.jsonl' (recorded replies), or a litellm model string such as openai/gpt-4o-mini.")] = None,
    attempts: Annotated[Optional[int], typer.Option(help="Candidate proofs asked of the model per hole (default 8).")] = None,
    timeout: Annotated[Optional[float], typer.Option(help="Seconds of work on one hole, loading the file not included (default 60).")] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Files mended in parallel (independent files only), and dependencies compiled at once.")] = 1,
    write: Annotated[bool, typer.Option("--write", help="Write the mended proof bodies into the files (atomically, only after the audit). Without it, print a diff and touch nothing.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print {holes, summary} as JSON instead of a diff and a table.")] = False,
    theorem: Annotated[Optional[str], typer.Option("--theorem", "-t", help="Work only on the proof of this theorem.")] = None,
    trace: Annotated[Optional[Path], typer.Option("--trace", help="Append every model call and every check to this JSONL file.")] = None,
    samples: Annotated[Optional[int], typer.Option(help="Model replies asked per round (default 1).")] = None,
    api_base: Annotated[Optional[str], typer.Option("--api-base", help="Base URL of an OpenAI-compatible server (vLLM, llama.cpp, ...).")] = None,
    temperature: Annotated[Optional[float], typer.Option(help="Model sampling temperature (default 0.2).")] = None,
    max_tokens: Annotated[Optional[int], typer.Option(help="Most tokens per model reply (default 1024).")] = None,
    max_cost: Annotated[Optional[float], typer.Option("--max-cost", help="Most dollars spent on one hole.")] = None,
    search_time: Annotated[Optional[float], typer.Option(help="Seconds one tactic search may take (default 20).")] = None,
    search_first: Annotated[Optional[float], typer.Option(help="With a model: seconds of tactic search tried before the model is asked (0: ask the model straight away; default 5).")] = None,
    strategy: Annotated[Optional[str], typer.Option("--strategy", help="Proposers tried in turn on each hole, comma-separated: stale (mend the old proof), search (tactic search), llm (whole-proof drafts from the model), llm-search (the model proposing next tactics inside the search). Default: stale,search offline, stale,search,llm-search,llm with a model.")] = None,
    load_timeout: Annotated[Optional[float], typer.Option("--load-timeout", help="Seconds loading each file (finding its failing proofs) may take in all, apart from the holes' time (default 300).")] = None,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Compile every dependency afresh (privately) instead of loading the project's up-to-date compiled files.")] = False,
    independent: Annotated[bool, typer.Option("--independent", help="With a model: fresh drafts each round instead of feeding errors back.")] = False,
    since: Annotated[Optional[str], typer.Option("--since", metavar="REV", help="Only the .v files changed since this git revision (working tree against it, untracked files too) and the files that require them; says for each proof whether it was already broken at REV, and mends each broken proof with what changed since REV (without --since, in a git project: since the last commit where its file or what it requires differed).")] = None,
    output_format: Annotated[str, typer.Option("--format", help="text (a diff and a table; the default), json (as --json) or github (GitHub Actions workflow annotations).")] = "text",
    junit: Annotated[Optional[Path], typer.Option("--junit", help="Also write a JUnit XML report to this file: one test case per proof, a failure for each one left unmended.")] = None,
    allow_admitted: Annotated[bool, typer.Option("--allow-admitted", help="Report a proof that rests only on other holes of the project as conditional, naming them (written with --write only under this flag; never a fix on its own).")] = False,
) -> None:
    """Find every failing proof and every Admitted/admit hole under PATH and mend what can be mended.

    Exit 0 when every hole was fixed, 1 when some are left, 2 on bad input.
    """
    from .agent.config import load_config
    from .agent.loop.repair import mend_path, write_back
    from .agent.trajectory import Trace

    from . import cli_inputs as check_input

    if path.suffix == ".lean":
        check_input.source_file(path, ".lean")
    else:
        check_input.source_path(path)
    if attempts is not None:
        check_input.at_least("--attempts", attempts, 1)
    if timeout is not None:
        check_input.positive("--timeout", timeout)
    check_input.at_least("--jobs", jobs, 1)
    if samples is not None:
        check_input.at_least("--samples", samples, 1)
    if trace is not None:
        check_input.output_file("--trace", trace)
    if junit is not None:
        check_input.output_file("--junit", junit)
    if write:
        check_input.writable_sources(path)
    config = load_config(path, {
        "model": model, "api_base": api_base, "attempts": attempts, "samples": samples, "timeout_s": timeout,
        "temperature": temperature, "max_tokens": max_tokens, "max_cost_usd": max_cost,
        "search": {"time_s": search_time}, "search_first_s": search_first,
        "repair_rounds": False if independent else None, "use_user_build": False if rebuild else None,
        "load_timeout_s": load_timeout,
        "strategy": parse_strategy(strategy), "allow_admitted": allow_admitted or None,
    })
    from .agent.loop.repair import resolve_targets

    if output_format not in ("text", "json", "github"):
        raise InputError(f"--format must be text, json or github, not {output_format!r}")
    as_json = as_json or output_format == "json"
    if path.suffix == ".lean":
        if since is not None:
            raise InputError("--since works on Coq projects, not on a .lean file")
        raise typer.Exit(_repair_lean(path, config, theorem, trace, write, as_json, output_format, junit))
    scope = None
    if since is not None:
        from .agent.revisions.since import changed_scope

        scope = changed_scope(path, since)  # no git, not a repository, an unknown revision: exit 2
    project, visit = resolve_targets(scope.target if scope else path, theorem)  # bad input (a broken _CoqProject, a file that does not parse) before any work
    if write:
        for f in visit:
            if not project.owns(f):
                raise InputError(f"--write: {f} is {f.resolve()}, outside the project {project.root}: "
                                 "it is only read, never written")
    agent_model = make_agent_model(config)
    if agent_model is None and not as_json:
        typer.echo("proofmend: no model configured: using the built-in tactic search (offline)" if model is None
                   else "proofmend: using the built-in tactic search (offline)", err=True)
    with Trace(trace) as tr, RichProgress(not as_json) as progress:
        report = mend_path(scope.target if scope else path, config, model=agent_model, theorem=theorem, jobs=jobs,
                           trace=tr, progress=progress, since=since, **({"files": list(scope.files)} if scope else {}))
    since_report = None
    if scope is not None:
        from .agent.revisions.since import status_at_rev

        since_report = status_at_rev(scope, report, config.limits())
    written = []
    unwritten = []
    if write:
        for f in report.files:
            try:
                if f.fixes and write_back(f):
                    written.append(f.path)
            except OSError as e:  # the file is left as it was
                unwritten.append(f.path)
                typer.echo(f"proofmend: error: cannot write {f.path}: {e.strerror or e}; the file is unchanged", err=True)
    if junit is not None:
        from .ci import junit_xml, write_junit

        write_junit(junit, junit_xml(report, since_report, written))
    if as_json:
        typer.echo(json.dumps((since_report or report).to_json(), indent=2, ensure_ascii=False))
    elif output_format == "github":
        from .ci import print_github

        print_github(report, since_report, write, written)
    else:
        _print_repair(report, write, written, since_report)
    raise typer.Exit(0 if report.complete and not unwritten else 1)


def _repair_lean(path: Path, config, theorem, trace, write: bool, as_json: bool, output_format: str, junit) -> int:
    """``repair FILE.lean``: the same loop and proposers, through Lean's language server; the exit code."""
    from .agent.loop.lean_repair import mend_lean_path, read_lean
    from .agent.loop.repair import write_back
    from .agent.trajectory import Trace

    from .provers.lean.toolchain import Toolchain

    _, doc = read_lean(path)  # bad input before any work
    if theorem is not None and doc.decl_named(theorem) is None:
        raise InputError(f"no declaration named {theorem!r} in {path}")
    Toolchain.for_file(path)  # no lean: exit 2 before any work
    agent_model = make_agent_model(config)
    if agent_model is None and not as_json:
        typer.echo("proofmend: using the built-in tactic search (offline)", err=True)
    with Trace(trace) as tr, RichProgress(not as_json) as progress:
        report = mend_lean_path(path, config, model=agent_model, theorem=theorem, trace=tr, progress=progress)
    written = []
    if write:
        for f in report.files:
            try:
                if f.fixes and write_back(f):
                    written.append(f.path)
            except OSError as e:
                typer.echo(f"proofmend: error: cannot write {f.path}: {e.strerror or e}; the file is unchanged", err=True)
                return 1
    if junit is not None:
        from .ci import junit_xml, write_junit

        write_junit(junit, junit_xml(report, None, written))
    if as_json:
        typer.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    elif output_format == "github":
        from .ci import print_github

        print_github(report, None, write, written)
    else:
        _print_repair(report, write, written)
    return 0 if report.complete else 1


def _print_repair(report, write: bool, written: list, since=None) -> None:
    import difflib

    from rich.console import Console
    from rich.table import Table

    console = Console()
    if not write:
        for f in report.files:
            if f.changed:
                name = os.path.relpath(f.path) if str(f.path).startswith(os.getcwd()) else str(f.path)
                diff = difflib.unified_diff(f.original_text.splitlines(True), f.new_text.splitlines(True),
                                            fromfile=f"a/{name}", tofile=f"b/{name}")
                typer.echo("".join(diff), nl=False)
    holes = report.holes
    if since is not None:
        from .ci import since_summary

        typer.echo(since_summary(since))
    for f in report.errors:
        typer.echo(f"proofmend: cannot load {f.error}", err=True)
    if not holes:
        if not report.errors:
            typer.echo("no failing proofs and no holes found")
        return
    table = Table(title="proofmend repair")
    for col in ("file", "line", "theorem", "status", "attempts", "seconds", "note") + ((f"at {since.scope.rev}",) if since else ()):
        table.add_column(col)
    for f, h in [(f, h) for f in report.files for h in f.holes]:
        style = {"fixed": "green", "unsolved": "red", "skipped": "yellow", "conditional": "cyan"}[h.status]
        note = "" if h.status == "fixed" else (h.error or h.exit)[:80]
        at_rev = (since.status(f.path, h.theorem) or "?",) if since else ()
        table.add_row(h.file, str(h.line), h.theorem, f"[{style}]{h.status}[/]", str(h.attempts), f"{h.elapsed_s:.1f}", note, *at_rev)
    console.print(table)
    fixed = sum(h.status == "fixed" for h in holes)
    tail = f"; wrote {len(written)} file(s)" if write else ("; run again with --write to apply" if fixed else "")
    typer.echo(f"{fixed}/{len(holes)} fixed in {report.seconds:.1f} s{tail}")


app.command("repair")(guarded(repair_command))
repair_app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None)
repair_app.command()(guarded(repair_command))


@app.command()
@guarded
def equiv(
    path: Annotated[Path, typer.Argument(help="The project folder (or a folder or .v file inside it) whose changed definitions to compare.")] = Path("."),
    since: Annotated[str, typer.Option("--since", metavar="REV", help="The git revision to compare with (the working tree against it).")] = "HEAD",
    model: Annotated[Optional[str], typer.Option("--model", "-m", help="'search' (built-in tactic search, offline; the default), 'replay:FILE.jsonl', or a litellm model string.")] = None,
    attempts: Annotated[int, typer.Option(help="Candidate proofs asked of the model per function.")] = 8,
    timeout: Annotated[float, typer.Option(help="Seconds of work on one function's lemma.")] = 60.0,
    write: Annotated[Optional[Path], typer.Option("--write", metavar="FILE", help="Append the proved lemmas (with the old definitions they mention) to this .v file, after the audit.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print {functions, summary} as JSON.")] = False,
    output_format: Annotated[str, typer.Option("--format", help="text (the default), json (as --json) or github (workflow annotations).")] = "text",
    trace: Annotated[Optional[Path], typer.Option("--trace", help="Append every model call and every check to this JSONL file.")] = None,
    api_base: Annotated[Optional[str], typer.Option("--api-base", help="Base URL of an OpenAI-compatible server.")] = None,
    temperature: Annotated[Optional[float], typer.Option(help="Model sampling temperature (default 0.2).")] = None,
    max_tokens: Annotated[Optional[int], typer.Option(help="Most tokens per model reply (default 1024).")] = None,
    search_time: Annotated[float, typer.Option(help="Seconds one tactic search may take.")] = 20.0,
) -> None:
    """For each Definition/Fixpoint changed since REV, prove the old and the new version equal.

    Each is reported proved (with the proof), unproved, or not comparable (type
    changed, or the old version cannot be brought in as it was). Exit 0 when
    every changed function was proved equal, 1 otherwise, 2 on bad input.
    """
    from .agent.config import load_config
    from .agent.revisions.equiv import equiv_since
    from .agent.trajectory import Trace
    from .ci import print_equiv

    if output_format not in ("text", "json", "github"):
        raise InputError(f"--format must be text, json or github, not {output_format!r}")
    as_json = as_json or output_format == "json"
    config = load_config(path, {"model": model, "api_base": api_base, "attempts": attempts, "timeout_s": timeout,
                                "temperature": temperature, "max_tokens": max_tokens,
                                "search": {"time_s": search_time}})
    agent_model = make_agent_model(config)
    with Trace(trace) as tr:
        report = equiv_since(path, since, config, model=agent_model, trace=tr, write=write)
    if as_json:
        typer.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        print_equiv(report, github=output_format == "github")
    raise typer.Exit(0 if report.complete else 1)


@app.command()
@guarded
def changes(
    path: Annotated[Path, typer.Argument(help="The project folder (or a folder or .v file inside it) whose changed files to compare.")] = Path("."),
    since: Annotated[str, typer.Option("--since", metavar="REV", help="The git revision to compare with (the working tree against it).")] = "HEAD",
    as_json: Annotated[bool, typer.Option("--json", help="Print the change map as JSON.")] = False,
) -> None:
    """What changed between REV and the working tree, by Coq's answers in both versions.

    Renamed, removed (with the closest new lemmas) and restated lemmas,
    constructors and fields, changed definitions, notations and section
    variables. Exit 0 when both versions of every changed file could be
    compared, 1 otherwise, 2 on bad input.
    """
    from .agent.revisions.changereport import changes_since

    report = changes_since(path, since)
    if as_json:
        typer.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        lines = report.map.lines(limit=10**6)
        for line in lines:
            typer.echo(line)
        if not lines:
            typer.echo(f"no change to the names of the changed files since {since}")
        for p in report.problems:
            typer.echo(f"proofmend: {p}", err=True)
    raise typer.Exit(1 if report.problems else 0)


from .evals.cli import app as eval_app  # noqa: E402  (subcommands are defined beside their code)

app.add_typer(eval_app, name="eval")

from .nn_proofs.cli import app as nn_app  # noqa: E402

app.add_typer(nn_app, name="nn", help="Compact proofs of max-of-K transformer accuracy: train, bound, pareto, export-task.")


@app.command()
@guarded
def serve(
    model: Annotated[Optional[str], typer.Option("--model", "-m", help="Model for the 'Mend proof' action when the client sends none: 'search' (the default), 'replay:FILE.jsonl' or a litellm model string.")] = None,
) -> None:
    """Serve the Language Server Protocol on stdin/stdout: a "Mend proof" code action, hole and coqc diagnostics."""
    from .editor.server import serve as serve_lsp

    serve_lsp(default_model=model)


@app.command("mcp")
@guarded
def mcp_command(
    project: Annotated[Path, typer.Argument(help="The project folder the tools may read (and, for mend with write, write); default: the current folder.")] = Path("."),
    model: Annotated[Optional[str], typer.Option("--model", "-m", help="Model for the mend tool: 'search' (the default), 'replay:FILE.jsonl' or a litellm model string.")] = None,
    http: Annotated[Optional[int], typer.Option("--http", metavar="PORT", help="Serve the protocol's HTTP transport on 127.0.0.1:PORT (0: a free port, printed on stderr) instead of stdio.")] = None,
    timeout: Annotated[float, typer.Option(help="Seconds any call but mend may take (mend is bounded by its budget).")] = 300.0,
) -> None:
    """Serve the Model Context Protocol for coding agents: check, outline, goals, try, search, mend, audit."""
    from .cli_inputs import positive
    from .agent.config import load_config
    from .mcp.server import serve as serve_mcp

    if not project.is_dir():
        raise InputError(f"not a folder: {project}")
    positive("--timeout", timeout)
    if http is not None and not 0 <= http <= 65535:
        raise InputError(f"--http must be a port number (0 to 65535), not {http}")
    config = load_config(project, {"model": model})
    make_agent_model(config)  # a model that cannot be used is exit 2 now, not an error on every mend
    serve_mcp(project, config, http, timeout,
              announce=lambda url: typer.echo(f"proofmend mcp: listening on {url}", err=True))


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
