"""Prover slots: at most ``n`` task samples doing prover work at once on one machine.

With ``--model-concurrency`` more task samples are in flight than there are
CPUs, because most of a sample's time is spent waiting on a model server.  A
sample holds a slot while it works (tactic search, live session, the audit's
compile) and gives it back while a model call is in flight.  A slot is an
exclusive ``flock`` on one of ``n`` files in a folder of the machine's temporary
directory: shared by every process on the machine, and released by the kernel
when a holder dies.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..agent.models import Completion


def slots_folder() -> Path:
    """The folder of this machine's slot files (one per user)."""
    return Path(tempfile.gettempdir()) / f"proofmend-prover-slots-{os.getuid()}"


class ProverSlots:
    """``n`` slots shared by all processes on this machine that use the same folder."""

    def __init__(self, n: int, folder: Path | None = None, poll_s: float = 0.01):
        if n < 1:
            raise ValueError("need at least one prover slot")
        self.n = n
        self.folder = Path(folder) if folder is not None else slots_folder()
        self.poll_s = poll_s
        self._fd: int | None = None
        self.waited_s = 0.0  # total time spent waiting for a slot

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        """Block until one of the ``n`` slots is free, then hold it."""
        if self._fd is not None:
            raise RuntimeError("this prover slot is already held")
        self.folder.mkdir(parents=True, exist_ok=True)
        t0 = time.monotonic()
        start = os.getpid() % self.n  # spread first tries over the slots
        while True:
            for j in range(self.n):
                path = self.folder / f"slot-{(start + j) % self.n}"
                fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    os.close(fd)
                    continue
                self._fd = fd
                self.waited_s += time.monotonic() - t0
                return
            time.sleep(self.poll_s)

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

    @contextmanager
    def holding(self) -> Iterator[ProverSlots]:
        self.acquire()
        try:
            yield self
        finally:
            self.release()


class SlotReleasingModel:
    """A model whose calls give the sample's prover slot back while they wait."""

    def __init__(self, inner, slots: ProverSlots):
        self.inner = inner
        self.name = inner.name
        self.slots = slots

    def complete(self, messages: list[dict], sample: int = 0, **options) -> Completion:
        held = self.slots.held
        if held:
            self.slots.release()
        try:
            return self.inner.complete(messages, sample=sample, **options)
        finally:
            if held:
                self.slots.acquire()

    def check(self) -> None:
        check = getattr(self.inner, "check", None)
        if check is not None:
            check()
