"""One task sample: solved in a private copy of its file, scored by the audit.

:func:`run_one` is what every executor runs (a local process, a Ray worker);
it never raises for a task's sake: a solver or prover that breaks gives a
record with status ``error``.
"""

from __future__ import annotations

import re
import shlex
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from ..agent.config import AgentConfig
from .proofs import judge, target_is_done
from .schema import Task
from .slots import ProverSlots
from .solvers import solver_for




def trace_name(task_id: str, sample: int) -> str:
    return re.sub(r"[^\w.-]+", "__", task_id) + f".s{sample}.jsonl"


def hard_limit_s(config: AgentConfig) -> float:
    """Wall-clock seconds after which a task sample is stopped from outside the solver."""
    return 2 * config.timeout_s + config.compile_timeout_s + 60


class TaskTimeout(Exception):
    pass


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise :class:`TaskTimeout` in this thread after ``seconds`` (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def ring(signum, frame):
        raise TaskTimeout(f"stopped after the hard limit of {seconds:g} s")

    old = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def sample_config(config: AgentConfig, sample: int) -> AgentConfig:
    """The config of one sample: distinct sample indices, so model samples differ."""
    return config.model_copy(update={"sample_index": config.sample_index + sample * config.samples})


def run_one(task_json: str, task_file: str, sample: int, config_json: str, trace_dir: str | None,
            slots: int | None = None) -> dict:
    """Solve and score one task sample in a fresh temporary directory; returns the result record.

    With ``slots`` the sample holds one of that many prover slots of this machine
    while it works, except while a model call is in flight (``--model-concurrency``).
    """
    task = Task.model_validate_json(task_json)
    config = AgentConfig.model_validate_json(config_json)
    record: dict[str, Any] = {
        "id": task.id, "kind": task.kind, "sample": sample, "status": "error", "attempts": 0,
        "tokens_in": 0, "tokens_out": 0, "cost_usd": None, "seconds": 0.0, "proof": None,
        "reason": None, "exit": None, "tags": list(task.tags), "model": config.model,
    }
    t0 = time.monotonic()
    try:
        with tempfile.TemporaryDirectory(prefix="proofmend-eval-") as tmp:
            src = Path(task_file)
            work = Path(tmp) / src.name
            shutil.copyfile(src, work)
            if task.coq_flags:  # so that every tool run on the copy compiles it with the task's flags
                flags = "".join(f"-arg {shlex.quote(f)}\n" for f in task.coq_flags)
                (Path(tmp) / "_CoqProject").write_text(flags + src.name + "\n", encoding="utf-8")
            original = src.read_bytes().decode("utf-8")
            trace = Path(trace_dir) / trace_name(task.id, sample) if trace_dir else None
            gate = ProverSlots(slots) if slots else None
            solver = solver_for(config.model, gate)
            with deadline(hard_limit_s(config)):
                if gate is not None and hasattr(solver, "prepare"):
                    solver.prepare(config)  # outside the slot: no prover work
                with gate.holding() if gate else nullcontext():
                    attempt = solver.solve(task, work, sample_config(config, sample), trace)
                    record.update(attempts=attempt.attempts, tokens_in=attempt.tokens_in,
                                  tokens_out=attempt.tokens_out, cost_usd=attempt.cost_usd, proof=attempt.proof,
                                  exit=attempt.exit)
                    status, reason = score(task, attempt.new_text, original, src, config)
            record.update(status=status, reason=reason if status != "solved" else None)
            if status != "solved" and attempt.error:
                record["reason"] = f"{reason}: {attempt.error}" if reason else attempt.error
    except Exception as e:  # the solver or the prover broke: recorded, the run goes on
        record.update(status="error", reason=f"{type(e).__name__}: {e}"[:2000])
    record["seconds"] = round(time.monotonic() - t0, 3)
    return record


def score(task: Task, new_text: str | None, original: str, task_file: Path, config: AgentConfig) -> tuple[str, str | None]:
    """("solved", None) when the audit accepts the new file; else ("failed", why)."""
    if new_text is None:
        return "failed", "no proof"
    if task.prover == "lean":
        return _score_lean(task, new_text, original, task_file, config)
    if not target_is_done(new_text, task.theorem):
        return "failed", f"{task.theorem} is still a hole"
    verdict = judge(new_text, original, task, task_file, config.limits(), config.axiom_policy())
    if not verdict.accepted:
        return "failed", "audit rejected: " + "; ".join(str(f) for f in verdict.findings)
    return "solved", None


def _score_lean(task: Task, new_text: str, original: str, task_file: Path, config: AgentConfig) -> tuple[str, str | None]:
    from .lean_tasks import judge_lean, lean_target_is_done

    if not lean_target_is_done(new_text, task.theorem):
        return "failed", f"{task.theorem} is still a hole"
    verdict = judge_lean(new_text, original, task, task_file, config.limits(), frozenset(config.allowed_axioms or ()))
    if not verdict.accepted:
        return "failed", "audit rejected: " + "; ".join(str(f) for f in verdict.findings)
    return "solved", None
