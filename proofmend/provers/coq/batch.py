"""Batch checking with ``coqc``: diagnostics as typed values, holes, builds."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from ..diagnostics import CheckResult, Diagnostic, Hole  # noqa: F401 (CheckResult: its importers find it here too)
from ..errors import InputError, ProverNotInstalledError, ProverStartError
from ..limits import Limits
from .locator import CoqDocument, parse_document
from .project import CoqProject
from .sentences import SplitError

_HEADER = re.compile(r'^File "(?P<file>[^"]*)", line (?P<line>\d+), characters (?P<a>\d+)-(?P<b>\d+):\s*$')
_SEVERITY = re.compile(r"^(?P<sev>Error|Warning|Info)(?:\s*\(in proof [^)]*\))?:\s?(?P<msg>.*)$", re.S)


def coqc_binary() -> str:
    exe = shutil.which("coqc")
    if exe is None:
        raise ProverNotInstalledError("coqc not found on PATH (install Coq, e.g. 'apt-get install coq')")
    return exe


class ByteColumns:
    """Convert Coq's (line, byte offset in line) positions to character columns."""

    def __init__(self, text: str):
        self.lines = text.split("\n")
        self._line_bytes = [len(ln.encode("utf-8")) + 1 for ln in self.lines]

    def position(self, line: int, byte_col: int) -> tuple[int, int]:
        """(1-based line, 0-based char col) for a byte offset counted from the start of ``line``.

        Coq counts multi-line spans from the start line's beginning, so an
        offset may run past that line: walk forward line by line.
        """
        idx = max(0, min(line - 1, len(self.lines) - 1))
        while idx < len(self.lines) - 1 and byte_col >= self._line_bytes[idx]:
            byte_col -= self._line_bytes[idx]
            idx += 1
        raw = self.lines[idx].encode("utf-8")[:byte_col]
        return idx + 1, len(raw.decode("utf-8", errors="ignore"))


def parse_diagnostics(output: str, source_text: str | None, source_path: str | None = None) -> list[Diagnostic]:
    """Parse coqc's output into diagnostics (errors, warnings), converting columns."""
    conv = ByteColumns(source_text) if source_text is not None else None
    blocks: list[tuple[re.Match | None, list[str]]] = []
    for raw in output.splitlines():
        m = _HEADER.match(raw)
        if m:
            blocks.append((m, []))
        elif raw.startswith(("Error:", "Warning:")) and (not blocks or blocks[-1][1]):
            blocks.append((None, [raw]))
        elif blocks:
            blocks[-1][1].append(raw)
    out: list[Diagnostic] = []
    for m, lines in blocks:
        text = "\n".join(lines).strip()
        sm = _SEVERITY.match(text)
        if not sm:
            continue  # plain output (Print, Check, ...) that happens to follow a header
        sev = sm.group("sev").lower()
        msg = sm.group("msg").strip()
        if m is None:
            out.append(Diagnostic(sev, msg, 0, 0, 0, 0, ""))
            continue
        line, a, b = int(m.group("line")), int(m.group("a")), int(m.group("b"))
        same_file = source_path is None or _same_file(m.group("file"), source_path)
        if conv is not None and same_file:
            l1, c1 = conv.position(line, a)
            l2, c2 = conv.position(line, b)
        else:
            l1, c1, l2, c2 = line, a, line, b
        out.append(Diagnostic(sev, msg, l1, c1, l2, c2, m.group("file")))
    return out


def _same_file(reported: str, path: str) -> bool:
    try:
        return os.path.samefile(reported, path) or Path(reported).name == Path(path).name
    except OSError:
        return Path(reported).name == Path(path).name


def holes_of(doc: CoqDocument) -> list[Hole]:
    out = []
    for p in doc.proofs:
        kind = p.hole_kind
        if kind:
            out.append(Hole(p.qualname or p.name or "Goal", doc.line_of(p.statement.start), kind))
    return out


def run_coqc(
    project: CoqProject,
    source: Path,
    limits: Limits = Limits(),
    output: Path | None = None,
    extra_args: list[str] | None = None,
) -> tuple[int | None, str, float]:
    """Run coqc on ``source``; return (returncode or None on timeout, output, seconds)."""
    cmd = [coqc_binary(), *project.coq_flags(), *(extra_args or [])]
    if output is not None:
        cmd += ["-o", str(output)]
    cmd.append(str(source))
    t0 = time.monotonic()
    try:
        proc = subprocess.run(
            cmd,
            cwd=project.root,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            timeout=limits.timeout_s,
            preexec_fn=limits.preexec(),
        )
    except subprocess.TimeoutExpired as e:
        out = (e.output or b"").decode("utf-8", "replace")
        return None, out, time.monotonic() - t0
    out = proc.stdout.decode("utf-8", "replace")
    refused = refused_flags(out) if proc.returncode != 0 else None
    if refused is not None:
        raise ProverStartError(f"coqc will not start with the flags of {project.project_file or project.root}: "
                               f"{refused}")
    return proc.returncode, out, time.monotonic() - t0


def refused_flags(output: str) -> str | None:
    """Coq's error when it stopped at its command line, before reading any file (no file position), else None."""
    for line in output.splitlines():
        if line.startswith('File "'):
            return None
        if line.startswith("Error:"):
            return line[len("Error:"):].strip() or "error"
    return None


def compile_text(
    project: CoqProject,
    text: str,
    name: str,
    limits: Limits = Limits(),
    workdir: Path | None = None,
) -> tuple[int | None, str, float, Path]:
    """Compile ``text`` as a file called ``name`` in a private temp directory.

    The project's own files and build products are never touched.  Returns
    (returncode or None on timeout, output, seconds, temp path of the source).
    """
    tmp = Path(tempfile.mkdtemp(prefix="proofmend-", dir=workdir))
    src = tmp / name
    src.write_text(text, encoding="utf-8")
    rc, out, secs = run_coqc(project, src, limits, output=src.with_suffix(".vo"))
    return rc, out, secs, src


def read_source(path: Path) -> str:
    try:
        # Bytes, then decode: text mode would translate line endings.
        return path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise InputError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise InputError(f"is a directory, expected a .v file: {path}") from None
    except UnicodeDecodeError:
        raise InputError(f"not UTF-8 text: {path}") from None
    except OSError as e:
        raise InputError(f"cannot read {path}: {e.strerror}") from None


def parse_source(path: Path, text: str) -> CoqDocument:
    try:
        return parse_document(text)
    except SplitError as e:
        line = text.count("\n", 0, e.offset) + 1
        raise InputError(f"{path}:{line}: cannot parse: {e}") from None
