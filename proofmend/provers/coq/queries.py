"""Asking Coq about a compiled library: one coqidetop process, many queries.

The audit needs answers that depend on earlier answers (the assumptions Coq
prints, then what each of them is), so it talks to a live ``coqidetop``: the
library is loaded once with ``Require``, then ``Search``, ``About``, ``Print``,
``Print Assumptions`` and ``Locate`` are sent one at a time, each answer read
as the list of messages Coq printed for it.
"""

from __future__ import annotations

import time
from pathlib import Path

from ..errors import ProtocolError, ProverCrashError, ProverTimeoutError
from ..limits import Limits
from . import xmlproto as wire
from .idetop import IdeTopProcess
from .project import CoqProject


class QueryError(Exception):
    """Coq refused a query or a loading command (the message is Coq's)."""


class CoqQueries:
    """A coqidetop process with ``commands`` executed, answering queries."""

    def __init__(self, project: CoqProject, commands: list[str], limits: Limits = Limits(),
                 query_timeout: float = 60.0, topfile: Path | None = None):
        self.query_timeout = query_timeout
        self._proc = IdeTopProcess(project, limits, topfile)
        self._adapter: wire.ProtocolAdapter = wire.ProtocolAdapter()
        try:
            about = self._proc.call(self._adapter.about(), 30)
            if about.ok:
                self._adapter = wire.adapter_for(wire.decode_protocol_version(about.value))  # type: ignore[arg-type]
            init = self._proc.call(self._adapter.init(), 30)
            if not init.ok:
                raise ProverCrashError(f"coqidetop refused Init: {init.value}")
            tip = int(init.value.find("state_id").get("val"))  # type: ignore[union-attr]
            deadline = time.monotonic() + limits.timeout_s
            for command in commands:
                r = self._proc.call(self._adapter.add(command, tip), max(1.0, deadline - time.monotonic()))
                if not r.ok:
                    raise QueryError(f"{command}: {r.value.message}")  # type: ignore[union-attr]
                tip = wire.decode_add(r.value)  # type: ignore[arg-type]
            st = self._proc.call(self._adapter.status(True), max(1.0, deadline - time.monotonic()))
            if not st.ok:
                raise QueryError(st.value.message)  # type: ignore[union-attr]
            self._tip = tip
        except BaseException:
            self.close()
            raise

    def add(self, sentence: str) -> None:
        """Add one more sentence at the tip (it runs when the next query needs it)."""
        r = self._proc.call(self._adapter.add(sentence, self._tip), self.query_timeout)
        if not r.ok:
            raise QueryError(f"{sentence.strip()[:80]}: {r.value.message}")  # type: ignore[union-attr]
        self._tip = wire.decode_add(r.value)  # type: ignore[arg-type]

    def add_loadpath(self, folder: str, logical: str) -> None:
        """Bind ``folder`` to the logical name ``logical`` (as ``-Q`` does) from here on."""
        self.add(f'Add LoadPath "{folder.replace(chr(34), chr(34) * 2)}" as {logical}.')

    def ask(self, command: str) -> list[str]:
        """The messages Coq prints for ``command`` (a query); raises :class:`QueryError` when it fails."""
        r = self._proc.call(self._adapter.query(command, self._tip), self.query_timeout)
        texts = [m.text for m in r.messages if m.level in ("notice", "info")]
        if not r.ok:
            raise QueryError(r.value.message or f"{command} failed")  # type: ignore[union-attr]
        return texts

    def ask_text(self, command: str) -> str:
        return "\n".join(self.ask(command))

    def close(self) -> None:
        self._proc.close()

    def __enter__(self) -> "CoqQueries":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = ["CoqQueries", "QueryError", "ProtocolError", "ProverCrashError", "ProverTimeoutError"]
