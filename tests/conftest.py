"""Shared fixtures: the real Coq is required for most tests."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HAVE_COQ = shutil.which("coqc") is not None and shutil.which("coqidetop.opt") is not None
needs_coq = pytest.mark.skipif(not HAVE_COQ, reason="Coq (coqc, coqidetop.opt) is not installed")
ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run the real command line in a subprocess (as a user would)."""
    return subprocess.run(
        [sys.executable, "-m", "proofmend.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def write(tmp_path: Path):
    """write("name.v", text) -> path, inside a fresh temporary directory."""

    def _write(name: str, text: str) -> Path:
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(text.encode("utf-8"))
        return p

    return _write
