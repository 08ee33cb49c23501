"""A coqidetop process speaking the XML protocol over stdin/stdout.

This is transport only: start, send a call, read until its ``<value>``
(collecting the feedback that arrives meanwhile), interrupt, kill.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from ..errors import ProtocolError, ProverCrashError, ProverNotInstalledError, ProverStartError, ProverTimeoutError
from ..limits import Limits
from . import xmlproto as wire
from .project import CoqProject


def idetop_binary() -> str:
    for name in ("coqidetop.opt", "coqidetop"):
        exe = shutil.which(name)
        if exe:
            return exe
    raise ProverNotInstalledError("coqidetop not found on PATH (install Coq, e.g. 'apt-get install coq')")


@dataclass
class Reply:
    ok: bool
    value: ET.Element | wire.Failure
    messages: list[wire.Message] = field(default_factory=list)


class IdeTopProcess:
    """One ``coqidetop -main-channel stdfds`` process."""

    def __init__(self, project: CoqProject, limits: Limits = Limits(), topfile: Path | None = None):
        """``topfile``: the file the session stands for, so the module is named as ``coqc`` names it
        (a file may refer to its own definitions by its module name)."""
        self.project = project
        self.limits = limits
        self._stderr = tempfile.TemporaryFile()
        # Without command error resilience (on by default in coqidetop) a command that fails (a
        # Definition that no longer checks) fails the next Goal/Status instead of being skipped.
        cmd = [idetop_binary(), "-main-channel", "stdfds", "-async-proofs-command-error-resilience", "off",
               *project.coq_flags(session=True), *(["-topfile", str(topfile)] if topfile is not None else [])]
        self.proc = subprocess.Popen(
            cmd,
            cwd=project.root,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            preexec_fn=limits.preexec(),
        )
        self._answered = False  # a process gone before its first answer would not start
        self._parser = ET.XMLPullParser(events=("start", "end"))
        self._parser.feed("<stream>")
        self._depth = 0
        self._ready: list[ET.Element] = []
        self._carry = ""

    # ------------------------------------------------------------ plumbing
    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def send(self, xml: str) -> None:
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.write(xml.encode("utf-8") + b"\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as e:
            self._not_started()
            raise ProverCrashError(f"coqidetop is gone ({e}){self._stderr_tail()}") from None

    def _not_started(self) -> None:
        """Raise :class:`ProverStartError` (Coq's own words) when the process ended before it ever answered."""
        if self._answered:
            return
        try:
            self.proc.wait(timeout=5)
            self._stderr.seek(0)
            lines = self._stderr.read().decode("utf-8", "replace").strip().splitlines()
        except (OSError, subprocess.TimeoutExpired):
            return
        if self.proc.returncode and lines:
            why = next((ln for ln in lines if ln.strip()), lines[0]).strip()
            raise ProverStartError(f"coqidetop will not start with the flags of "
                                   f"{self.project.project_file or self.project.root}: {why.removeprefix('Error: ')}")

    def _stderr_tail(self) -> str:
        try:
            self._stderr.seek(0)
            tail = self._stderr.read().decode("utf-8", "replace").strip().splitlines()[-3:]
        except OSError:
            return ""
        return (": " + " | ".join(tail)) if tail else ""

    def _feed(self, data: str) -> None:
        data = self._carry + data
        amp = data.rfind("&")
        if amp != -1 and ";" not in data[amp:]:
            data, self._carry = data[:amp], data[amp:]
        else:
            self._carry = ""
        try:
            self._parser.feed(wire.fix_entities(data))
            for event, elem in self._parser.read_events():
                if event == "start":
                    self._depth += 1
                else:
                    self._depth -= 1
                    if self._depth == 1:
                        self._ready.append(elem)
        except ET.ParseError as e:
            raise ProtocolError(f"unreadable answer from coqidetop: {e}") from None

    def _next_element(self, deadline: float) -> ET.Element | None:
        """Next top-level element, or None if ``deadline`` passes first."""
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        while not self._ready:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([fd], [], [], left)
            if not r:
                continue
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                self._not_started()
                self.proc.wait(timeout=5)
                code = self.proc.returncode
                raise ProverCrashError(f"coqidetop exited (code {code}){self._stderr_tail()}")
            self._feed(chunk.decode("utf-8", "replace"))
        return self._ready.pop(0)

    def read_reply(self, timeout: float) -> Reply | None:
        """Read until the ``<value>`` answering the last call; None on timeout."""
        deadline = time.monotonic() + timeout
        messages: list[wire.Message] = []
        while True:
            elem = self._next_element(deadline)
            if elem is None:
                return None
            if elem.tag == "feedback":
                m = wire.decode_message(elem)
                if m is not None:
                    messages.append(m)
                continue
            if elem.tag == "value":
                self._answered = True
                ok, payload = wire.decode_value(elem)
                return Reply(ok, payload, messages)
            if elem.tag == "message":  # some versions send bare messages
                messages.append(wire.Message("notice", wire.pp_text(elem)))
                continue

    def call(self, xml: str, timeout: float) -> Reply:
        """Send a call and wait for its answer; interrupt (then kill) past ``timeout``."""
        self.send(xml)
        reply = self.read_reply(timeout)
        if reply is not None:
            return reply
        self.interrupt()
        reply = self.read_reply(self.limits.interrupt_grace_s)
        if reply is not None:
            if reply.ok:
                return reply
            return Reply(False, wire.Failure(reply.value.state_id, f"Timeout: no answer within {timeout:g} s (interrupted)"), reply.messages)  # type: ignore[union-attr]
        self.kill()
        raise ProverTimeoutError(f"coqidetop did not answer within {timeout:g} s, even after an interrupt")

    def interrupt(self) -> None:
        if self.alive:
            try:
                os.kill(self.proc.pid, signal.SIGINT)
            except ProcessLookupError:
                pass

    def kill(self) -> None:
        if self.alive:
            self.proc.kill()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                if stream:
                    stream.close()
            except OSError:
                pass
        self._stderr.close()

    def close(self) -> None:
        if self.alive:
            try:
                assert self.proc.stdin is not None
                self.proc.stdin.close()
                self.proc.wait(timeout=2)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self.kill()
