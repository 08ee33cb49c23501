"""The environment before a change: a project's files at a git revision, compiled privately, and Coq asked about them.

Which revision (the *base*):

- ``--since REV``: REV;
- otherwise, for a proof in file F: ``HEAD`` when F or a project file it
  requires differs between ``HEAD`` and the working tree (the change is not
  committed yet: the usual moment to mend what it broke); else the parent of
  the newest commit that changed F or what it requires (the change was
  committed: the version before that commit is the last one where those files
  differed from today's, and the one in which the old proof was written).
  A project outside git, or a file no commit changed, has no base: the repair
  then works with what the error and the current environment tell.

The revision's files are read from git into a temporary folder (the working
tree is not touched) and compiled there by a :class:`~.builds.Library`, which
links the compiled files that did not change and keeps what it compiles in
the build cache, so a second run at the same revision compiles nothing.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ...provers.coq.assumptions import About, parse_about, parse_search
from ...provers.coq.project import CoqProject, _inside, dependencies, project_for, requirements
from ...provers.coq.queries import CoqQueries, QueryError
from ...provers.errors import InputError, ProverError
from ...provers.limits import Limits
from .builds import Library
from .gitrev import GitRepo


@dataclass(frozen=True)
class Base:
    """The revision a proof is compared with, and why that one."""

    repo: GitRepo
    commit: str
    rev: str  # as given, or how it was chosen ("HEAD", "abc123^")
    why: str


def choose_base(project: CoqProject, file: Path, rev: str | None = None) -> Base | None:
    """The base revision for a proof in ``file`` (see the module's docstring); None outside git."""
    try:
        repo = GitRepo.containing(Path(file))
    except InputError:
        if rev is not None:
            raise
        return None
    if rev is not None:
        return Base(repo, repo.resolve(rev), rev, "given")
    files = [Path(file)]
    try:
        deps = dependencies(project, [*project.files, Path(file)] if Path(file) not in project.files else None)
        files += requirements(deps, Path(file))
    except InputError:
        pass
    rels = [repo.relative(f) for f in files if _inside(f, repo.top)]
    if not rels:
        return None
    try:
        head = repo.resolve("HEAD")
    except InputError:
        return None  # no commit yet
    if repo.differs(head, rels):
        return Base(repo, head, "HEAD", "the working tree differs from HEAD in the file or what it requires")
    last = repo.last_change(rels)
    parent = repo.parent(last) if last else None
    if parent is None:
        return None
    return Base(repo, parent, f"{last[:12]}^", "the parent of the newest commit that changed the file or what it requires")


class OldTree:
    """A project's files at a revision, read from git into a temporary folder."""

    def __init__(self, repo: GitRepo, commit: str, project: CoqProject):
        self.repo = repo
        self.commit = commit
        self.tmp = Path(tempfile.mkdtemp(prefix="proofmend-rev-"))
        top_rel = repo.relative(project.root) if _inside(project.root, repo.top) else ""
        self.root = repo.export(commit, top_rel, self.tmp)
        self.now_root = project.root
        self.project: CoqProject | None
        if project.project_file is not None:
            try:
                self.project = project_for(self.root) if self.root.is_dir() else None
            except InputError:
                self.project = None  # no project at the revision
        else:
            files = tuple(self.root / f.relative_to(project.root) for f in project.files
                          if (self.root / f.relative_to(project.root)).is_file())
            self.project = CoqProject(self.root, (), project.args, files, None) if files else None

    def path(self, now_file: Path, old_rel: str | None = None) -> Path:
        """Where ``now_file`` (a file of today's project) was at the revision (``old_rel``: its path there,
        repository-relative, when it moved)."""
        if old_rel is not None:
            top_rel = self.repo.relative(self.now_root)
            rel = Path(old_rel) if top_rel in ("", ".") else Path(old_rel).relative_to(top_rel)
            return self.root / rel
        return self.root / Path(now_file).resolve().relative_to(self.now_root.resolve())

    def close(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


def same_as_now(tree: OldTree, now_vo: Callable[[Path], Path | None]) -> Callable[[Path], Path | None]:
    """``prebuilt`` for the old version's library: today's compiled file of a file whose text did not change."""

    def prebuilt(old_file: Path) -> Path | None:
        try:
            now_file = tree.now_root / Path(old_file).relative_to(tree.root)
            if now_file.read_bytes() != Path(old_file).read_bytes():
                return None
        except (OSError, ValueError):
            return None
        return now_vo(now_file)

    return prebuilt


class CoqEnv:
    """One version's environment: a coqidetop with some modules loaded (``Require``, not imported), answering questions."""

    def __init__(self, project: CoqProject, modules: list[str], limits: Limits = Limits(), query_timeout: float = 30.0):
        self.project = project
        self.modules = list(modules)
        self.limits = limits
        self.query_timeout = query_timeout
        self.q = CoqQueries(project, [f"Require {m}." for m in modules], limits, query_timeout)
        self._imported: CoqQueries | None = None
        self._about: dict[str, tuple[About | None, str]] = {}

    def ask(self, command: str) -> str | None:
        """Coq's answer, or None when it refuses the question."""
        try:
            return self.q.ask_text(command)
        except QueryError:
            return None

    def contents(self, module: str) -> dict[str, str]:
        """Every constant, inductive and constructor of ``module``: printed name -> type."""
        try:
            return parse_search(self.q.ask(f"Search _ inside {module}."))
        except QueryError:
            return {}

    def about(self, name: str) -> tuple[About | None, str]:
        if name not in self._about:
            text = self.ask(f"About {name}.") or ""
            self._about[name] = (parse_about(text), text)
        return self._about[name]

    def search(self, *patterns: str) -> dict[str, str]:
        try:
            return parse_search(self.q.ask("Search " + " ".join(patterns) + "."))
        except QueryError:
            return {}

    def locate_notation(self, symbol: str) -> str | None:
        """``Locate "symbol"`` with the modules imported (their notations in scope)."""
        if self._imported is None:
            try:
                self._imported = CoqQueries(self.project, [f"Require Import {m}." for m in self.modules], self.limits,
                                            self.query_timeout)
            except (QueryError, ProverError):
                return None
        try:
            return self._imported.ask_text(f'Locate "{symbol}".')
        except QueryError:
            return None

    def close(self) -> None:
        self.q.close()
        if self._imported is not None:
            self._imported.close()

    def __enter__(self) -> "CoqEnv":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_env(lib: Library, files: list[Path]) -> tuple[CoqEnv | None, list[str], list[str]]:
    """Build ``files`` in ``lib`` and load them in a :class:`CoqEnv`: (env, modules loaded, problems)."""
    modules, problems = [], []
    for f in files:
        failure = lib.ensure(f)
        if failure is not None:
            problems.append(f"{failure.file.name}: {failure.message}")
            continue
        m = lib.module(f)
        if m:
            modules.append(m)
    if not modules:
        return None, modules, problems
    try:
        return CoqEnv(lib.project, modules, lib.limits), modules, problems
    except (QueryError, ProverError) as e:
        return None, modules, problems + [f"cannot load {', '.join(modules)}: {str(e).splitlines()[0] if str(e) else e}"]


__all__ = ["Base", "CoqEnv", "OldTree", "choose_base", "open_env", "same_as_now"]
