"""Lean 4 batch checking through ``lake env lean --json`` (one JSON message per line).

This backend only checks files; the live REPL session and proof mending are not
implemented.  Without ``lake`` on PATH every entry point raises
:class:`ProverNotInstalledError` — nothing here pretends to have checked a file.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from ..diagnostics import CheckResult, Diagnostic, Hole
from ..errors import ProverNotInstalledError
from ..limits import Limits


def lake_binary() -> str:
    exe = shutil.which("lake")
    if exe is None:
        raise ProverNotInstalledError("lake not found on PATH: the Lean backend needs a Lean 4 toolchain (elan)")
    return exe


def parse_messages(output: str) -> list[Diagnostic]:
    """Diagnostics from ``lean --json`` output: ``{"severity", "pos": {"line", "column"}, "endPos", "data"}``.

    Lean's columns are already in characters (codepoints); lines are 1-based.
    """
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


def check_lean_file(path: Path, limits: Limits = Limits()) -> CheckResult:
    """Run ``lake env lean --json FILE`` in the file's folder."""
    exe = lake_binary()
    path = Path(path).resolve()
    try:
        proc = subprocess.run([exe, "env", "lean", "--json", str(path)], cwd=path.parent, capture_output=True,
                              text=True, timeout=limits.timeout_s, preexec_fn=limits.preexec())
    except subprocess.TimeoutExpired:
        return CheckResult(False, (Diagnostic("error", f"lean timed out after {limits.timeout_s:g} s", 0, 0, 0, 0),), (), timed_out=True)
    diags = parse_messages(proc.stdout)
    sorries = [d for d in diags if "declaration uses 'sorry'" in d.message]
    return CheckResult(
        compiled=proc.returncode == 0 and not any(d.severity == "error" for d in diags),
        diagnostics=tuple(diags),
        holes=tuple(Hole("", d.line, "sorry") for d in sorries),
        stdout=proc.stdout,
    )
