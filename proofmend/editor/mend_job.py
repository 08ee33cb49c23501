"""One mend in its own process group, so that cancelling it ends every prover it started.

The language server starts ``python -m proofmend.editor.mend_job`` per mend,
in a new session, with the request as JSON on stdin; the child runs
:func:`proofmend.editor.api.mend_proof_at` and writes ``{"result": ...}`` or
``{"error": message}`` as JSON on stdout.  Cancelling sends SIGTERM and then
SIGKILL to the whole process group: the child, its ``coqidetop`` sessions and
any ``coqc`` compile.  The child's temporary files (the private copy of the
buffer's project) live in a folder of the job's own, removed by the server
whatever way the child ended.  A child whose server has gone away ends its
group by itself.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from dataclasses import asdict
from pathlib import Path

from ..agent.config import AgentConfig
from .api import MendResult, mend_proof_at

GRACE_S = 1.0  # between SIGTERM and SIGKILL of a cancelled job's group
ORPHAN_POLL_S = 0.5  # how often the child checks that its server is still there


class MendCancelled(Exception):
    """The mend was cancelled from the client (or the server is shutting down)."""


class MendFailed(Exception):
    """The mend could not run: bad input, a missing prover, a model that cannot be used, a crash."""


class MendJob:
    """A running mend: start it with :meth:`start`, await :meth:`result`, end it early with :meth:`cancel`."""

    def __init__(self, path: Path, line: int, character: int, text: str, config: AgentConfig,
                 deadline_s: float | None = None):
        self.request = json.dumps({"path": str(path), "line": line, "character": character, "text": text,
                                   "config": config.model_dump(mode="json")}).encode("utf-8")
        self.deadline_s = deadline_s if deadline_s is not None else config.timeout_s + config.compile_timeout_s + 60
        self.tmp: Path | None = None  # made when the process starts
        self.proc: asyncio.subprocess.Process | None = None
        self.cancelled = False

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    async def start(self) -> None:
        if self.cancelled:
            raise MendCancelled()
        self.tmp = Path(tempfile.mkdtemp(prefix="proofmend-mend-"))
        env = dict(os.environ, TMPDIR=str(self.tmp))
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "proofmend.editor.mend_job",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            env=env, start_new_session=True)
        if self.cancelled:  # cancelled while the process was being started
            self.cancelled = False
            self.cancel()

    async def result(self) -> MendResult | None:
        """Wait for the child; raise MendCancelled, or MendFailed with its message."""
        assert self.proc is not None, "start() first"
        try:
            out, err = await asyncio.wait_for(self.proc.communicate(self.request), self.deadline_s)
        except asyncio.TimeoutError:
            self.kill()
            await self.proc.wait()
            raise MendFailed(f"the mend took longer than {self.deadline_s:.0f} s and was stopped") from None
        except asyncio.CancelledError:  # the awaiting task itself was cancelled
            self.kill()
            raise
        finally:
            if self.proc.returncode is not None and self.tmp is not None:
                shutil.rmtree(self.tmp, ignore_errors=True)
        if self.cancelled:
            raise MendCancelled()
        try:
            answer = json.loads(out.decode("utf-8"))
        except ValueError:
            tail = err.decode("utf-8", "replace").strip().splitlines()[-3:]
            raise MendFailed(f"the mend process ended with code {self.proc.returncode}: {' | '.join(tail)}") from None
        if "error" in answer:
            raise MendFailed(answer["error"])
        return _result_from_json(answer["result"])

    def cancel(self) -> None:
        """End the child and every process of its group (SIGTERM, then SIGKILL after a grace period)."""
        if self.cancelled or (self.proc is not None and self.proc.returncode is not None):
            return
        self.cancelled = True
        if self.proc is None:
            return  # start() will not start it
        _signal_group(self.proc.pid, signal.SIGTERM)
        asyncio.get_running_loop().call_later(GRACE_S, _signal_group, self.proc.pid, signal.SIGKILL)

    def kill(self) -> None:
        if self.proc is not None:
            _signal_group(self.proc.pid, signal.SIGKILL)


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _result_from_json(data: dict | None) -> MendResult | None:
    if data is None:
        return None
    data = dict(data, replace_start=tuple(data["replace_start"]), replace_end=tuple(data["replace_end"]))
    return MendResult(**data)


# ------------------------------------------------------------------ the child

def _end_group_when_orphaned(parent: int) -> None:
    """End this mend (its temporary folder, then its whole process group) once its server is gone."""
    tmp = os.environ.get("TMPDIR", "")
    while True:
        time.sleep(ORPHAN_POLL_S)
        if os.getppid() != parent:
            if tmp and Path(tmp).name.startswith("proofmend-mend-"):
                shutil.rmtree(tmp, ignore_errors=True)
            os.killpg(0, signal.SIGKILL)


def main() -> None:
    # The answer goes to the real stdout; anything else printed (by us or a prover) goes to stderr.
    answer_out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwind: sessions closed, temp copies removed
    threading.Thread(target=_end_group_when_orphaned, args=(os.getppid(),), daemon=True).start()
    try:
        req = json.loads(sys.stdin.buffer.read().decode("utf-8"))
        config = AgentConfig.model_validate(req["config"])
        res = mend_proof_at(Path(req["path"]), int(req["line"]), int(req["character"]), req["text"], config)
        answer: dict = {"result": asdict(res) if res is not None else None}
    except Exception as e:  # reported to the client as one message
        answer = {"error": str(e) or type(e).__name__}
    answer_out.write(json.dumps(answer))
    answer_out.flush()


if __name__ == "__main__":
    main()
