"""The few interfaces the rest of proofmend is written against.

Backends are chosen from plain name → class tables (``agent.models.MODELS``,
``agent.proposers.PROPOSERS``); these Protocols say what each must offer.
"""

from __future__ import annotations

from collections.abc import Iterator
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


@runtime_checkable
class Model(Protocol):
    """Something that answers chat messages (an LLM, a replay file)."""

    name: str

    def complete(self, messages: list[dict], sample: int = 0) -> "Completion":
        """One reply to ``messages``; ``sample`` distinguishes independent samples."""


@runtime_checkable
class Proposer(Protocol):
    """Produces candidate proofs for one hole, learning from each check."""

    name: str

    def candidates(self, task: "HoleContext") -> Iterator[str]:
        """Yield candidate proof texts; the loop checks each and reports back."""


# Forward references resolved by the agent package.
Completion = object
HoleContext = object
