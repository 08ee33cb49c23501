"""A client of Lean 4's own language server (``lean --server``, or ``lake serve``).

Only what both the 2021 pre-release this was tested against and current Lean
offer is used:

- ``initialize`` / ``initialized``, ``shutdown`` / ``exit`` (LSP);
- ``textDocument/didOpen``, ``textDocument/didChange`` with *range* changes
  (a full-text change makes both re-elaborate the file from its imports),
  ``textDocument/didClose`` (LSP);
- ``textDocument/publishDiagnostics`` with the document version (LSP);
- ``textDocument/waitForDiagnostics`` (Lean: answers once every diagnostic of
  a version has been published);
- ``$/lean/plainGoal`` (Lean: the goals at a position, as plain strings);
- ``textDocument/documentSymbol`` (LSP: the declarations, as Lean parses them).

Positions on the wire are LSP positions (0-based line, UTF-16 column); this
module speaks 1-based lines and 0-based *character* columns like the rest of
proofmend and converts.  JSON goes out as raw UTF-8 (the 2021 server misreads
``\\uXXXX`` escapes).

Every wait obeys a :class:`~proofmend.provers.deadline.Deadline`.  A server
that dies is :class:`ProverCrashError`; one that does not answer in time is
:class:`ProverTimeoutError` (the server is then killed: an elaboration in
progress cannot be interrupted through the protocol).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from ..deadline import Deadline, DeadlineReached
from ..diagnostics import Diagnostic
from ..errors import ProtocolError, ProverCrashError, ProverTimeoutError
from ..limits import Limits
from .toolchain import Toolchain

_SEVERITY = {1: "error", 2: "warning", 3: "info", 4: "info"}


def utf16_col(line: str, chars: int) -> int:
    """The UTF-16 column of character ``chars`` of ``line``."""
    return len(line[:chars].encode("utf-16-le")) // 2


def char_col(line: str, units: int) -> int:
    """The character column of UTF-16 column ``units`` of ``line``."""
    count = 0
    for i, ch in enumerate(line):
        if count >= units:
            return i
        count += 2 if ord(ch) > 0xFFFF else 1
    return len(line)


def lsp_position(text: str, line: int, col: int) -> dict:
    """LSP position of 1-based ``line``, character ``col`` in ``text``."""
    lines = text.split("\n")
    src = lines[line - 1] if 0 < line <= len(lines) else ""
    return {"line": line - 1, "character": utf16_col(src, col)}


def _from_lsp(lines: list[str], pos: dict) -> tuple[int, int]:
    ln = int(pos.get("line", 0))
    src = lines[ln] if 0 <= ln < len(lines) else ""
    return ln + 1, char_col(src, int(pos.get("character", 0)))


def to_diagnostic(text: str, d: dict, file: str = "") -> Diagnostic:
    lines = text.split("\n")
    rng = d.get("range") or {}
    line, col = _from_lsp(lines, rng.get("start") or {})
    end_line, end_col = _from_lsp(lines, rng.get("end") or rng.get("start") or {})
    return Diagnostic(_SEVERITY.get(d.get("severity", 1), "error"), str(d.get("message", "")).strip(),
                      line, col, end_line, end_col, file)


@dataclass(frozen=True)
class Symbol:
    """A declaration or namespace as the server's ``documentSymbol`` reports it (1-based lines)."""

    name: str
    kind: int
    start: tuple[int, int]  # (line, character)
    end: tuple[int, int]
    children: tuple["Symbol", ...] = ()


class LeanServer:
    """One language-server process and the documents opened in it."""

    def __init__(self, toolchain: Toolchain, limits: Limits = Limits(), deadline: Deadline | None = None):
        self.toolchain = toolchain
        self.limits = limits
        self._stderr = tempfile.TemporaryFile()
        try:
            self.proc = subprocess.Popen(toolchain.server_command(), cwd=toolchain.root, env=toolchain.env(),
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
                                         preexec_fn=limits.preexec(), start_new_session=True)
        except OSError as e:
            raise ProverCrashError(f"cannot start the Lean server: {e}") from None
        self._lock = threading.Condition()
        self._next_id = 0
        self._responses: dict[int, dict] = {}
        self._diagnostics: dict[str, tuple[int, list[dict]]] = {}  # uri -> (version, diagnostics)
        self._texts: dict[str, str] = {}
        self._versions: dict[str, int] = {}
        self._dead: str | None = None
        self._reader = threading.Thread(target=self._read_loop, name="lean-server-reader", daemon=True)
        self._reader.start()
        try:
            self.request("initialize", {"processId": None, "rootUri": Path(toolchain.root).as_uri(),
                                        "capabilities": {}}, deadline or Deadline.never(), limits.call_timeout_s)
        except BaseException:
            self.close()
            raise
        self.notify("initialized", {})

    # ------------------------------------------------------------ transport
    @property
    def alive(self) -> bool:
        return self._dead is None and self.proc.poll() is None

    def _stderr_tail(self) -> str:
        try:
            self._stderr.seek(0)
            tail = self._stderr.read().decode("utf-8", "replace").strip()[-400:]
        except (OSError, ValueError):
            return ""
        return f": {tail}" if tail else ""

    def _write(self, message: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}, ensure_ascii=False).encode("utf-8")
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError) as e:
            raise ProverCrashError(f"the Lean server is gone ({e}){self._stderr_tail()}") from None

    def _read_message(self) -> dict | None:
        out = self.proc.stdout
        assert out is not None
        length = None
        while True:
            line = out.readline()
            if not line:
                return None
            line = line.strip()
            if not line:
                break
            name, _, value = line.decode("ascii", "replace").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        if length is None:
            raise ProtocolError("a message from the Lean server has no Content-Length")
        body = out.read(length)
        if len(body) < length:
            return None
        return json.loads(body.decode("utf-8"))

    def _read_loop(self) -> None:
        why = "the Lean server closed its output"
        try:
            while True:
                msg = self._read_message()
                if msg is None:
                    break
                self._dispatch(msg)
        except (ProtocolError, ValueError, OSError) as e:
            why = f"the Lean server sent what this client cannot read: {e}"
        with self._lock:
            self._dead = why
            self._lock.notify_all()

    def _dispatch(self, msg: dict) -> None:
        if "id" in msg and "method" in msg:  # a request from the server: answer it, use nothing
            try:
                self._write({"id": msg["id"], "result": None})
            except ProverCrashError:
                pass
            return
        with self._lock:
            if "id" in msg:
                self._responses[msg["id"]] = msg
            elif msg.get("method") == "textDocument/publishDiagnostics":
                p = msg.get("params") or {}
                uri, version = p.get("uri", ""), p.get("version")
                old = self._diagnostics.get(uri)
                if version is None:
                    version = old[0] if old else 0
                new = list(p.get("diagnostics") or [])
                if old is not None and version == old[0]:
                    # one version is published as it is elaborated: keep the union (a server may send
                    # each command's messages, or all of them so far)
                    seen = {json.dumps(d, sort_keys=True) for d in old[1]}
                    new = old[1] + [d for d in new if json.dumps(d, sort_keys=True) not in seen]
                if old is None or version >= old[0]:
                    self._diagnostics[uri] = (version, new)
            self._lock.notify_all()

    def _wait(self, done, deadline: Deadline, timeout: float | None, what: str):
        """Wait until ``done()`` gives a value: at most ``timeout`` seconds, never past ``deadline``.

        Running out of time kills the server: Lean elaborating a command cannot be stopped otherwise.
        """
        own = Deadline(timeout)
        with self._lock:
            while True:
                value = done()
                if value is not None:
                    return value
                if self._dead is not None:
                    raise ProverCrashError(f"{self._dead} while waiting for {what}{self._stderr_tail()}")
                left = min(deadline.left(), own.left())
                if left <= 0:
                    break
                self._lock.wait(timeout=min(left, 0.5))
        self.kill()
        if deadline.passed:
            raise DeadlineReached(deadline.describe())
        raise ProverTimeoutError(f"the Lean server did not answer {what} within {timeout:g} s")

    def request(self, method: str, params: dict, deadline: Deadline, timeout: float | None = None) -> object:
        """Send a request and wait for its result (an error answer is :class:`ProtocolError`)."""
        deadline.cap()  # nothing is sent once the work's time is up
        with self._lock:
            self._next_id += 1
            rid = self._next_id
        self._write({"id": rid, "method": method, "params": params})
        msg = self._wait(lambda: self._responses.pop(rid, None), deadline, timeout, method)
        if "error" in msg:
            err = msg["error"] or {}
            raise ProtocolError(f"{method}: {err.get('message', 'error')} (code {err.get('code')})")
        return msg.get("result")

    def notify(self, method: str, params: dict) -> None:
        self._write({"method": method, "params": params})

    # ------------------------------------------------------------ documents
    def open(self, uri: str, text: str) -> int:
        self._texts[uri] = text
        self._versions[uri] = 1
        self.notify("textDocument/didOpen",
                    {"textDocument": {"uri": uri, "languageId": "lean", "version": 1, "text": text}})
        return 1

    def change(self, uri: str, text: str) -> int:
        """Make the document ``text``: one range change from the first character that differs to the end."""
        old = self._texts[uri]
        if text == old:
            return self._versions[uri]
        k = 0
        n = min(len(old), len(text))
        while k < n and old[k] == text[k]:
            k += 1
        line = old.count("\n", 0, k) + 1
        col = k - (old.rfind("\n", 0, k) + 1)
        end_line = old.count("\n") + 1
        end_col = len(old) - (old.rfind("\n") + 1)
        version = self._versions[uri] + 1
        self._texts[uri] = text
        self._versions[uri] = version
        self.notify("textDocument/didChange", {
            "textDocument": {"uri": uri, "version": version},
            "contentChanges": [{"range": {"start": lsp_position(old, line, col),
                                          "end": lsp_position(old, end_line, end_col)},
                                "text": text[k:]}],
        })
        return version

    def close_document(self, uri: str) -> None:
        self._texts.pop(uri, None)
        self._versions.pop(uri, None)
        with self._lock:
            self._diagnostics.pop(uri, None)
        if self.alive:
            self.notify("textDocument/didClose", {"textDocument": {"uri": uri}})

    def text(self, uri: str) -> str:
        return self._texts[uri]

    def diagnostics(self, uri: str, deadline: Deadline, timeout: float | None = None) -> list[Diagnostic]:
        """Every diagnostic of the document's current version, once Lean has elaborated all of it."""
        version = self._versions[uri]
        self.request("textDocument/waitForDiagnostics", {"uri": uri, "version": version}, deadline, timeout)
        with self._lock:
            got_version, raw = self._diagnostics.get(uri, (version, []))
        if got_version != version:
            raw = []  # nothing published for this version: no message at all
        text = self._texts[uri]
        return [to_diagnostic(text, d) for d in raw]

    def plain_goal(self, uri: str, line: int, col: int, deadline: Deadline,
                   timeout: float | None = None) -> list[str] | None:
        """The goals at 1-based ``line``, character ``col`` (``$/lean/plainGoal``); None where there is no tactic."""
        pos = lsp_position(self._texts[uri], line, col)
        r = self.request("$/lean/plainGoal", {"textDocument": {"uri": uri}, "position": pos}, deadline, timeout)
        if not r:
            return None
        return [str(g) for g in (r.get("goals") or [])]  # type: ignore[union-attr]

    def document_symbols(self, uri: str, deadline: Deadline, timeout: float | None = None) -> list[Symbol]:
        r = self.request("textDocument/documentSymbol", {"textDocument": {"uri": uri}}, deadline, timeout)
        lines = self._texts[uri].split("\n")

        def conv(s: dict) -> Symbol:
            rng = s.get("range") or {}
            return Symbol(str(s.get("name", "")), int(s.get("kind", 0)), _from_lsp(lines, rng.get("start") or {}),
                          _from_lsp(lines, rng.get("end") or {}), tuple(conv(c) for c in s.get("children") or []))

        return [conv(s) for s in (r or [])]  # type: ignore[union-attr]

    # ------------------------------------------------------------ lifecycle
    def kill(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)  # the server and the workers it started
            except (ProcessLookupError, PermissionError):
                self.proc.kill()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass

    def close(self) -> None:
        """``shutdown`` and ``exit``; killed when it does not go quietly."""
        if self.alive:
            try:
                self.request("shutdown", {}, Deadline.never(), 2.0)
                self.notify("exit", {})
                self.proc.wait(timeout=2.0)
            except (ProverCrashError, ProverTimeoutError, ProtocolError, DeadlineReached, subprocess.TimeoutExpired):
                pass
        self.kill()
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                if f is not None:
                    f.close()
            except OSError:
                pass
        self._stderr.close()

    def __enter__(self) -> "LeanServer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
