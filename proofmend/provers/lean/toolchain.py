"""Where the Lean toolchain is, and how to run it for one file.

``lean`` is found through ``PROOFMEND_LEAN`` (a path to the binary) or on
``PATH``; ``LEAN_PATH`` is passed through unchanged (a Lean built from source
does not find its own library without it).  A file inside a Lake project (a
``lakefile.lean`` or ``lakefile.toml`` in its folder or a parent) is checked
with ``lake env lean FILE`` and served by ``lake serve``, from the project's
root, so that its dependencies resolve as Lake resolves them.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..errors import ProverNotInstalledError

LEAN_ENV = "PROOFMEND_LEAN"
LAKEFILES = ("lakefile.lean", "lakefile.toml")
#: what lean says when it cannot find its own core library (a build from source without LEAN_PATH)
NO_CORE_LIBRARY = "unknown package 'Init'"


def no_core_library() -> ProverNotInstalledError:
    return ProverNotInstalledError(
        f"lean cannot find its core library ({NO_CORE_LIBRARY}): set LEAN_PATH to the toolchain's lib/lean")


def lean_binary() -> str:
    """The ``lean`` to run: ``$PROOFMEND_LEAN`` when set, else the one on PATH."""
    given = os.environ.get(LEAN_ENV)
    if given:
        if Path(given).is_file() and os.access(given, os.X_OK):
            return str(Path(given).resolve())
        raise ProverNotInstalledError(f"{LEAN_ENV}={given} is not an executable file")
    exe = shutil.which("lean")
    if exe is None:
        raise ProverNotInstalledError(
            f"lean not found: put a Lean 4 'lean' on PATH or name it in {LEAN_ENV} (and set LEAN_PATH where it needs one)")
    return exe


def have_lean() -> bool:
    try:
        lean_binary()
    except ProverNotInstalledError:
        return False
    return True


def lake_root(path: Path) -> Path | None:
    """The folder of the nearest lakefile at or above ``path``'s folder, or None."""
    start = Path(path).resolve()
    for d in ([start] if start.is_dir() else []) + list(start.parents):
        if any((d / name).is_file() for name in LAKEFILES):
            return d
    return None


@dataclass(frozen=True)
class Toolchain:
    """How to run Lean for files of one place: plain ``lean``, or through Lake in a Lake project."""

    root: Path  # the working directory: the Lake project's root, or the file's folder
    lake: str | None = None  # the lake binary where the file is in a Lake project

    @classmethod
    def for_file(cls, path: Path) -> "Toolchain":
        path = Path(path).resolve()
        root = lake_root(path)
        if root is None:
            lean_binary()  # fail early, with the message that says what to install
            return cls(path.parent)
        lake = shutil.which("lake")
        if lake is None:
            raise ProverNotInstalledError(f"{root} is a Lake project, but lake is not on PATH")
        return cls(root, lake)

    def check_command(self, file: Path) -> list[str]:
        """The batch check of ``file``: ``lean FILE`` (or ``lake env lean FILE``)."""
        if self.lake:
            return [self.lake, "env", "lean", str(file)]
        return [lean_binary(), str(file)]

    def server_command(self) -> list[str]:
        """The language server: ``lean --server`` (or ``lake serve``)."""
        if self.lake:
            return [self.lake, "serve"]
        return [lean_binary(), "--server"]

    def env(self) -> dict[str, str]:
        return dict(os.environ)
