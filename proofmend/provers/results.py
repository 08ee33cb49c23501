"""Typed results of running tactics in a live session.

The prover refusing a step is a value (:class:`TacticError`); a broken prover
process is an exception (see ``errors``).
"""

from __future__ import annotations

from dataclasses import dataclass


__all__ = ["Checkpoint", "Goal", "Goals", "TacticOk", "TacticError", "TacticResult"]


@dataclass(frozen=True)
class Goal:
    hypotheses: tuple[str, ...]
    conclusion: str

    def render(self) -> str:
        hyps = "\n".join(self.hypotheses)
        bar = "=" * 30
        return f"{hyps}\n{bar}\n{self.conclusion}" if hyps else f"{bar}\n{self.conclusion}"


@dataclass(frozen=True)
class Goals:
    foreground: tuple[Goal, ...]
    background: int = 0  # goals in unfocused parts (e.g. other bullets)
    shelved: int = 0
    given_up: int = 0

    @property
    def done(self) -> bool:
        return not self.foreground and self.background == 0 and self.shelved == 0

    def render(self, limit: int = 4) -> str:
        if not self.foreground:
            if self.background:
                return f"(no focused goal; {self.background} unfocused goal(s) remain)"
            return "(no goals)"
        parts = []
        for i, g in enumerate(self.foreground[:limit], 1):
            parts.append(f"Goal {i} of {len(self.foreground)}:\n{g.render()}")
        if len(self.foreground) > limit:
            parts.append(f"... and {len(self.foreground) - limit} more goal(s)")
        return "\n\n".join(parts)

    def key(self) -> tuple:
        """Identity of the proof state (for deduplication)."""
        return (self.foreground, self.background, self.shelved)


@dataclass(frozen=True)
class Checkpoint:
    """An opaque handle on a proof state that can be returned to.

    ``script`` is the tactic text run from the session's base to reach it, so a
    restarted prover can rebuild the state; ``state`` is the backend's own id.
    """

    state: int
    generation: int
    script: tuple[str, ...] = ()


@dataclass(frozen=True)
class TacticOk:
    checkpoint: Checkpoint
    goals: Goals

    @property
    def finished(self) -> bool:
        return self.goals.done


@dataclass(frozen=True)
class TacticError:
    """The prover rejected the tactics; nothing of them was kept."""

    message: str
    sentence: str  # the sentence that failed
    start: int  # character offsets of the failing part inside the given text
    end: int
    checked: str  # the prefix of the given text that ran before the failure
    checked_checkpoint: Checkpoint | None = None  # state after ``checked``
    goals: Goals | None = None  # goals right before the failing sentence

    finished = False


TacticResult = TacticOk | TacticError
