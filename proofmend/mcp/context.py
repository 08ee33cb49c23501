"""What every tool call gets: the server's state (:class:`Services`) and its call's progress (:class:`Progress`)."""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import anyio
import anyio.to_thread

from ..agent.config import AgentConfig
from ..editor.mend_job import MendJob
from ..provers.limits import Limits
from .files import ProjectFiles
from .live import LiveFiles

T = TypeVar("T")


@dataclass
class Services:
    """The server's state, shared by every call: the project, its live documents, the configuration."""

    files: ProjectFiles
    config: AgentConfig
    call_timeout_s: float  # the deadline of every call but mend's (whose budget sets its own)
    live: LiveFiles = field(init=False)
    mends: set[MendJob] = field(default_factory=set)  # running mends, ended when the server stops

    def __post_init__(self) -> None:
        self.live = LiveFiles(self.files, self.limits, self.config.tactic_timeout_s)

    @classmethod
    def for_project(cls, root: Path, config: AgentConfig, call_timeout_s: float) -> "Services":
        return cls(ProjectFiles(root), config, call_timeout_s)

    @property
    def limits(self) -> Limits:
        return self.config.limits()

    def close(self) -> None:
        """End every prover this server started (running mends with their process groups)."""
        for job in list(self.mends):
            job.kill()
        self.live.close()


class Progress:
    """A call's progress notifications: the seconds it has run, and what it is doing.

    The value sent is the time since the call started, so it only grows, as the
    protocol asks.  A thread doing the work sets :attr:`message`; a heartbeat
    sends it every :attr:`every` seconds, and :meth:`say` sends a change at once.
    """

    every = 2.0

    def __init__(self, send: Callable[[float, float | None, str | None], Awaitable[None]]):
        self._send = send
        self.started = time.monotonic()
        self.message = "working"
        self.cancelled = threading.Event()  # set when the call is cancelled: work in a thread stops at its next step

    async def say(self, message: str | None = None) -> None:
        if message is not None:
            self.message = message
        try:
            await self._send(round(time.monotonic() - self.started, 3), None, self.message)
        except Exception:  # a client that went away cannot be told anything
            pass

    async def heartbeat(self) -> None:
        while True:
            await anyio.sleep(self.every)
            await self.say()


async def in_thread(progress: Progress, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run blocking prover work in a worker thread; a cancelled call returns at once and the thread
    stops at its next step (every prover call it makes obeys the call's deadline as well)."""
    try:
        return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kwargs), abandon_on_cancel=True)
    except BaseException:
        progress.cancelled.set()
        raise
