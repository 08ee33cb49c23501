"""One hole: what it is (:class:`HoleJob`), what came of it (:class:`HoleResult`), its budget and named exits."""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from enum import Enum

from ..protocols import Model
from ..provers.coq.assumptions import parse_assumptions
from ..provers.coq.audit import Verdict
from ..provers.coq.sentences import code_tokens
from ..provers.coq.session import ProofSession
from ..provers.deadline import Deadline
from ..provers.results import Checkpoint
from .config import AgentConfig
from .search import TacticSearch
from .trajectory import Trace


#: proposers that call the model (one that comes earlier leaves them a share of the calls and the time)
MODEL_PROPOSERS = ("llm", "llm-search")


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
    status: str  # "fixed" | "unsolved" | "skipped" | "conditional" (resting on other holes: --allow-admitted)
    exit: str
    attempts: int
    proof: str | None
    elapsed_s: float
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float | None = 0.0
    error: str | None = None
    rests_on: tuple[str, ...] = ()  # the project's holes a conditional proof rests on

    def to_json(self) -> dict:
        out = {
            "file": self.file, "theorem": self.theorem, "line": self.line, "status": self.status,
            "exit": self.exit, "attempts": self.attempts, "proof": self.proof,
            "elapsed_s": round(self.elapsed_s, 3), "tokens_in": self.tokens_in,
            "tokens_out": self.tokens_out, "cost_usd": self.cost_usd, "error": self.error,
        }
        if self.rests_on:
            out["rests_on"] = list(self.rests_on)
        return out


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
    scope_names: tuple[str, ...] = ()  # names proven before the hole in its file (for the search and repairs)
    changes: object | None = None  # the change that broke the old proof (``staleedit.ChangeContext``), when known
    prover: str = "coq"  # "coq" (prefix ends with the statement) or "lean" (prefix ends with ':='; no opener, no closer)


@dataclass
class Budget:
    """Counts what a hole has used and stops the work at the configured limits.

    ``deadline`` is the hole's one deadline: every prover call made for the
    hole obeys it (a fresh one of ``config.timeout_s`` unless given).
    """

    config: AgentConfig
    deadline: Deadline | None = None
    started: float = field(default_factory=time.monotonic)
    attempts: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float | None = 0.0

    def __post_init__(self) -> None:
        if self.deadline is None:
            self.deadline = Deadline(self.config.timeout_s)

    def left(self) -> float:
        return self.deadline.left()  # type: ignore[union-attr]

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


Candidates = Generator[str, Verdict, None]


@dataclass
class Hole:
    """What a proposer sees of the hole it works on: the live session parked at its start, and the shared tools."""

    job: HoleJob
    session: ProofSession
    start: Checkpoint  # after the opener ("Proof.")
    search: TacticSearch  # shared: its lemma pool and its tries carry over between proposers
    scope_names: list[str]
    config: AgentConfig
    budget: Budget
    trace: Trace
    model: Model | None
    render: Callable[[list[str] | tuple[str, ...]], str]  # a script as a body (the smallest change of the old one)
    on_check: Callable[[str, object, float], None]  # reports a check to the trajectory
    notes: list[str] = field(default_factory=list)  # why proposers came back empty (for the hole's exit)
    rejected: bool = False  # a proposer's complete proof was refused by the accept step
    rests_on: set[str] = field(default_factory=set)  # admitted lemmas the last offered proof rested on

    def offer(self, label: str, script) -> Generator[str, Verdict, bool]:
        """Yield ``script`` as a body to audit; a refusal is noted under ``label``.  Returns whether it was accepted."""
        verdict = yield self.render(script)
        self.rests_on = {n for names in verdict.rests_on.values() for n in names}
        if not verdict.accepted:
            self.rejected = True
            self.notes.append(f"{label} rejected: " + "; ".join(str(f) for f in verdict.findings))
        return verdict.accepted

    def premises_to_avoid(self, script) -> set[str]:
        """After a refusal for resting on admitted lemmas: those, and the premises of ``script`` that rest on them."""
        admitted = set(self.rests_on)
        if not admitted:
            return set()
        used = set(code_tokens(" ".join(script))) & set(self.search.lemmas + self.search.unfoldable)
        for lem in used - admitted:
            axioms, _ = parse_assumptions(self.session.query(f"Print Assumptions {lem}."))
            if set(axioms) & admitted:
                admitted.add(lem)
        return admitted
