"""The Python API behind the editor hooks: mend the proof at a position, list holes, check.

Positions follow the language server protocol's shape: 0-based line and
0-based column, with columns counted in characters (code points) of the text.
Hole lines are 1-based, as in ``proofmend check --json``.

Nothing here writes the user's file.  When the editor's unsaved buffer is
given, it is mended in a private copy of the file's project (or of the file
alone when there is no ``_CoqProject``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from ..agent.config import AgentConfig, load_config
from ..agent.loop.repair import mend_path
from ..provers.coq.workspace import IGNORED
from ..agent.trajectory import Trace
from ..provers.coq.batch import CheckResult, holes_of, parse_source, read_source
from ..provers.coq.check import check_file
from ..provers.coq.locator import CoqDocument, ProofItem
from ..provers.coq.project import project_for
from ..provers.limits import Limits

__all__ = ["HoleAt", "MendResult", "check", "holes", "mend_proof_at", "proof_at", "position_of", "offset_of"]


@dataclass(frozen=True)
class MendResult:
    """What mending one proof gave, as an edit an editor can apply.

    ``replace_start``/``replace_end`` span exactly the proof body: from the end
    of the statement to the end of its terminator (``Qed.``, ``Admitted.``, ...).
    ``new_text_for_range`` is the mended body (None unless ``status == "fixed"``).
    """

    theorem: str
    status: str  # "fixed" | "unsolved" | "skipped"
    proof: str | None
    replace_start: tuple[int, int]  # (0-based line, 0-based character)
    replace_end: tuple[int, int]
    new_text_for_range: str | None
    elapsed_s: float
    error: str | None = None
    exit: str = ""  # the agent's named exit (proved, timeout, ...)

    def apply(self, text: str) -> str:
        """``text`` with the edit applied (unchanged when nothing was fixed)."""
        if self.new_text_for_range is None:
            return text
        a = offset_of(text, *self.replace_start)
        b = offset_of(text, *self.replace_end)
        return text[:a] + self.new_text_for_range + text[b:]


class HoleAt(NamedTuple):
    theorem: str
    line: int  # 1-based line of the statement
    kind: str  # "admitted" | "admit"


# ------------------------------------------------------------------ positions

def offset_of(text: str, line: int, character: int) -> int:
    """The character offset of a 0-based (line, character) position; clamped to the text."""
    pos = 0
    for _ in range(max(0, line)):
        nl = text.find("\n", pos)
        if nl < 0:
            return len(text)
        pos = nl + 1
    end = text.find("\n", pos)
    end = len(text) if end < 0 else end
    return min(pos + max(0, character), end)


def position_of(text: str, offset: int) -> tuple[int, int]:
    """The 0-based (line, character) of a character offset."""
    line = text.count("\n", 0, offset)
    start = text.rfind("\n", 0, offset) + 1
    return line, offset - start


def proof_at(doc: CoqDocument, offset: int) -> tuple[int, ProofItem] | None:
    """The proof whose statement or body holds ``offset`` (the end of its terminator included)."""
    for i, p in enumerate(doc.proofs):
        if p.statement.start <= offset <= p.body_end:
            return i, p
    return None


def theorem_label(doc: CoqDocument, p: ProofItem) -> str:
    return p.qualname or p.name or f"{p.keyword} at line {doc.line_of(p.statement.start)}"


# ------------------------------------------------------------------ the API

def holes(path_or_text: Path | str) -> list[HoleAt]:
    """Every ``Admitted``/``admit`` hole, found by reading the text (nothing is compiled).

    A ``Path`` (or a one-line string naming an existing ``.v`` file) is read;
    any other string is taken as the text itself.
    """
    if isinstance(path_or_text, Path) or (
        "\n" not in path_or_text and path_or_text.endswith(".v") and os.path.isfile(path_or_text)
    ):
        path = Path(path_or_text)
        doc = parse_source(path, read_source(path))
    else:
        doc = parse_source(Path("<text>"), path_or_text)
    return [HoleAt(h.theorem, h.line, h.kind) for h in holes_of(doc)]


def check(path: Path, limits: Limits | None = None) -> CheckResult:
    """Batch-check a saved file with its project's flags (as ``proofmend check``)."""
    return check_file(Path(path), limits or Limits())


def default_config(path: Path | None = None) -> AgentConfig:
    """The configuration for mending in ``path``'s project (its file, ``PROOFMEND_MODEL``, the defaults)."""
    return load_config(path)


def mend_proof_at(path: Path, line: int, character: int, text: str | None = None,
                  config: AgentConfig | None = None, model=None, trace: Trace | None = None) -> MendResult | None:
    """Mend the proof at a 0-based position of ``path`` (or of ``text``, its unsaved buffer).

    Returns None when no proof holds the position.  Only that theorem is worked
    on; the returned edit replaces exactly its body.  Raises ``InputError`` on a
    file that cannot be read or split into sentences, ``ModelConfigError`` on a
    model that cannot be used.
    """
    path = Path(path).absolute()
    config = config or default_config(Path(path))
    if text is None:
        text = read_source(path)
    doc = parse_source(path, text)
    found = proof_at(doc, offset_of(text, line, character))
    if found is None:
        return None
    index, p = found
    label = theorem_label(doc, p)
    start, end = position_of(text, p.body_start), position_of(text, p.body_end)

    def result(status: str, exit: str, seconds: float, error: str | None = None,
               proof: str | None = None, body: str | None = None) -> MendResult:
        return MendResult(label, status, proof, start, end, body, seconds, error, exit)

    if not (p.qualname or p.name):
        return result("skipped", "unnamed", 0.0, error="an unnamed proof (Goal, obligation) cannot be singled out")
    if model is None:
        model = config.make_model()
    t0 = time.monotonic()
    with _private_copy(path, text) as target:
        report = mend_path(target, config, model=model, theorem=p.qualname or p.name, trace=trace)
    seconds = time.monotonic() - t0
    file_report = report.files[0]
    if file_report.error:
        return result("skipped", "input_error", seconds, error=file_report.error)
    hole = next((h for h in file_report.holes if h.theorem in (p.qualname, p.name)), None)
    if hole is None:
        return result("skipped", "nothing_to_mend", seconds, error="the proof checks: nothing to mend")
    body = file_report.fixes.get(index)
    if hole.status == "fixed" and body is not None:
        return result("fixed", hole.exit, seconds, proof=hole.proof, body=body)
    return result(hole.status if hole.status != "fixed" else "unsolved", hole.exit, seconds,
                  error=hole.error or hole.exit)


class _private_copy:
    """The path to mend: the user's file when ``text`` is what is saved, else a temp copy holding ``text``."""

    def __init__(self, path: Path, text: str):
        self.path = path
        self.text = text
        self.tmp: Path | None = None

    def __enter__(self) -> Path:
        try:
            if self.path.is_file() and read_source(self.path) == self.text:
                return self.path
        except Exception:
            pass
        self.tmp = Path(tempfile.mkdtemp(prefix="proofmend-buffer-"))
        project = project_for(self.path) if self.path.parent.is_dir() else None
        if project is not None and project.project_file is not None:
            root = self.tmp / "project"
            shutil.copytree(project.root, root, ignore=IGNORED, symlinks=True)
            target = root / self.path.resolve().relative_to(project.root.resolve())
        else:
            target = self.tmp / self.path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(self.text.encode("utf-8"))
        return target

    def __exit__(self, *exc) -> None:
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
