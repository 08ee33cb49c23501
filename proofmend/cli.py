"""Command-line interface: repair, check, audit, eval, serve, nn.

Exit codes everywhere: 0 success, 1 work left undone, 2 usage or input error
(one line on stderr, no traceback).
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from .provers.errors import InputError
from .provers.errors import ProverNotInstalledError
from .provers.limits import Limits

app = typer.Typer(
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
        except (InputError, ProverNotInstalledError) as e:
            raise fail(str(e)) from None
        except KeyboardInterrupt:
            typer.echo("interrupted", err=True)
            raise typer.Exit(130) from None

    return wrapper


# ------------------------------------------------------------------ check

@app.command()
@guarded
def check(
    file: Annotated[Path, typer.Argument(help="The .v file to check. Its _CoqProject (in its folder or a parent) supplies -R/-Q/-I/-arg flags.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print {ok, diagnostics, holes} as JSON instead of text.")] = False,
    timeout: Annotated[float, typer.Option(help="Give up on coqc after this many seconds.")] = 300.0,
    memory_mb: Annotated[int, typer.Option(help="Address-space limit for coqc, in MiB (0 for none).")] = 8192,
) -> None:
    """Batch-check FILE with coqc: every error and warning, and every Admitted/admit hole.

    Exit 0 when the file compiles and has no holes, 1 otherwise.
    """
    from .provers.coq.batch import check_file

    if file.suffix != ".v":
        raise InputError(f"not a Coq file (expected .v): {file}")
    result = check_file(file, Limits(timeout_s=timeout, memory_mb=memory_mb))
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
    allow_axiom: Annotated[Optional[list[str]], typer.Option("--allow-axiom", help="Accept only these axioms (repeatable). Without it, any axiom already declared is accepted, but never an Admitted lemma.")] = None,
    timeout: Annotated[float, typer.Option(help="Time limit for the fresh compile, in seconds.")] = 300.0,
    memory_mb: Annotated[int, typer.Option(help="Address-space limit for coqc, in MiB (0 for none).")] = 8192,
) -> None:
    """The acceptance check on its own: exit 0 accepted, 1 rejected (reason codes printed), 2 bad input.

    Rules: statement and everything outside proof bodies unchanged; bodies are
    tactics only and end in Qed; a fresh compile succeeds; Print Assumptions
    shows no admitted lemma and no disallowed axiom.
    """
    from .provers.coq.audit import AxiomPolicy
    from .provers.coq.audit import audit as run_audit
    from .provers.coq.batch import Builder, read_source
    from .provers.coq.project import project_for

    for p in (candidate, against):
        if p.suffix != ".v":
            raise InputError(f"not a Coq file (expected .v): {p}")
    cand_text = read_source(candidate)
    orig_text = read_source(against)
    project = project_for(against)
    limits = Limits(timeout_s=timeout, memory_mb=memory_mb)
    Builder(project, limits).ensure_dependencies(against)
    policy = AxiomPolicy(frozenset(allow_axiom) if allow_axiom else None, admitted_in_project(project, against))
    verdict = run_audit(cand_text, orig_text, project, against.name, limits, policy)
    if as_json:
        typer.echo(json.dumps(verdict.to_json(), indent=2))
    else:
        for f in verdict.findings:
            typer.echo(str(f))
        for thm, axs in verdict.assumptions.items():
            typer.echo(f"assumptions of {thm}: {', '.join(axs) if axs else 'none'}")
        typer.echo("accepted" if verdict.accepted else "rejected")
    raise typer.Exit(0 if verdict.accepted else 1)


def admitted_in_project(project, exclude: Path | None = None) -> frozenset[str]:
    """Names of lemmas that are Admitted anywhere in the project's files."""
    from .provers.coq.locator import parse_document
    from .provers.coq.sentences import SplitError

    names: set[str] = set()
    for f in project.files:
        try:
            doc = parse_document(f.read_bytes().decode("utf-8"))
        except (OSError, UnicodeDecodeError, SplitError):
            continue
        for p in doc.proofs:
            if p.hole_kind and p.name:
                names.add(p.name)
                logical = project.logical_name(f)
                if logical:
                    names.add(f"{logical}.{p.qualname or p.name}")
    return frozenset(names)


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
