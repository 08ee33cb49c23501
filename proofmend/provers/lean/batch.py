"""The Lean batch check: ``lean FILE`` (``lake env lean FILE`` in a Lake project).

Both the 2021 pre-release and current Lean print one message per
``FILE:LINE:COL: severity: text`` header, the text going on over the lines
that follow; ``--json`` exists only in current Lean, so the plain form is what
is read (:func:`parse_plain`).  :func:`parse_messages` reads ``--json`` output
where a caller has it.  Columns are characters, lines 1-based.

A hole is a ``declaration uses 'sorry'`` warning: Lean's account, not a search
of the text.
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
import time
from pathlib import Path

from ..diagnostics import CheckResult, Diagnostic, Hole
from ..errors import InputError
from ..limits import Limits
from .locator import parse_lean
from .toolchain import NO_CORE_LIBRARY, Toolchain, no_core_library

SORRY_WARNING = "declaration uses 'sorry'"

_HEADER = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+):\s(?:(?P<sev>error|warning|info|information):\s?)?(?P<msg>.*)$")


def parse_messages(output: str) -> list[Diagnostic]:
    """Diagnostics from ``lean --json`` output: ``{"severity", "pos": {"line", "column"}, "endPos", "data"}``."""
    out: list[Diagnostic] = []
    for line in output.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            msg = json.loads(line)
        except json.JSONDecodeError:
            continue
        pos = msg.get("pos") or {}
        end = msg.get("endPos") or pos
        out.append(Diagnostic(
            severity={"information": "info"}.get(msg.get("severity", "error"), msg.get("severity", "error")),
            message=str(msg.get("data", "")).strip(),
            line=int(pos.get("line", 0)), col=int(pos.get("column", 0)),
            end_line=int(end.get("line", 0)), end_col=int(end.get("column", 0)),
            file=str(msg.get("fileName", "")),
        ))
    return out


def parse_plain(output: str, file: str) -> list[Diagnostic]:
    """Diagnostics from ``lean FILE`` output; a header must name ``file`` (other lines continue a message)."""
    out: list[Diagnostic] = []
    current: dict | None = None

    def flush() -> None:
        if current is not None:
            text = "\n".join(current["lines"]).strip()
            out.append(Diagnostic(current["sev"], text, current["line"], current["col"], current["line"],
                                  current["col"], file))

    for raw in output.splitlines():
        m = _HEADER.match(raw)
        if m and (m.group("file") == file or Path(m.group("file")).name == Path(file).name):
            flush()
            sev = {"information": "info", None: "info"}.get(m.group("sev"), m.group("sev"))
            current = {"sev": sev, "line": int(m.group("line")), "col": int(m.group("col")), "lines": [m.group("msg")]}
        elif current is not None:
            current["lines"].append(raw)
    flush()
    return out


def run_lean(toolchain: Toolchain, file: Path, limits: Limits) -> tuple[list[Diagnostic], int | None, float, str]:
    """(diagnostics, exit code or None on timeout, seconds, output) of one batch check of ``file``."""
    t0 = time.monotonic()
    try:
        proc = subprocess.run(toolchain.check_command(file), cwd=toolchain.root, env=toolchain.env(),
                              capture_output=True, text=True, timeout=limits.timeout_s,
                              preexec_fn=limits.preexec())
    except subprocess.TimeoutExpired:
        return [], None, time.monotonic() - t0, ""
    output = proc.stdout + ("\n" + proc.stderr if proc.stderr.strip() else "")
    diags = parse_plain(output, str(file))
    if any(d.line == 1 and d.message.startswith(NO_CORE_LIBRARY) for d in diags):
        raise no_core_library()
    return diags, proc.returncode, time.monotonic() - t0, output


def check_text(text: str, toolchain: Toolchain, limits: Limits, name: str = "Check.lean"
               ) -> tuple[list[Diagnostic], int | None, float, str]:
    """:func:`run_lean` on ``text`` written to a private folder (the user's tree is never written)."""
    with tempfile.TemporaryDirectory(prefix="proofmend-lean-") as tmp:
        f = Path(tmp) / name
        f.write_bytes(text.encode("utf-8"))
        return run_lean(toolchain, f, limits)


def check_lean_file(path: Path, limits: Limits = Limits()) -> CheckResult:
    """Batch-check ``path``: every message, and each declaration that uses ``sorry`` as a hole."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"cannot read {path}: {getattr(e, 'strerror', None) or e}") from None
    doc = parse_lean(text, str(path))
    toolchain = Toolchain.for_file(path)
    diags, rc, seconds, output = check_text(text, toolchain, limits, path.name)
    if rc is None:
        return CheckResult(False, (Diagnostic("error", f"lean timed out after {limits.timeout_s:g} s", 0, 0, 0, 0),),
                           (), seconds=seconds, timed_out=True)
    holes = []
    for d in diags:
        if SORRY_WARNING in d.message:
            decl = doc.decl_at_line(d.line)
            holes.append(Hole(decl.label if decl else "", d.line, "sorry"))
    compiled = rc == 0 and not any(d.severity == "error" for d in diags)
    if rc != 0 and not diags:
        diags = [Diagnostic("error", output.strip()[-500:] or f"lean exited with code {rc}", 0, 0, 0, 0)]
    return CheckResult(compiled, tuple(diags), tuple(holes), stdout=output, seconds=seconds)
