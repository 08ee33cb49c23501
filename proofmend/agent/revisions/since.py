"""``repair --since REV``: the files a change touched, what depends on them, and how their proofs stood at REV.

The files to visit are the project's ``.v`` files that differ between REV and
the working tree (untracked ones included), and every project file that
requires one of them, directly or not (the ``Require`` graph).  A changed
``_CoqProject`` changes every file; a deleted or renamed module's former
dependents are visited too.  REV's versions are read from git (``ls-tree``, ``cat-file``)
into a temporary folder and compiled there, as the change map's old environment
is (:mod:`..changes.oldenv`, :mod:`..changes.builds`: what a file requires is compiled with its
opaque proofs admitted, once per content, in the build cache): the working
tree is not touched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ...provers.coq.dune import DUNE_PROJECT, find_dune_root, theories_in
from ...provers.coq.livedoc import LiveDocument
from ...provers.coq.locator import parse_document
from ...provers.coq.project import (PROJECT_FILE, CoqProject, _inside, dependencies, dependency_order,
                                   find_project_file, parse_project_file, project_for, read_dune_project,
                                   required_modules)
from ...provers.coq.scan import scan_proofs
from ...provers.coq.sentences import SplitError
from ...provers.errors import InputError, ProverError
from ...provers.limits import Limits
from ..changes.builds import Library
from ..changes.gitrev import GitRepo
from ..changes.oldenv import OldTree
from ..loop.repair import RunReport

# How a proof the run worked on stood at REV.
BROKEN = "broken"  # it failed, was a hole, or its file could not be loaded up to it
OK = "ok"  # it checked: the change broke it
NEW = "new"  # no proof of that name in that file at REV


@dataclass(frozen=True)
class SinceScope:
    repo: GitRepo
    rev: str  # as the user wrote it
    commit: str
    project: CoqProject
    target: Path  # what a run is given: the project folder, or a lone file
    changed: tuple[Path, ...]  # project files changed since ``rev`` (under the path asked for)
    dependents: tuple[Path, ...]  # unchanged project files that require a changed one (under the path asked for)
    files: tuple[Path, ...]  # changed and dependents, in dependency order
    old_paths: dict[Path, str] = field(default_factory=dict)  # current file -> its path at ``rev`` (repository-relative)

    def to_json(self) -> dict:
        return {"rev": self.rev, "commit": self.commit,
                "changed": [self.repo.relative(f) for f in self.changed],
                "dependents": [self.repo.relative(f) for f in self.dependents]}


def project_and_limit(path: Path) -> tuple[CoqProject, Path]:
    """The project governing ``path`` (a file, a project folder, or a folder inside a project)."""
    if not path.exists():
        raise InputError(f"no such file or directory: {path}")
    if path.is_file() or (path / PROJECT_FILE).is_file() or (path / DUNE_PROJECT).is_file():
        return project_for(path), path.resolve()
    pf = find_project_file(path)
    if pf is not None:
        return parse_project_file(pf), path.resolve()
    droot = find_dune_root(path)
    if droot is not None and theories_in(droot):
        return read_dune_project(droot), path.resolve()
    raise InputError(f"{path} is not inside a Coq project (no {PROJECT_FILE} or {DUNE_PROJECT} in it or its parents)")


def _requires_any(text: str, modules: set[str]) -> bool:
    for prefix, mod in required_modules(text):
        want = f"{prefix}.{mod}" if prefix else mod
        if any(m == want or m.endswith("." + want) for m in modules):
            return True
    return False


def changed_scope(path: Path, rev: str) -> SinceScope:
    """The files a run with ``--since rev`` on ``path`` visits; no git, no repository, a bad revision: InputError."""
    path = Path(path)
    project, limit = project_and_limit(path)
    repo = GitRepo.containing(limit)
    commit = repo.resolve(rev)
    files = set(project.files)
    changes = repo.changes(commit, suffix="")
    project_changed = project.project_file is not None and any(
        c.path is not None and c.path.resolve() == project.project_file.resolve() for c in changes)
    changed = set(files) if project_changed else {
        c.path.resolve() for c in changes if c.path is not None and c.path.suffix == ".v" and c.path.resolve() in files}
    old_paths = {c.path.resolve(): c.old_path for c in changes if c.path is not None and c.old_path}
    gone = {project.logical_name(repo.top / c.old_path) or Path(c.old_path).stem
            for c in changes if c.status in ("deleted", "renamed") and c.old_path and c.old_path.endswith(".v")}
    deps = dependencies(project)
    users: dict[Path, set[Path]] = {}
    for f, ds in deps.items():
        for d in ds:
            users.setdefault(d, set()).add(f)
    seeds = set(changed)
    if gone:
        for f in files - changed:
            try:
                text = f.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            if _requires_any(text, gone):
                seeds.add(f)
    reached = set(seeds)
    stack = list(seeds)
    while stack:
        for u in users.get(stack.pop(), ()):
            if u not in reached:
                reached.add(u)
                stack.append(u)
    under = [f for f in reached if f == limit or _inside(f, limit)] if limit.is_dir() else [f for f in reached if f == limit]
    order = dependency_order(project, under) if under else []
    target = project.root if project.project_file is not None else limit
    return SinceScope(repo, rev, commit, project, target,
                      tuple(f for f in order if f in changed), tuple(f for f in order if f not in changed),
                      tuple(order), old_paths)


@dataclass
class SinceReport:
    """A repair run on the files of a :class:`SinceScope`, with how each proof stood at REV."""

    scope: SinceScope
    run: RunReport
    at_rev: dict[tuple[Path, str], str | None]  # (file, theorem) -> BROKEN | OK | NEW | None (unknown)

    def status(self, file: Path, theorem: str) -> str | None:
        return self.at_rev.get((Path(file), theorem))

    def to_json(self) -> dict:
        out = self.run.to_json()
        pairs = [(f, h) for f in self.run.files for h in f.holes]
        for d, (f, h) in zip(out["holes"], pairs):
            d["at_rev"] = self.status(f.path, h.theorem)
        out["since"] = self.scope.to_json()
        out["summary"]["broken_by_change"] = sum(d["at_rev"] == OK for d in out["holes"])
        return out


def status_at_rev(scope: SinceScope, run: RunReport, limits: Limits = Limits()) -> SinceReport:
    """See how the proofs of each file with holes stood at REV: its version there, checked against what it
    required there (compiled privately as the change map's old environment is, and from the same cache)."""
    at_rev: dict[tuple[Path, str], str | None] = {}
    wanted = [f for f in run.files if f.holes]
    if not wanted:
        return SinceReport(scope, run, at_rev)
    tree = OldTree(scope.repo, scope.commit, scope.project)
    lib = Library(tree.project, limits) if tree.project is not None else None
    try:
        for fr in wanted:
            old_rel = scope.old_paths.get(fr.path.resolve())
            old_file = tree.path(fr.path, old_rel)
            theorems = [h.theorem for h in fr.holes]
            for t, state in zip(theorems, _states(lib, old_file, theorems, limits)):
                at_rev[(fr.path, t)] = state
    finally:
        if lib is not None:
            lib.close()
        tree.close()
    return SinceReport(scope, run, at_rev)


def _unnamed(t: str) -> bool:
    return not re.fullmatch(r"[\w'.]+", t)


def _states(lib: Library | None, old_file: Path, theorems: list[str], limits: Limits) -> list[str | None]:
    if not old_file.is_file():
        return [None if _unnamed(t) else NEW for t in theorems]
    try:
        doc = parse_document(old_file.read_bytes().decode("utf-8", "replace"))
    except SplitError:
        return [None if _unnamed(t) else BROKEN for t in theorems]
    names = {p.qualname or p.name for p in doc.proofs}
    if lib is None:
        return [None] * len(theorems)
    try:
        failure = lib.ensure(old_file, with_file=False)
        if failure is not None:
            return [BROKEN if t in names else (None if _unnamed(t) else NEW) for t in theorems]
        document = LiveDocument(lib.project, limits, topfile=lib.tree_path(old_file))
        try:
            scan = scan_proofs(lib.project, doc, limits, document=document)
        finally:
            document.close()
    except ProverError:
        return [None] * len(theorems)
    state: dict[str, str] = {}
    for i, p in enumerate(doc.proofs):
        name = p.qualname or p.name
        if not name:
            continue
        stopped = scan.stopped_at is not None and p.statement.start >= scan.stopped_at
        state[name] = BROKEN if (p.is_hole or i in scan.failing or stopped) else OK
    return [state.get(t) or (None if _unnamed(t) else NEW) for t in theorems]
