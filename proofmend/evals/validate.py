"""Corpus validation: every task is solvable (its reference proof passes the
audit) and unsolved as given (its target is a hole, or the file fails to compile).
A task without a reference proof is valid but unverified: it is reported as a
:class:`Problem` with ``unverified`` set, which is an error only under ``--strict``.

Reference proofs are audited under :data:`REFERENCE_POLICY`: no axiom at all,
except those of the standard library that the task's file has loaded
(:data:`~proofmend.provers.coq.audit.REALS_AXIOMS` for a statement over ``R``).
A task whose known proof needs an axiom of its own file is not a fair task."""

from __future__ import annotations

import multiprocessing
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from ..provers.coq.audit import AxiomPolicy
from ..provers.coq.batch import run_coqc
from ..provers.errors import InputError, ProverError
from ..provers.limits import Limits
from .proofs import judge, parse, task_project, with_proof
from .schema import Corpus, Task


#: How reference proofs are audited: nothing allowed beyond the inherited library axioms.
REFERENCE_POLICY = AxiomPolicy(allowed=frozenset())
#: Reference proofs are also re-checked by coqchk (Coq's separate kernel checker) where it is installed.
HAVE_COQCHK = shutil.which("coqchk") is not None


@dataclass(frozen=True)
class Problem:
    """Why one task is not a fair task."""

    task_id: str
    message: str
    unverified: bool = False  # not a fault: the task has no reference proof to check

    def __str__(self) -> str:
        return f"{self.task_id}: {'unverified: ' if self.unverified else ''}{self.message}"


def check_task(task: Task, task_file: Path, limits: Limits) -> list[Problem]:
    """All problems of one task (an empty list when it is a fair task)."""
    def problem(msg: str) -> Problem:
        return Problem(task.id, msg)

    if task.prover == "lean":
        from .lean_tasks import lean_task_problems

        found, unverified = lean_task_problems(task, task_file, limits)
        return [problem(m) for m in found] + ([Problem(task.id, "no reference proof", unverified=True)]
                                                if unverified else [])
    try:
        original = task_file.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        return [problem(f"cannot read {task_file}: {getattr(e, 'strerror', None) or e}")]
    try:
        target = parse(original, str(task_file)).proof_named(task.theorem)
    except InputError as e:
        return [problem(str(e))]
    if target is None:
        return [problem(f"no theorem named {task.theorem!r} in {task.file}")]

    problems: list[Problem] = []
    # (a) the reference proof passes the audit
    if not task.reference_proof or not task.reference_proof.strip():
        # valid (the format makes the reference optional: open problems have none), but unverified
        problems.append(Problem(task.id, "no reference proof", unverified=True))
    else:
        try:
            candidate = with_proof(original, task.theorem, task.reference_proof, str(task_file))
            verdict = judge(candidate, original, task, task_file, limits, REFERENCE_POLICY, coqchk=HAVE_COQCHK)
            if not verdict.accepted:
                why = "; ".join(str(f) for f in verdict.findings) or "rejected"
                problems.append(problem(f"reference proof rejected by the audit: {why}"))
        except (InputError, ProverError) as e:
            problems.append(problem(f"reference proof cannot be checked: {e}"))
    # (b) the file as given is not already a solved task
    if not target.is_hole:
        project = task_project(task, task_file)
        with tempfile.TemporaryDirectory(prefix="proofmend-validate-") as tmp:
            rc, _, _ = run_coqc(project, task_file.resolve(), limits, output=Path(tmp) / (task_file.stem + ".vo"))
        if rc == 0:
            problems.append(problem(f"the file as given already checks: {task.theorem} is proven and the file compiles"))
    return problems


def _check(args: tuple[Task, str, Limits]) -> tuple[str, list[Problem]]:
    task, path, limits = args
    try:
        return task.id, check_task(task, Path(path), limits)
    except Exception as e:  # one broken task must not hide the others
        return task.id, [Problem(task.id, f"validation crashed: {type(e).__name__}: {e}")]


def validate_corpus(
    corpus: Corpus,
    workers: int = 1,
    limits: Limits = Limits(timeout_s=120.0),
    on_done: Callable[[str, list[Problem]], None] | None = None,
) -> list[Problem]:
    """Problems of every task, in corpus order; ``on_done(task_id, problems)`` as each finishes."""
    jobs = [(t, str(corpus.path_of(t)), limits) for t in corpus.tasks]
    found: dict[str, list[Problem]] = {}
    if workers <= 1:
        for job in jobs:
            tid, probs = _check(job)
            found[tid] = probs
            if on_done:
                on_done(tid, probs)
    else:
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            futures = [pool.submit(_check, job) for job in jobs]
            for fut in as_completed(futures):
                tid, probs = fut.result()
                found[tid] = probs
                if on_done:
                    on_done(tid, probs)
    return [p for t in corpus.tasks for p in found.get(t.id, [])]
