"""Trajectories: one JSON object per line, each with an "event" field.

A model call is ``{"event": "model_call", "messages", "reply", "tokens_in",
"tokens_out", "cost_usd", "seconds"}``; a check is ``{"event": "check",
"theorem", "proof", "ok", "error", "goals", "seconds"}``.  Other events
(``hole_start``, ``hole_end``, ``audit``) carry what they say.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any


class Trace:
    """Appends events to a JSONL file (or nowhere, with ``path=None``)."""

    def __init__(self, path: Path | str | None):
        self.path = Path(path) if path else None
        self._fh = open(self.path, "a", encoding="utf-8") if self.path else None
        self._lock = threading.Lock()
        self.events = 0

    def __enter__(self) -> "Trace":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def emit(self, event: str, **fields: Any) -> None:
        self.events += 1
        if self._fh is None:
            return
        record = {"event": event, "time": round(time.time(), 3), **fields}
        line = json.dumps(record, ensure_ascii=False, default=str)
        with self._lock:
            self._fh.write(line + "\n")
            self._fh.flush()

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
