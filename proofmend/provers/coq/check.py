"""``proofmend check``: batch-check one file with its project's flags, on top of the user's build.

Dependencies come from the user's build where it is up to date; missing or
stale ones are compiled in a private workspace (never in the user's tree), and
the file itself is compiled there too.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from ..limits import Limits
from .batch import CheckResult, Diagnostic, holes_of, parse_diagnostics, parse_source, read_source, run_coqc
from .project import CoqProject, project_for
from .workspace import Workspace


def check_file(path: Path, limits: Limits = Limits(), project: CoqProject | None = None) -> CheckResult:
    """Batch-check ``path`` with the project's flags; nothing is written next to the source."""
    path = Path(path)
    text = read_source(path)
    project = project or project_for(path)
    doc = parse_source(path, text)
    single = path.resolve() if project.project_file is None else None
    with Workspace(project, single, limits) as ws:
        target = ws.path(path)
        target.write_bytes(text.encode("utf-8"))
        dep_problems: list[Diagnostic] = []
        failure = ws.ensure_dependencies(target)
        if failure is not None:
            dep_problems.append(Diagnostic("error", ws.describe(failure, path.resolve().parent),
                                           0, 0, 0, 0, str(ws.user_path(failure.file))))
        rc, out, secs = run_coqc(ws.project, target, limits, output=ws.tmp / (path.stem + ".vo"))
        diags = [replace(d, file=str(path.resolve())) if d.file and os.path.basename(d.file) == target.name else d
                 for d in parse_diagnostics(out, text, str(target))]
    if rc is None:
        diags.append(Diagnostic("error", f"coqc timed out after {limits.timeout_s:g} s", 0, 0, 0, 0))
    elif rc != 0 and not any(d.severity == "error" for d in diags):
        tail = out.strip().splitlines()[-1:] or [f"coqc exited with code {rc}"]
        diags.append(Diagnostic("error", tail[0], 0, 0, 0, 0))
    diags = dep_problems + diags
    return CheckResult(
        compiled=rc == 0 and not dep_problems,
        diagnostics=tuple(diags),
        holes=tuple(holes_of(doc)),
        stdout=out,
        seconds=secs,
        timed_out=rc is None,
    )
