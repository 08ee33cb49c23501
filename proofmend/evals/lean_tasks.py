"""Lean tasks (``prover: "lean"``): a proof put into a task's file, judged by the Lean audit, and validated.

A reference proof or a reply is the text after ``:=``: ``by`` and tactics, or
a term; tactics without ``by`` get one.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..provers.errors import InputError, ProverError
from ..provers.lean.audit import Verdict, audit, failing_decls
from ..provers.lean.batch import SORRY_WARNING, check_text
from ..provers.lean.locator import parse_lean
from ..provers.lean.toolchain import Toolchain
from ..provers.limits import Limits
from .schema import Task

def as_lean_body(proof: str, indent: str = "  ") -> str:
    """``proof`` (tactics, with or without a leading ``by``) as the text after ``:=``: `` by`` and indented lines."""
    text = proof.strip()
    if re.match(r"by\b", text):
        text = text[2:]
        first, _, rest = text.partition("\n")
        text = first.strip() + ("\n" + _dedent(rest) if rest.strip() else "") if first.strip() else _dedent(rest)
    lines = _dedent(text).split("\n")
    return " by\n" + "\n".join(indent + ln if ln.strip() else "" for ln in lines)


def _dedent(text: str) -> str:
    lines = text.strip("\n").split("\n")
    base = min((len(ln) - len(ln.lstrip()) for ln in lines if ln.strip()), default=0)
    return "\n".join(ln[base:] for ln in lines)


def with_lean_proof(text: str, theorem: str, proof: str, where: str = "<task>") -> str:
    """``text`` with the target's body (after ``:=``) replaced by ``proof``."""
    doc = parse_lean(text, where)
    for i, d in enumerate(doc.decls):
        if theorem in (d.name, d.qualname) and d.body_start is not None:
            return doc.with_bodies({i: as_lean_body(proof, " " * d.indent + "  ")})
    raise InputError(f"{where}: no declaration named {theorem!r} with a ':=' body")


def lean_target_is_done(text: str, theorem: str) -> bool:
    """Whether the target exists in ``text`` and holds no ``sorry`` (syntactically)."""
    try:
        d = parse_lean(text).decl_named(theorem)
    except InputError:
        return False
    return d is not None and d.body_start is not None and not d.hole


def judge_lean(candidate: str, original: str, task: Task, task_file: Path, limits: Limits,
               allowed_axioms: frozenset[str] = frozenset()) -> Verdict:
    """The Lean audit of ``candidate`` against the task's file as given: the task's theorem must be proven."""
    return audit(candidate, original, task_file, limits, allowed_axioms, targets=(task.theorem,))


def lean_task_problems(task: Task, task_file: Path, limits: Limits) -> tuple[list[str], bool]:
    """(problems, unverified) of one Lean task: the reference proof passes the audit, the target is open as given."""
    try:
        original = task_file.read_bytes().decode("utf-8")
        doc = parse_lean(original, str(task_file))
    except (OSError, UnicodeDecodeError, InputError) as e:
        return [f"cannot read {task_file}: {e}"], False
    target = doc.decl_named(task.theorem)
    if target is None or target.body_start is None:
        return [f"no theorem named {task.theorem!r} with a ':=' body in {task.file}"], False
    problems: list[str] = []
    unverified = not (task.reference_proof or "").strip()
    if not unverified:
        try:
            candidate = with_lean_proof(original, task.theorem, task.reference_proof or "", str(task_file))
            verdict = judge_lean(candidate, original, task, task_file, limits)
            if not verdict.accepted:
                problems.append("reference proof rejected by the audit: "
                                + "; ".join(str(f) for f in verdict.findings))
        except (InputError, ProverError) as e:
            problems.append(f"reference proof cannot be checked: {e}")
    if not target.hole:
        diags, rc, _, _ = check_text(original, Toolchain.for_file(task_file), limits, task_file.name)
        i = doc.decls.index(target)
        sorry_inside = any(SORRY_WARNING in d.message and doc.decl_at_line(d.line) is target for d in diags)
        if rc is not None and i not in failing_decls(doc, diags) and not sorry_inside:
            problems.append(f"the file as given already checks: {task.theorem} is proven")
    return problems, unverified
