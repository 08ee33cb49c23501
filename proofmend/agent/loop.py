"""The loop on one hole: propose, check in the live session, feed errors back, audit.

A hole ends with a named exit (:class:`Exit`).  Limits come from
:class:`AgentConfig`; ending a run early is an exception (:class:`Stop`)
caught in one place, :meth:`HoleSolver.solve`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from ..provers.coq.audit import Verdict
from ..provers.coq.findings import Finding, Reason
from ..provers.coq.project import CoqProject
from ..provers.coq.livedoc import LiveDocument
from ..provers.coq.session import PrefixError, ProofSession
from ..provers.errors import ProverError
from ..provers.limits import Limits
from ..provers.results import TacticOk
from .config import AgentConfig
from .render import render_body, render_minimal
from .search import TacticSearch, discover_lemmas
from .stale import StaleProofRepairer
from .trajectory import Trace


class Exit(str, Enum):
    PROVED = "proved"
    ATTEMPTS = "attempts_exhausted"
    TIMEOUT = "timeout"
    TOKENS = "token_budget"
    COST = "cost_budget"
    MODEL_EXHAUSTED = "model_exhausted"
    MODEL_ERROR = "model_error"
    PROVER_ERROR = "prover_error"
    SEARCH_FAILED = "search_failed"
    PREFIX_ERROR = "prefix_error"
    AUDIT_REJECTED = "audit_rejected"


class Stop(Exception):
    """Ends the work on a hole with a named exit."""

    def __init__(self, exit: Exit, message: str = ""):
        super().__init__(message or exit.value)
        self.exit = exit
        self.message = message


@dataclass(frozen=True)
class HoleResult:
    file: str
    theorem: str
    line: int
    status: str  # "fixed" | "unsolved" | "skipped"
    exit: str
    attempts: int
    proof: str | None
    elapsed_s: float
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float | None = 0.0
    error: str | None = None

    def to_json(self) -> dict:
        return {
            "file": self.file, "theorem": self.theorem, "line": self.line, "status": self.status,
            "exit": self.exit, "attempts": self.attempts, "proof": self.proof,
            "elapsed_s": round(self.elapsed_s, 3), "tokens_in": self.tokens_in,
            "tokens_out": self.tokens_out, "cost_usd": self.cost_usd, "error": self.error,
        }


@dataclass(frozen=True)
class HoleJob:
    """Everything the solver needs to know about one hole."""

    file: str  # display path
    theorem: str
    line: int
    kind: str  # "admitted" | "admit" | "failing"
    prefix: str  # file text up to the end of the statement (earlier failures admitted)
    statement: str
    opener: str  # "Proof." or the original 'Proof using ...' / 'Proof with ...'
    stale: tuple[str, ...] = ()  # the old proof's tactic sentences (no opener, no terminator)
    error: str | None = None  # why the old proof fails
    local_context: str = ""
    closer: str = "Qed."  # "Defined." where the original used it
    original_body: str = ""  # the old body text (statement end to terminator end), kept where it still runs


@dataclass
class Budget:
    """Counts what a hole has used and stops the work at the configured limits."""

    config: AgentConfig
    started: float = field(default_factory=time.monotonic)
    attempts: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float | None = 0.0

    @property
    def deadline(self) -> float:
        return self.started + self.config.timeout_s

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def charge(self, tokens_in: int, tokens_out: int, cost: float | None) -> None:
        self.tokens_in += tokens_in
        self.tokens_out += tokens_out
        self.cost_usd = None if cost is None or self.cost_usd is None else self.cost_usd + cost

    def check(self) -> None:
        c = self.config
        if self.left() <= 0:
            raise Stop(Exit.TIMEOUT, f"no proof within {c.timeout_s:g} s")
        if c.max_total_tokens is not None and self.tokens_in + self.tokens_out >= c.max_total_tokens:
            raise Stop(Exit.TOKENS, f"token budget of {c.max_total_tokens} spent")
        if c.max_cost_usd is not None and self.cost_usd is not None and self.cost_usd >= c.max_cost_usd:
            raise Stop(Exit.COST, f"cost budget of ${c.max_cost_usd:g} spent")

    def check_attempts(self) -> None:
        self.check()
        if self.attempts >= self.config.attempts:
            raise Stop(Exit.ATTEMPTS, f"{self.config.attempts} candidate(s) tried")


Verifier = Callable[[str], Verdict]


class HoleSolver:
    """Works on one hole at a time with a proposer (search, or a model plus search)."""

    def __init__(self, project: CoqProject, config: AgentConfig, model=None, trace: Trace | None = None,
                 scope_names: list[str] | None = None):
        self.project = project
        self.config = config
        self.model = model
        self.trace = trace or Trace(None)
        self.scope_names = scope_names or []

    # ------------------------------------------------------------ plumbing
    def _check_event(self, job: HoleJob, text: str, r, seconds: float) -> None:
        if isinstance(r, TacticOk):
            self.trace.emit("check", theorem=job.theorem, proof=text, ok=True, error=None,
                            goals=r.goals.render() if not r.finished else "", seconds=round(seconds, 4))
        else:
            self.trace.emit("check", theorem=job.theorem, proof=text, ok=False, error=r.message,
                            goals=r.goals.render() if r.goals else "", seconds=round(seconds, 4))

    @staticmethod
    def _render(job: HoleJob, script) -> str:
        """The body for ``script``: the smallest change of the old body where there is one."""
        if job.original_body:
            return render_minimal(job.original_body, job.opener, script, job.closer)
        return render_body(job.opener, script, job.closer)

    def _accept(self, job: HoleJob, body: str, verify: Verifier, how: str, session: ProofSession | None = None) -> Verdict:
        t0 = time.monotonic()
        closed = session.closes(body) if session is not None else None
        if closed is not None:
            verdict = Verdict(False, (Finding(Reason.COMPILE_FAILED, closed.splitlines()[0][:300], job.theorem),),
                              (job.theorem,))
        else:
            verdict = verify(body)
        self.trace.emit("audit", theorem=job.theorem, proof=body, accepted=verdict.accepted,
                        reasons=verdict.reasons, source=how, seconds=round(time.monotonic() - t0, 3))
        return verdict

    def _stale_time(self, budget: Budget) -> float:
        """Offline, stale-proof repair may use half the hole's time; with a model, a short look only."""
        if self.model is None:
            return min(budget.left(), max(self.config.search.time_s, budget.left() / 2))
        return min(budget.left() / 4, max(2.0, 2 * self.config.search_first_s))

    # ------------------------------------------------------------ the hole
    def solve(self, job: HoleJob, verify: Verifier, document: LiveDocument | None = None) -> HoleResult:
        """Work on ``job``; ``document`` is the file's live document to park in (one is started otherwise)."""
        budget = Budget(self.config)
        self.trace.emit("hole_start", file=job.file, theorem=job.theorem, line=job.line, kind=job.kind,
                        model=self.config.model)
        proof: str | None = None
        error: str | None = None
        for round_ in range(1 + self.config.prover_retries):
            try:
                proof = self._solve(job, verify, budget, document)
                exit = Exit.PROVED
            except Stop as stop:
                exit, error = stop.exit, stop.message
            except PrefixError as e:
                exit, error = Exit.PREFIX_ERROR, f"the text before the proof does not check: {e}"
            except ProverError as e:
                # The prover crashed, hung or ran out of memory: start afresh if time is left.
                exit, error = Exit.PROVER_ERROR, str(e)
                self.trace.emit("prover_error", theorem=job.theorem, error=str(e), retry=round_ < self.config.prover_retries)
                if budget.left() > 1:
                    continue
            break
        elapsed = time.monotonic() - budget.started
        status = "fixed" if proof is not None else ("skipped" if exit is Exit.PREFIX_ERROR else "unsolved")
        result = HoleResult(job.file, job.theorem, job.line, status, exit.value, budget.attempts, proof,
                            elapsed, budget.tokens_in, budget.tokens_out, budget.cost_usd, error)
        self.trace.emit("hole_end", **result.to_json())
        return result

    def _solve(self, job: HoleJob, verify: Verifier, budget: Budget, document: LiveDocument | None = None) -> str:
        limits = Limits(timeout_s=max(30.0, self.config.compile_timeout_s), memory_mb=self.config.memory_mb)
        with ProofSession(self.project, job.prefix, limits=limits, tactic_timeout=self.config.tactic_timeout_s,
                          document=document) as session:
            opened = session.run(job.opener)
            if not isinstance(opened, TacticOk):
                raise Stop(Exit.PREFIX_ERROR, f"'{job.opener}' does not run: {opened.message}")
            start = opened.checkpoint
            goal = opened.goals.foreground[0] if opened.goals.foreground else None
            lemmas = discover_lemmas(session, goal, limit=self.config.search.lemmas) if goal else []
            hammer = self.config.search.use_hammer and "Ltac" in session.query("Locate Ltac sauto.")
            search = TacticSearch(session, self.config.search, lemmas=lemmas + self.scope_names[-8:],
                                  unfoldable=self.scope_names, hammer=hammer)
            last_rejection = ""
            if job.stale and self.config.stale_repair:
                budget.check()
                rep = StaleProofRepairer(
                    session, search, self.scope_names + lemmas,
                    on_check=lambda text, r: self._check_event(job, text, r, 0.0), old=list(job.stale),
                ).propose(start, time_s=self._stale_time(budget))
                self.trace.emit("stale_repair", theorem=job.theorem, exit=rep.exit, kept=rep.kept,
                                repaired=rep.repaired, dropped=rep.dropped, notes=list(rep.notes),
                                seconds=round(rep.seconds, 3))
                if rep.script is not None:
                    body = self._render(job, rep.script)
                    verdict = self._accept(job, body, verify, "stale_repair", session)
                    if verdict.accepted:
                        return body
                    last_rejection = "; ".join(str(f) for f in verdict.findings)
            if self.model is None:
                budget.check()
                sr = search.propose(start, time_s=min(budget.left(), self.config.search.time_s))
                self.trace.emit("search", theorem=job.theorem, exit=sr.exit, nodes=sr.nodes, tries=sr.tries,
                                seconds=round(sr.seconds, 3))
                if sr.script is None:
                    raise Stop(Exit.SEARCH_FAILED, f"search: {sr.exit} after {sr.nodes} node(s), {sr.tries} tactic(s)"
                               + (f"; rejected: {last_rejection}" if last_rejection else ""))
                body = self._render(job, sr.script)
                verdict = self._accept(job, body, verify, "search", session)
                if verdict.accepted:
                    return body
                raise Stop(Exit.AUDIT_REJECTED, "; ".join(str(f) for f in verdict.findings))
            if self.config.search_first_s > 0:
                budget.check()
                sr = search.search(start, time_s=min(budget.left(), self.config.search_first_s))
                self.trace.emit("search", theorem=job.theorem, exit=sr.exit, nodes=sr.nodes, tries=sr.tries,
                                seconds=round(sr.seconds, 3))
                if sr.script is not None:
                    body = self._render(job, sr.script)
                    if self._accept(job, body, verify, "search", session).accepted:
                        return body
            from .llm import LLMProposer

            return LLMProposer(self, session, search, start, job, verify, budget).run()
