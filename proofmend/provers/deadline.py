"""One deadline for a piece of work, obeyed by every prover call made for it.

Every wait asks the deadline for its time: the sooner of its own cap and what
is left (:meth:`Deadline.cap`).  When nothing is left, :class:`DeadlineReached`
ends the work — a budget running out, not a prover failing.
"""

from __future__ import annotations

import math
import time


class DeadlineReached(Exception):
    """The work's deadline passed before it was done."""


class Deadline:
    """A point in (monotonic) time; ``Deadline.never()`` for work without a bound."""

    __slots__ = ("at", "seconds")

    def __init__(self, seconds: float | None):
        self.seconds = seconds
        self.at = math.inf if seconds is None else time.monotonic() + seconds

    @classmethod
    def never(cls) -> "Deadline":
        return cls(None)

    def left(self) -> float:
        return self.at - time.monotonic()

    @property
    def passed(self) -> bool:
        return self.left() <= 0

    def cap(self, own: float | None = None) -> float:
        """Seconds a wait may take: the sooner of ``own`` and the deadline; raises when none is left."""
        left = self.left()
        if left <= 0:
            raise DeadlineReached(self.describe())
        return left if own is None else min(own, left)

    def sooner(self, seconds: float | None) -> "Deadline":
        """A deadline ``seconds`` from now, or this one if that is sooner."""
        other = Deadline(seconds)
        return other if other.at < self.at else self

    def describe(self) -> str:
        return "no time left" if self.seconds is None else f"the {self.seconds:g} s limit was reached"
