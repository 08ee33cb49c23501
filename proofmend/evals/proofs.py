"""Putting a proof into a task's file and judging it with the acceptance audit."""

from __future__ import annotations

import re
from pathlib import Path

from ..provers.coq.audit import AxiomPolicy, Verdict, audit
from ..provers.coq.locator import CoqDocument, parse_document
from ..provers.coq.project import CoqProject
from ..provers.coq.sentences import SplitError
from ..provers.errors import InputError
from ..provers.limits import Limits
from .schema import Task

_OPENS = re.compile(r"^\s*Proof\b")
_CLOSES = re.compile(r"\b(Qed|Defined)\s*\.\s*$")


def as_full_proof(proof: str, opener: str = "Proof.") -> str:
    """``proof`` with ``opener`` in front and ``Qed.`` at the end where it omits them (or opens with a bare ``Proof.``).

    ``opener``: the original's (``Proof using …`` is part of the statement).
    """
    body = proof.strip()
    bare = re.match(r"^\s*Proof\s*\.(?=\s|$)", body)
    if bare and opener.strip() != "Proof.":
        body = body[bare.end():].lstrip()
    if not _OPENS.match(body):
        body = opener.strip() + "\n" + body
    if not _CLOSES.search(body):
        body = body + "\nQed."
    return body


def task_project(task: Task, task_file: Path) -> CoqProject:
    """The project a task file is compiled in: its own folder, plus the task's flags."""
    return CoqProject(root=task_file.resolve().parent, args=tuple(task.coq_flags))


def parse(text: str, where: str) -> CoqDocument:
    try:
        return parse_document(text)
    except SplitError as e:
        line = text.count("\n", 0, e.offset) + 1
        raise InputError(f"{where}:{line}: cannot parse: {e}") from None


def with_proof(text: str, theorem: str, proof: str, where: str = "<task>") -> str:
    """``text`` with the target's body (statement end through terminator) replaced by ``proof``."""
    doc = parse(text, where)
    item = doc.proof_named(theorem)
    if item is None:
        raise InputError(f"{where}: no theorem named {theorem!r}")
    opener = text[item.opener.start : item.opener.end].strip() if item.opener is not None else "Proof."
    return text[: item.body_start] + "\n" + as_full_proof(proof, opener) + text[item.body_end :]


def judge(candidate: str, original: str, task: Task, task_file: Path, limits: Limits,
          policy: AxiomPolicy = AxiomPolicy(), coqchk: bool = False) -> Verdict:
    """The audit of ``candidate`` (the whole new file) against the task's file as given: the task's theorem must be proven."""
    return audit(candidate, original, task_project(task, task_file), task_file.name, limits, policy,
                 targets=(task.theorem,), coqchk=coqchk)


def target_is_done(text: str, theorem: str) -> bool:
    """Whether the target theorem exists in ``text`` and is not a hole (syntactically)."""
    try:
        item = parse_document(text).proof_named(theorem)
    except SplitError:
        return False
    return item is not None and not item.is_hole
