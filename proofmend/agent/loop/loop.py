"""The loop on one hole: park a live session at it, run the proposers in turn, accept through one step.

A hole ends with a named exit (:class:`~.hole.Exit`).  Limits come from
:class:`AgentConfig`; the hole's one deadline (``Budget.deadline``) bounds
every prover call made for it.  Ending early is an exception (:class:`Stop`)
caught in one place, :meth:`HoleSolver.solve`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

from ...provers.coq.assumptions import parse_assumptions, parse_search
from ...provers.coq.audit import Verdict
from ...provers.coq.findings import Finding, Reason
from ...provers.coq.livedoc import LiveDocument
from ...provers.coq.project import CoqProject
from ...provers.coq.sentences import IDENT
from ...provers.coq.session import PrefixError, ProofSession
from ...provers.deadline import Deadline, DeadlineReached
from ...provers.errors import ProverError
from ...provers.limits import Limits
from ...provers.lean.session import LeanPrefixError, LeanProofSession, LiveLeanFile
from ...provers.results import TacticOk
from ..config import AgentConfig
from ..hole import MODEL_PROPOSERS, Budget, Exit, Hole, HoleJob, HoleResult, Stop
from ..proposers.lean_tactics import LEAN_TACTICS, render_lean_body
from ..proposers.portfolio import PROPOSERS
from ..proposers.render import render_body, render_minimal
from ..search import COQ_TACTICS, TacticSearch, discover_lemmas
from ..trajectory import Trace

__all__ = ["Exit", "HoleJob", "HoleResult", "HoleSolver", "Stop", "Verifier"]

Verifier = Callable[[str], Verdict]


class HoleSolver:
    """Works on one hole at a time with the configured proposers, in turn."""

    def __init__(self, project: CoqProject, config: AgentConfig, model=None, trace: Trace | None = None):
        self.project = project
        self.config = config
        self.model = model
        self.trace = trace or Trace(None)
        self._conjectures: dict[tuple[str, str], frozenset[str]] = {}  # what the live session holds admitted, per hole
        self._refused: dict[tuple[str, str], str] = {}  # why a hole's last complete candidate was refused

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

    def accept(self, job: HoleJob, body: str, verify: Verifier, how: str, session: ProofSession) -> Verdict:
        """The one accept step: the body's terminator accepted in the live session, then ``verify``."""
        t0 = time.monotonic()
        name = job.theorem.rsplit(".", 1)[-1]
        coq = isinstance(session, ProofSession) and IDENT.fullmatch(name) is not None
        # Print Assumptions after the terminator only where an admitted lemma could be among them.
        ask = coq and bool(self._unproven(job, session))
        closed = session.closes(body, assumptions_of=name) if ask else session.closes(body)
        admitted = self._admitted_used(job, session) if ask and closed is None else []
        if closed is not None:
            verdict = Verdict(False, (Finding(Reason.COMPILE_FAILED, closed.splitlines()[0][:300], job.theorem),),
                              (job.theorem,))
        elif admitted and not self.config.allow_admitted:
            verdict = Verdict(False, (Finding(Reason.ADMITTED_DEPENDENCY, f"relies on {', '.join(admitted)}: admitted "
                                              "(a hole, or a proof that fails), so the proof would not count",
                                              job.theorem),), (job.theorem,), rests_on={job.theorem: tuple(admitted)})
        else:
            verdict = replace(verify(body), rests_on={job.theorem: tuple(admitted)} if admitted else {})
        self.trace.emit("audit", theorem=job.theorem, proof=body, accepted=verdict.accepted,
                        reasons=verdict.reasons, source=how, seconds=round(time.monotonic() - t0, 3))
        if not verdict.accepted and closed is None:  # a complete proof refused: why goes into the hole's end
            self._refused[(job.file, job.theorem)] = "; ".join(str(f) for f in verdict.findings)[:400]
        return verdict

    def _admitted_used(self, job: HoleJob, session: ProofSession) -> list[str]:
        """The admitted lemmas the proof just closed in ``session`` rests on (Coq's ``Print Assumptions`` there).

        Earlier complete proofs of the file are loaded admitted for speed: they
        are not counted (``job.scope_names``).  The file's audit has the last
        word; this only lets a refusal come early, while the hole still has time.
        """
        text = getattr(session, "closed_assumptions", None)
        if not text:
            return []
        axioms, _ = parse_assumptions(text)
        unproven = self._unproven(job, session)
        return [a for a in axioms if a in unproven]

    def _unproven(self, job: HoleJob, session: ProofSession) -> frozenset[str]:
        """The admitted lemmas loaded where the hole is (Coq's ``Search is:Conjecture`` there, asked once per hole),
        less the earlier complete proofs the session loaded admitted for speed."""
        key = (job.file, job.theorem)
        if key not in self._conjectures:
            found = frozenset(parse_search(session.query("Search is:Conjecture.").splitlines()))
            self._conjectures[key] = found - set(job.scope_names)
        return self._conjectures[key]

    def _time_for(self, name: str, strategy: tuple[str, ...], budget: Budget) -> float:
        """Each proposer's share of the hole's time (the deadline bounds it in any case)."""
        left = budget.left()
        later = strategy[strategy.index(name) + 1 :]
        model_later = self.model is not None and any(p in MODEL_PROPOSERS for p in later)
        if name == "stale":
            if not model_later:
                return min(left, max(self.config.search.time_s, left / 2))
            return min(left / 4, max(2.0, 2 * self.config.search_first_s))
        if name == "search":
            return min(left, self.config.search_first_s if model_later else self.config.search.time_s)
        if name == "llm-search" and model_later:
            return left / 2
        return left

    # ------------------------------------------------------------ the hole
    def solve(self, job: HoleJob, verify: Verifier, document: LiveDocument | None = None,
              deadline: Deadline | None = None) -> HoleResult:
        """Work on ``job`` until a proposer's body is accepted or the budget ends.

        ``document``: the file's live document to park in (one is started
        otherwise); ``deadline``: the hole's deadline when it started earlier
        (a fresh one of ``config.timeout_s`` otherwise).
        """
        budget = Budget(self.config, deadline)
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
            except DeadlineReached:
                exit, error = Exit.TIMEOUT, f"no proof within {self.config.timeout_s:g} s"
            except (PrefixError, LeanPrefixError) as e:
                exit, error = Exit.PREFIX_ERROR, f"the text before the proof does not check: {e}"
            except ProverError as e:
                # The prover crashed, hung or ran out of memory: start afresh if time is left.
                exit, error = Exit.PROVER_ERROR, str(e)
                self.trace.emit("prover_error", theorem=job.theorem, error=str(e), retry=round_ < self.config.prover_retries)
                if budget.left() > 1:
                    continue
            break
        refused = self._refused.pop((job.file, job.theorem), None)
        if proof is None and refused and exit not in (Exit.AUDIT_REJECTED, Exit.PREFIX_ERROR):
            error = f"{error}; the last candidate refused: {refused}"
        elapsed = time.monotonic() - budget.started
        status = "fixed" if proof is not None else ("skipped" if exit is Exit.PREFIX_ERROR else "unsolved")
        result = HoleResult(job.file, job.theorem, job.line, status, exit.value, budget.attempts, proof,
                            elapsed, budget.tokens_in, budget.tokens_out, budget.cost_usd, error)
        self.trace.emit("hole_end", **result.to_json())
        return result

    def _session(self, job: HoleJob, budget: Budget, document):
        """The live session parked at the hole: coqidetop for Coq, the language server's file for Lean."""
        if job.prover == "lean":
            if not isinstance(document, LiveLeanFile):
                raise TypeError("a Lean hole is solved in its file's LiveLeanFile")
            return LeanProofSession(document, job.prefix, tactic_timeout=self.config.tactic_timeout_s,
                                    deadline=budget.deadline)
        limits = Limits(timeout_s=self.config.compile_timeout_s, memory_mb=self.config.memory_mb)
        return ProofSession(self.project, job.prefix, limits=limits, tactic_timeout=self.config.tactic_timeout_s,
                            document=document, deadline=budget.deadline)

    def _solve(self, job: HoleJob, verify: Verifier, budget: Budget, document: LiveDocument | None) -> str:
        with self._session(job, budget, document) as session:
            opened = session.run(job.opener)
            if not isinstance(opened, TacticOk):
                raise Stop(Exit.PREFIX_ERROR, f"'{job.opener}' does not run: {opened.message}")
            hole = self._hole(job, session, opened, budget)
            strategy = self.config.strategy_for(self.model is not None)
            for name in strategy:
                proposer = PROPOSERS[name]()
                if not proposer.applies(hole):
                    continue
                budget.check()
                time_s = self._time_for(name, strategy, budget)
                if time_s <= 0:
                    continue
                body = self._run_proposer(proposer, hole, verify, time_s)
                if body is not None:
                    return body
            notes = "; ".join(hole.notes)
            if hole.rejected:
                raise Stop(Exit.AUDIT_REJECTED, notes)
            raise Stop(Exit.SEARCH_FAILED, notes or "no proposer found a proof")

    def _hole(self, job: HoleJob, session: ProofSession, opened: TacticOk, budget: Budget) -> Hole:
        goal = opened.goals.foreground[0] if opened.goals.foreground and job.prover == "coq" else None
        lemmas = discover_lemmas(session, goal, limit=self.config.search.lemmas,
                                 timeout=self.config.search.query_timeout_s) if goal else []
        lean = job.prover == "lean"
        hammer = not lean and self.config.search.use_hammer and "Ltac" in session.query("Locate Ltac sauto.")
        search = TacticSearch(session, self.config.search, lemmas=lemmas + list(job.scope_names[-8:]),
                              unfoldable=list(job.scope_names), hammer=hammer,
                              tactics=LEAN_TACTICS if lean else COQ_TACTICS)
        render = ((lambda script: render_lean_body(script, session.indent)) if lean
                  else (lambda script: self._render(job, script)))
        return Hole(job, session, opened.checkpoint, search, list(job.scope_names), self.config, budget, self.trace,
                    self.model, render, lambda text, r, secs: self._check_event(job, text, r, secs))

    def _run_proposer(self, proposer, hole: Hole, verify: Verifier, time_s: float) -> str | None:
        """Audit each candidate ``proposer`` yields (sending it the verdict) until one is accepted."""
        candidates = proposer.propose(hole, time_s)
        verdict: Verdict | None = None
        try:
            while True:
                body = candidates.send(verdict) if verdict is not None else next(candidates)
                verdict = self.accept(hole.job, body, verify, proposer.name, hole.session)
                if verdict.accepted:
                    candidates.close()
                    return body
        except StopIteration:
            return None
