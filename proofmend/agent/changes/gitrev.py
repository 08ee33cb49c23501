"""What changed in a git repository since a revision, read with git itself.

Nothing here writes to the working tree or the index: old versions are read
with ``git show``, ``git ls-tree`` and ``git cat-file``.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ...provers.errors import InputError

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

    def differs(self, commit: str, rels: list[str]) -> bool:
        """Whether any of ``rels`` (repository-relative) differs between ``commit`` and the working tree."""
        proc = _git(["diff", "--quiet", "--no-ext-diff", commit, "--", *rels], self.top, check=False)
        if proc.returncode not in (0, 1):
            raise InputError(f"git diff failed: {proc.stderr.decode('utf-8', 'replace').strip()[:200]}")
        return proc.returncode == 1

    def last_change(self, rels: list[str]) -> str | None:
        """The newest commit that changed any of ``rels`` (None: none did)."""
        out = _git(["log", "-1", "--format=%H", "--", *rels], self.top, check=False)
        sha = out.stdout.decode().strip()
        return sha or None

    def parent(self, commit: str) -> str | None:
        proc = _git(["rev-parse", "--verify", "--quiet", f"{commit}^1^{{commit}}"], self.top, check=False)
        return proc.stdout.decode().strip() or None if proc.returncode == 0 else None

    def show(self, commit: str, rel: str) -> str | None:
        """The text of ``rel`` at ``commit`` (None when it did not exist there)."""
        proc = _git(["show", f"{commit}:{rel}"], self.top, check=False)
        if proc.returncode != 0:
            return None
        return proc.stdout.decode("utf-8", "replace")

    def export(self, commit: str, rel_dir: str, dest: Path) -> Path:
        """Write the files of ``rel_dir`` at ``commit`` under ``dest`` (as committed: no
        export-ignore or export-subst); returns where ``rel_dir`` landed."""
        whole = rel_dir in ("", ".")
        target = dest if whole else dest / rel_dir
        listing = _git(["ls-tree", "-r", "-z", "--full-tree", commit, "--"] + ([] if whole else [rel_dir]), self.top,
                       check=False)
        if listing.returncode != 0:  # the folder did not exist at that commit
            return target
        entries = []  # (mode, object id, path)
        for rec in listing.stdout.decode("utf-8", "surrogateescape").split("\0"):
            if not rec:
                continue
            meta, path = rec.split("\t", 1)
            mode, kind, oid = meta.split()
            if kind == "blob" and ".." not in Path(path).parts and not path.startswith("/"):
                entries.append((mode, oid, path))
        if not entries:
            return target
        batch = subprocess.run(["git", "cat-file", "--batch"], cwd=self.top, input="".join(f"{o}\n" for _, o, _ in entries).encode(),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=GIT_TIMEOUT_S)
        data, pos = batch.stdout, 0
        for mode, oid, path in entries:
            end = data.index(b"\n", pos)
            size = int(data[pos:end].split()[2])
            blob = data[end + 1 : end + 1 + size]
            pos = end + 1 + size + 1
            out = dest / path
            out.parent.mkdir(parents=True, exist_ok=True)
            if mode == "120000":
                out.symlink_to(blob.decode("utf-8", "surrogateescape"))
            else:
                out.write_bytes(blob)
                if mode == "100755":
                    out.chmod(0o755)
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
