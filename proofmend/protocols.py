"""The few interfaces the rest of proofmend is written against.

Backends are chosen from plain name → class tables (``agent.models.MODELS``
for models); these Protocols say what each must offer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from .provers.results import Checkpoint, Goals, TacticResult


@runtime_checkable
class Session(Protocol):
    """A live prover session parked at the start of one proof."""

    base: Checkpoint

    def run(self, tactics: str, at: Checkpoint | None = None, timeout: float | None = None) -> TacticResult:
        """Run tactic text from a checkpoint; all or nothing."""

    def goals(self, at: Checkpoint | None = None) -> Goals:
        """The goals at a checkpoint."""

    def query(self, command: str, at: Checkpoint | None = None, timeout: float | None = None) -> str:
        """Search/Check/About/Print/Locate output at a checkpoint."""

    def close(self) -> None: ...


@dataclass(frozen=True)
class Completion:
    """One model reply with what it cost."""

    content: str
    tokens_in: int
    tokens_out: int
    cost_usd: float | None  # None when the price is unknown: unknown, never 0
    seconds: float
    cached: bool = False
    logprobs: tuple[tuple[str, float], ...] | None = None  # (token, log-probability) of the reply, where the server gives them


@runtime_checkable
class Model(Protocol):
    """Something that answers chat messages (an LLM, a replay file)."""

    name: str

    def complete(self, messages: list[dict], sample: int = 0, *, max_tokens: int | None = None,
                 logprobs: bool = False, timeout_s: float | None = None) -> Completion:
        """One reply to ``messages``; ``sample`` distinguishes independent samples.

        ``max_tokens`` caps this reply (the model's setting otherwise);
        ``logprobs`` asks for the tokens' log-probabilities (a server may give none);
        ``timeout_s`` bounds the call, retries included (the caller's deadline).
        """


class Proposal(Protocol):
    script: tuple[str, ...] | None  # tactic sentences from the start checkpoint, None when none found
    exit: str


@runtime_checkable
class Proposer(Protocol):
    """Finds a proof script from a checkpoint of a live session.

    Implemented by the tactic search (``agent.search.TacticSearch``) and the
    stale-proof repairer (``agent.proposers.stale.StaleProofRepairer``); the LLM proposer
    drives a :class:`Model` and uses the search to close what a reply leaves.
    """

    def propose(self, at: Checkpoint, time_s: float) -> Proposal:
        """A script that checks from ``at`` (or none) within ``time_s`` seconds."""


