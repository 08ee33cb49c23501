"""Checks of command-line input, each failing with one :class:`InputError` line (exit 2).

They run before any work, so a bad option never costs a compile, never hangs
on a FIFO or a device, and never leaves a half-written file.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .provers.errors import InputError


def at_least(option: str, value: float, least: float) -> None:
    if value < least:
        raise InputError(f"{option} must be at least {least:g}, not {value:g}")


def positive(option: str, value: float) -> None:
    if not value > 0:
        raise InputError(f"{option} must be more than 0, not {value:g}")


def source_file(path: Path, suffix: str = ".v") -> None:
    """``path`` is an existing regular file ending in ``suffix`` (not a folder, a FIFO or a device)."""
    if path.suffix != suffix:
        raise InputError(f"not a Coq file (expected {suffix}): {path}")
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise InputError(f"no such file: {path}") from None
    except OSError as e:
        raise InputError(f"cannot read {path}: {e.strerror}") from None
    if stat.S_ISDIR(mode):
        raise InputError(f"is a directory, expected a {suffix} file: {path}")
    if not stat.S_ISREG(mode):
        raise InputError(f"not a regular file (a FIFO, a socket or a device): {path}")


def source_path(path: Path) -> None:
    """A file to mend (as :func:`source_file`) or a project folder."""
    if path.is_dir():
        return
    if not path.exists() and not path.is_symlink():
        raise InputError(f"no such file or directory: {path}")
    source_file(path)


def output_file(option: str, path: Path) -> None:
    """``path`` can be created or appended to: its folder exists and it is not a folder itself."""
    if path.is_dir():
        raise InputError(f"{option} {path} is a directory, expected a file")
    if path.exists() and not path.is_file():
        raise InputError(f"{option} {path} is not a regular file")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"{option} {path}: no folder {folder}")
    if not os.access(folder, os.W_OK | os.X_OK) and not path.exists():
        raise InputError(f"{option} {path}: folder {folder} is not writable")


def output_folder(option: str, path: Path) -> None:
    """``path`` is a folder or can be made one (it is not an existing file)."""
    if path.exists() and not path.is_dir():
        raise InputError(f"{option} {path} exists and is not a directory")


def writable_sources(path: Path) -> None:
    """``repair --write`` can replace files under ``path``: their folder takes new files."""
    folder = path if path.is_dir() else (path.parent if str(path.parent) else Path("."))
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(f"--write: cannot write into {folder} (read-only); nothing was mended or written")
