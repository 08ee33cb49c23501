"""Resource limits for prover processes (address space, CPU time)."""

from __future__ import annotations

import resource
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Per-process limits applied to every prover process we start."""

    timeout_s: float = 300.0
    """Wall-clock seconds a batch compile may take."""
    memory_mb: int = 8192
    """Address-space limit of the prover process, in MiB (0 = none)."""
    call_timeout_s: float = 30.0
    """Seconds a bookkeeping call (start-up, going back to a state) may take."""
    interrupt_grace_s: float = 5.0
    """Seconds an interrupted prover has to answer before it is killed."""

    def preexec(self) -> Callable[[], None]:
        mem = self.memory_mb

        def apply() -> None:
            if mem > 0:
                b = mem * 1024 * 1024
                resource.setrlimit(resource.RLIMIT_AS, (b, b))

        return apply
