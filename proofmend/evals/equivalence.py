"""Equivalence tasks for a corpus from two versions of a definition.

``eval make-equivalence OLD.v NEW.v F`` writes one file holding both versions
of ``F`` (the old one renamed ``F_old``, see :mod:`proofmend.agent.revisions.equivalence`)
and ``Theorem F_equiv : ... F_old ... = F ...`` ending in ``Admitted.``, and
its line in ``tasks.jsonl``.  The file is compiled before it is written.
"""

from __future__ import annotations

import json
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..agent.revisions.equivalence import IDENT, build, coq_type, first_error, parse_binders  # noqa: F401  (parse_binders: part of this module's API)
from ..provers.coq.batch import compile_text, read_source
from ..provers.coq.project import CoqProject
from ..provers.errors import InputError
from ..provers.limits import Limits
from .schema import TASKS_FILE, Task, parse_tasks


@dataclass(frozen=True)
class EquivalenceTask:
    text: str  # the generated .v file
    task: Task  # its tasks.jsonl entry (file relative to the output directory)


def make_equivalence(old: Path, new: Path, function: str, out_dir: Path, limits: Limits = Limits(timeout_s=120.0),
                     coq_flags: list[str] | None = None) -> EquivalenceTask:
    """Write ``<out_dir>/<function>_equiv.v`` and its line in ``<out_dir>/tasks.jsonl``."""
    if not re.fullmatch(IDENT, function):
        raise InputError(f"not a Coq identifier: {function!r}")
    old_text, new_text = read_source(old), read_source(new)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    project = CoqProject(root=out_dir.resolve(), args=tuple(coq_flags or ()))
    text, theorem = build(old_text, new_text, function, str(old), str(new), check_type=coq_type(project, limits))
    file_name = f"{function}_equiv.v"
    with tempfile.TemporaryDirectory(prefix="proofmend-equiv-") as tmp:
        rc, out, _, src = compile_text(project, text, file_name, limits, workdir=Path(tmp))
    if rc is None:
        raise InputError(f"the generated file did not compile within {limits.timeout_s:g} s")
    if rc != 0:
        raise InputError(f"the generated file does not compile: {first_error(out, text, src)}")
    task = Task(id=f"equivalence/{function}_equiv", kind="equivalence", prover="coq", file=file_name,
                theorem=theorem, reference_proof=None, coq_flags=list(coq_flags or []),
                tags=["generated", "equivalence"])
    (out_dir / file_name).write_text(text, encoding="utf-8")
    _upsert(out_dir / TASKS_FILE, task)
    return EquivalenceTask(text, task)


def _upsert(tasks_file: Path, task: Task) -> None:
    """Add ``task`` to ``tasks_file``, replacing a line with the same id."""
    lines = tasks_file.read_text(encoding="utf-8").splitlines() if tasks_file.exists() else []
    parse_tasks("\n".join(lines), tasks_file)
    kept = [ln for ln in lines if ln.strip() and json.loads(ln).get("id") != task.id]
    tasks_file.write_text("".join(ln + "\n" for ln in [*kept, task.to_line()]), encoding="utf-8")
