"""What changed in a git repository since a revision, read with git itself.

Nothing here writes to the working tree or the index: old versions are read
with ``git show`` and ``git archive``.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

from ..provers.errors import InputError

GIT_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class Change:
    """One file that differs between a revision and the working tree."""

    status: str  # "added" | "modified" | "deleted" | "renamed"
    path: Path | None  # in the working tree (None when deleted)
    old_path: str | None  # relative to the repository's top, at the revision (None when added)


class GitRepo:
    """A git working tree, and one revision of it to compare with."""

    def __init__(self, top: Path):
        self.top = top

    @classmethod
    def containing(cls, path: Path) -> "GitRepo":
        """The repository holding ``path``; bad input (no git, not a repository) raises InputError."""
        if shutil.which("git") is None:
            raise InputError("git is not installed (needed for --since)")
        where = path if path.is_dir() else path.parent
        proc = _git(["rev-parse", "--show-toplevel"], where, check=False)
        if proc.returncode != 0:
            raise InputError(f"not inside a git repository: {path}")
        return cls(Path(proc.stdout.decode().strip()).resolve())

    def resolve(self, rev: str) -> str:
        """The commit ``rev`` names; an unknown revision raises InputError."""
        if not rev or rev.startswith("-"):
            raise InputError(f"not a git revision: {rev!r}")
        proc = _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], self.top, check=False)
        if proc.returncode != 0:
            raise InputError(f"unknown git revision: {rev}")
        return proc.stdout.decode().strip()

    def relative(self, path: Path) -> str:
        """``path`` relative to the repository's top (absolute when outside it)."""
        p = Path(path).resolve()
        try:
            return p.relative_to(self.top).as_posix()
        except ValueError:
            return str(p)

    def changes(self, commit: str, suffix: str = ".v") -> list[Change]:
        """Files ending in ``suffix`` that differ between ``commit`` and the working tree (untracked ones too)."""
        out = _git(["diff", "--name-status", "-M", "-z", "--no-ext-diff", commit, "--"], self.top).stdout.decode()
        fields = out.split("\0")
        changes: list[Change] = []
        i = 0
        while i < len(fields) and fields[i]:
            code = fields[i]
            if code.startswith(("R", "C")):
                old, new = fields[i + 1], fields[i + 2]
                i += 3
                kind = "renamed" if code.startswith("R") else "added"
                changes.append(Change(kind, self.top / new, old if kind == "renamed" else None))
                continue
            name = fields[i + 1]
            i += 2
            if code.startswith("D"):
                changes.append(Change("deleted", None, name))
            elif code.startswith("A"):
                changes.append(Change("added", self.top / name, None))
            else:
                changes.append(Change("modified", self.top / name, name))
        untracked = _git(["ls-files", "--others", "--exclude-standard", "-z"], self.top).stdout.decode()
        changes += [Change("added", self.top / n, None) for n in untracked.split("\0") if n]
        return [c for c in changes if (c.path.name if c.path else c.old_path or "").endswith(suffix)]

    def show(self, commit: str, rel: str) -> str | None:
        """The text of ``rel`` at ``commit`` (None when it did not exist there)."""
        proc = _git(["show", f"{commit}:{rel}"], self.top, check=False)
        if proc.returncode != 0:
            return None
        return proc.stdout.decode("utf-8", "replace")

    def export(self, commit: str, rel_dir: str, dest: Path) -> Path:
        """Write the tree of ``rel_dir`` at ``commit`` under ``dest``; returns where ``rel_dir`` landed."""
        args = ["archive", "--format=tar", commit] + ([rel_dir] if rel_dir not in ("", ".") else [])
        proc = _git(args, self.top, check=False)
        target = dest / rel_dir if rel_dir not in ("", ".") else dest
        if proc.returncode != 0:  # the folder did not exist at that commit
            return target
        with tarfile.open(fileobj=io.BytesIO(proc.stdout)) as tar:
            if hasattr(tarfile, "data_filter"):
                tar.extractall(dest, filter="data")
            else:  # Python before 3.11.4: git's own archive, paths checked by hand
                members = [m for m in tar.getmembers() if not m.name.startswith(("/", "..")) and ".." not in Path(m.name).parts]
                tar.extractall(dest, members=members)
        return target


def _git(args: list[str], cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              stdin=subprocess.DEVNULL, timeout=GIT_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise InputError(f"git {args[0]} took longer than {GIT_TIMEOUT_S:g} s") from None
    if check and proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise InputError(f"git {args[0]} failed: {msg[-1] if msg else proc.returncode}")
    return proc
