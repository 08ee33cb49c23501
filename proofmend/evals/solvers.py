"""Solvers: what produces a new task file for the scorer to judge.

``agent`` runs the repair agent (``mend_file``) on the task's theorem; ``reference``
puts the task's known reference proof in place.  The reference solver is a
pipeline check (corpus, harness, audit, metrics, report), not an agent: it sees
the answer.  Both are chosen by name from :data:`SOLVERS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ..agent.config import AgentConfig
from .proofs import task_project, with_proof
from .schema import Task
from .slots import ProverSlots, SlotReleasingModel

REFERENCE = "reference"


@dataclass(frozen=True)
class Attempt:
    """What a solver did on one task sample (before the scorer judges it)."""

    new_text: str | None  # the whole file with the solver's proof, None when it has none
    proof: str | None = None
    attempts: int = 0
    exit: str = ""  # the solver's named exit ("proved", "budget_exhausted", ...)
    error: str | None = None
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float | None = 0.0


class Solver(Protocol):
    name: str

    def solve(self, task: Task, path: Path, config: AgentConfig, trace_path: Path | None) -> Attempt:
        """Work on ``task`` whose file is at ``path`` (a private copy; may be rewritten)."""


class ReferenceSolver:
    """Pipeline check, not an agent: answers with the task's reference proof."""

    name = REFERENCE

    def solve(self, task: Task, path: Path, config: AgentConfig, trace_path: Path | None) -> Attempt:
        if not task.reference_proof:
            return Attempt(None, exit="no_reference_proof", error="the task has no reference proof")
        text = path.read_bytes().decode("utf-8")
        if task.prover == "lean":
            from .lean_tasks import with_lean_proof

            new_text = with_lean_proof(text, task.theorem, task.reference_proof, task.file)
        else:
            new_text = with_proof(text, task.theorem, task.reference_proof, task.file)
        return Attempt(new_text, proof=task.reference_proof, attempts=1, exit="reference")


def _same_theorem(hole_name: str, theorem: str) -> bool:
    return hole_name == theorem or hole_name.endswith("." + theorem)


class AgentSolver:
    """The repair agent (``proofmend.agent.loop.repair.mend_file``) on the task's theorem.

    With ``slots`` the sample holds a prover slot while it works and gives it
    back while a model call is in flight (see :mod:`.slots`).
    """

    def __init__(self, name: str, slots: ProverSlots | None = None):
        self.name = name
        self.slots = slots
        self._made: SlotReleasingModel | None = None

    def prepare(self, config: AgentConfig) -> None:
        """Load the agent and make the model (litellm takes seconds to import) before holding a prover slot."""
        import proofmend.agent.loop.repair  # noqa: F401

        self._model(config)

    def _model(self, config: AgentConfig):
        if self.slots is None or config.offline:
            return None  # mend_file makes its own
        if self._made is None:
            self._made = SlotReleasingModel(config.make_model(), self.slots)
        return self._made

    def solve(self, task: Task, path: Path, config: AgentConfig, trace_path: Path | None) -> Attempt:
        from ..agent.loop.repair import mend_file
        from ..agent.trajectory import Trace

        with Trace(trace_path) as trace:
            if task.prover == "lean":
                from ..agent.loop.lean_repair import mend_lean_path

                report = mend_lean_path(path, config, model=self._model(config), theorem=task.theorem,
                                        trace=trace).files[0]
            else:
                report = mend_file(path, config, theorem=task.theorem, trace=trace,
                                   project=task_project(task, path), model=self._model(config))
        holes = [h for h in report.holes if _same_theorem(h.theorem, task.theorem)]
        tokens_in = sum(h.tokens_in for h in report.holes)
        tokens_out = sum(h.tokens_out for h in report.holes)
        costs = [h.cost_usd for h in report.holes]
        cost = None if any(c is None for c in costs) else float(sum(costs))
        if not holes:
            why = getattr(report, "error", None) or f"the agent reported no hole named {task.theorem}"
            return Attempt(None, exit="not_attempted", error=why,
                           tokens_in=tokens_in, tokens_out=tokens_out, cost_usd=cost)
        hole = holes[0]
        fixed = hole.status == "fixed"
        return Attempt(
            new_text=report.new_text if fixed else None,
            proof=hole.proof,
            attempts=hole.attempts,
            exit=hole.exit or hole.status,
            error=hole.error,
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            cost_usd=cost,
        )


def solver_for(model: str, slots: ProverSlots | None = None) -> Solver:
    """The solver behind ``--model``: ``reference``, or the agent with that model."""
    if model == REFERENCE:
        return ReferenceSolver()
    return AgentSolver(model, slots)
