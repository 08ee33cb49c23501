"""Git repositories made for a test: a project committed, then changed in the working tree (or in a second commit)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_SYSTEM": os.devnull}


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV}).stdout


def write(root: Path, files: dict[str, str | None]) -> None:
    for rel, text in files.items():
        p = root / rel
        if text is None:
            p.unlink()
            continue
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")


def changed_repo(root: Path, before: dict[str, str], after: dict[str, str | None], commit_after: bool = False,
                 project: str | None = "-R . Calc\n") -> Path:
    """``before`` committed (with a ``_CoqProject`` of ``project``, none if None), then ``after`` written over it."""
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q")
    write(root, ({"_CoqProject": project} if project is not None else {}) | before)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "before")
    write(root, after)
    if commit_after:
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "after")
    return root
