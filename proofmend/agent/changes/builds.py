"""Private builds of one version of a project, for asking Coq about its statements.

A :class:`Library` is one version of a project's files (the working tree, a
git revision, texts given for some files) laid out in a private folder and
compiled there on demand, each file after what it requires.  What the
questions need is the statements and the transparent definitions, not the
proofs: a file is compiled with its opaque proofs outside sections admitted
(``Qed`` proofs inside a section stay, since the variables they use shape their
statement), which makes a build quick.  A file whose own compile is already at
hand (the private workspace's, or the user's up-to-date build) is linked
instead, when everything it requires was linked too.

Compiled files are kept across runs in the build cache, keyed by their
content: the text compiled, its logical name, the flags, Coq's version and the
keys of what it requires.  The same revision is found there again, and files
that did not change between two revisions are compiled once.  The cache is
``$PROOFMEND_BUILD_CACHE`` when set (empty: no cache), else
``$XDG_CACHE_HOME/proofmend/coq-builds`` (``~/.cache/proofmend/coq-builds``).
Nothing is written in the user's tree.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from ...provers.coq.batch import coqc_binary, run_coqc
from ...provers.coq.locator import ADMITTED_BODY, ProofItem, parse_document
from ...provers.coq.project import CoqProject, LoadPath, dependencies, requirements
from ...provers.coq.sentences import SplitError
from ...provers.limits import Limits

CACHE_ENV = "PROOFMEND_BUILD_CACHE"
KEY_VERSION = "1"


def build_cache_dir() -> Path | None:
    """Where compiled files are kept across runs (None: nowhere)."""
    env = os.environ.get(CACHE_ENV)
    if env is not None:
        return Path(env).expanduser() if env else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "proofmend" / "coq-builds"


@cache
def _coq_version() -> str:
    try:
        out = subprocess.run([coqc_binary(), "--version"], capture_output=True, text=True, timeout=60).stdout
    except Exception:  # the compile that follows says what is wrong
        return "?"
    return " ".join(out.split())


def statements_only(text: str, everything: bool = False) -> str:
    """``text`` with its opaque proofs outside sections admitted (with ``everything``: every proof).

    A text that cannot be split is returned as it is (the compile says why).
    """
    try:
        doc = parse_document(text)
    except SplitError:
        return text
    bodies = {i: _admitted(p, text) for i, p in enumerate(doc.proofs) if p.body and (p.admissible_for_speed or everything)}
    return doc.with_bodies(bodies)


def _admitted(p: ProofItem, text: str) -> str:
    """The body that admits ``p``: ``Admitted.``, after its ``Proof using …`` (part of its statement in a section).

    Nothing else of the body is kept: a capitalised word may start a user's tactic as well as a command.
    """
    op = p.opener
    if op is not None and "using" in op.text.split():
        return "\n" + text[op.start : op.end].strip() + ADMITTED_BODY
    return ADMITTED_BODY


@dataclass(frozen=True)
class BuildFailure:
    file: Path  # the project's file (in the source tree)
    message: str


class Library:
    """One version of a project, compiled privately on demand (see the module's docstring)."""

    def __init__(self, project: CoqProject, limits: Limits = Limits(), *,
                 text_of: Callable[[Path], str | None] | None = None,
                 overrides: dict[Path, str] | None = None,
                 prebuilt: Callable[[Path], Path | None] | None = None,
                 cache_dir: Path | None | bool = True, deps: dict[Path, list[Path]] | None = None):
        """``project``: the version's project (its files are read from its tree unless ``text_of``
        says otherwise); ``overrides``: texts compiled instead of some files' own, as given (no
        proof admitted); ``prebuilt``: a compiled file that may be linked for a project file; ``deps``: what
        each project file requires, when already read (``project.dependencies``)."""
        self.source = project
        self.limits = limits
        self._text_of = text_of or _read
        self.overrides = {Path(k): v for k, v in (overrides or {}).items()}
        self._prebuilt = prebuilt or (lambda f: None)
        self.cache = build_cache_dir() if cache_dir is True else (cache_dir or None)
        self.tmp = Path(tempfile.mkdtemp(prefix="proofmend-lib-"))
        self.root = self.tmp / "tree"
        self.root.mkdir()
        self.project = project.relocated(self._move)
        self._lone = not any(lp.flag != "-I" for lp in project.loadpaths)
        if self._lone:  # files with no logical path: bound at the top, as coqc names a lone file
            self.project = replace(self.project, loadpaths=self.project.loadpaths + (LoadPath("-Q", self.root, ""),))
        files = list(project.files) + [f for f in self.overrides if f not in project.files]
        self._deps = dict(deps) if deps is not None else dependencies(project, files)
        self._keys: dict[Path, str] = {}  # built files -> content key
        self._linked: set[Path] = set()
        self.failures: dict[Path, BuildFailure] = {}
        self.compiled = 0
        self.reused = 0
        self.deadline: float | None = None  # time.monotonic() after which nothing more is compiled

    # ------------------------------------------------------------ paths
    def _move(self, p: Path) -> Path:
        rel = _below(p, self.source.root)
        return p if rel is None else self.root / rel

    def tree_path(self, file: Path) -> Path:
        """Where the source project's ``file`` lies in the private tree."""
        return self._move(Path(file))

    def owns(self, file: Path) -> bool:
        """Whether ``file`` is compiled here (a file outside the project folder is read where it is)."""
        return _below(Path(file), self.source.root) is not None

    def module(self, file: Path) -> str | None:
        if self._lone:
            return Path(file).stem if self.owns(file) else None
        return self.source.logical_name(Path(file))

    def close(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self) -> "Library":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ building
    def needed(self, file: Path) -> list[Path]:
        file = Path(file)
        if file not in self._deps:
            self._deps.update(dependencies(self.source, [*self.source.files, file]))
        return requirements(self._deps, file)

    def ensure(self, file: Path, with_file: bool = True) -> BuildFailure | None:
        """Compile (or link) what ``file`` requires and, with ``with_file``, the file; the first failure."""
        todo = self.needed(file) + ([Path(file)] if with_file else [])
        for f in todo:
            failure = self._ensure_one(f)
            if failure is not None:
                return failure
        return None

    def _ensure_one(self, f: Path) -> BuildFailure | None:
        if f in self._keys:
            return None
        if f in self.failures:
            return self.failures[f]
        deps = self._deps.get(f, [])
        for g in deps:
            if g not in self._keys:  # a cycle, or a dependency that failed
                return self.failures.setdefault(f, BuildFailure(f, f"{g.name} is not built"))
        if not self.owns(f):  # a read-only dependency outside the project: its own build is used
            vo = Path(f).with_suffix(".vo")
            self._keys[f] = "ext:" + (_file_digest(vo) if vo.is_file() else str(f))
            self._linked.add(f)
            return None
        out = self.tree_path(f).with_suffix(".vo")
        out.parent.mkdir(parents=True, exist_ok=True)
        pre = self._prebuilt(f) if f not in self.overrides else None
        if pre is not None and pre.exists() and all(g in self._linked for g in deps):
            out.symlink_to(pre.resolve())
            self._keys[f] = "vo:" + _file_digest(pre)
            self._linked.add(f)
            return None
        text = self.overrides.get(f)
        if text is None:
            raw = self._text_of(f)
            if raw is None:
                return self.failures.setdefault(f, BuildFailure(f, "the file cannot be read"))
            text = statements_only(raw)
        key = self._key(f, text, [self._keys[g] for g in deps])
        cached = self._cached(key)
        if cached is not None:
            out.symlink_to(cached)
            self._keys[f] = key
            self.reused += 1
            return None
        if self.deadline is not None and time.monotonic() > self.deadline:
            return BuildFailure(f, "no time left to compile it")
        src = self.tree_path(f)
        src.write_text(text, encoding="utf-8")
        rc, msg, _ = run_coqc(self.project, src, self.limits, output=out)
        if rc != 0 and f not in self.overrides and raw is not None:
            # A proof kept (a Defined one, one inside a section) that fails: admit every proof.
            text = statements_only(raw, everything=True)
            src.write_text(text, encoding="utf-8")
            rc, msg, _ = run_coqc(self.project, src, self.limits, output=out)
        if rc != 0:
            why = "coqc timed out" if rc is None else _first_error(msg)
            return self.failures.setdefault(f, BuildFailure(f, why))
        self.compiled += 1
        self._keys[f] = key
        self._store(key, out)
        return None

    def _key(self, f: Path, text: str, dep_keys: list[str]) -> str:
        flags = [a.replace(str(self.root), "<tree>") for a in self.project.coq_flags()]
        blob = json.dumps([KEY_VERSION, _coq_version(), self.module(f) or f.stem, flags, text, dep_keys])
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def _object(self, key: str) -> Path | None:
        return self.cache / key[:2] / f"{key}.vo" if self.cache is not None else None

    def _cached(self, key: str) -> Path | None:
        obj = self._object(key)
        return obj if obj is not None and obj.is_file() else None

    def _store(self, key: str, out: Path) -> None:
        """Keep the compiled file in the cache and link it from the tree (an entry already there wins)."""
        obj = self._object(key)
        if obj is None:
            return
        try:
            obj.parent.mkdir(parents=True, exist_ok=True)
            part = obj.with_name(f"{obj.name}.{os.getpid()}.part")
            shutil.copyfile(out, part)
            try:
                os.link(part, obj)
            except FileExistsError:
                pass
            finally:
                part.unlink(missing_ok=True)
        except OSError:
            return  # no cache this time: the compiled file stays in the tree


def _below(p: Path, root: Path) -> Path | None:
    """``p`` relative to ``root`` when it lies there (by name; links not followed), else None."""
    a, b = Path(os.path.abspath(p)), Path(os.path.abspath(root))
    try:
        return a.relative_to(b)
    except ValueError:
        return None


def _read(f: Path) -> str | None:
    try:
        return Path(f).read_bytes().decode("utf-8", "replace")
    except OSError:
        return None


def _file_digest(p: Path) -> str:
    h = hashlib.sha256()
    with open(p, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _first_error(out: str) -> str:
    lines = out.strip().splitlines()
    for k, line in enumerate(lines):
        if line.startswith("Error:"):
            rest = " ".join(x.strip() for x in lines[k:k + 3])
            return rest[:300]
    return (lines[-1] if lines else "coqc failed")[:300]
