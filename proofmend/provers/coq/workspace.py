"""A private copy of a project where all compiling happens, on top of the user's own build.

The sources are copied (the user's tree is never written: not a ``.vo``, not
an ``.aux``), and so are the folders of libraries that lie outside the project
folder — bound by -R/-Q (``-Q /home/me/sf/lf LF``, ``-R ../lib Lib``), listed
(``../shared/X.v``) or reached through a link: the copy is laid out as Coq
sees the files, and a link's target is copied, never written through.
Compiled files the user already has are used where they are, through links,
when they are up to date: present (beside the source, or in dune's
``_build/default``), newer than their source, and newer than the compiled
files of everything they require, which must be up to date in turn.  A
compiled file without a source (a library shipped compiled) is used as it is.
Only missing or stale files are compiled, in the workspace, in dependency
order, ``jobs`` at a time.  A file whose proofs fail is compiled with those
proofs admitted, so that its dependents can still be loaded.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..limits import Limits
from .batch import run_coqc
from .locator import ADMITTED_BODY, parse_document
from .project import CoqProject, _within, dependencies, files_under, lexical, requirements
from .scan import scan_proofs
from .sentences import SplitError

IGNORED = shutil.ignore_patterns("*.vo", "*.vok", "*.vos", "*.glob", ".*.aux", ".git", "__pycache__", "_build",
                                 "_opam", ".venv", "*.cm*", "*.o", "node_modules", ".lia.cache", ".nia.cache")
COMPILED_SUFFIXES = (".vo", ".vos", ".vok", ".glob")

BuildProgress = Callable[[int, int, str], None]  # (files done, files to build, file just built)


@dataclass(frozen=True)
class BuildFailure:
    """A file that could not be compiled, even with its failing proofs admitted."""

    file: Path  # in the workspace
    line: int
    message: str


def _copy_tree(src: Path, dst: Path, top: bool) -> None:
    """Copy the folder ``src`` to ``dst`` following links (each real folder once; broken links skipped).

    ``top``: the project's own folder (everything copied but build products); otherwise a library's
    folder, of which only the sources are copied, the rest linked (read where it is).
    """
    seen: set[str] = set()
    src_real = os.path.realpath(src)
    for here, dirs, names in os.walk(src, followlinks=True):
        real = os.path.realpath(here)
        ignored = IGNORED(here, [*dirs, *names])
        if real in seen:
            dirs[:] = []
            continue
        seen.add(real)
        # A folder reached through a link to outside the project is a library's: its sources only.
        top_here = top and (real == src_real or real.startswith(src_real + os.sep))
        dirs[:] = [d for d in dirs if d not in ignored and (top_here or not d.startswith("."))]
        out = dst / Path(here).relative_to(src)
        out.mkdir(parents=True, exist_ok=True)
        for n in names:
            f = Path(here) / n
            if not f.is_file():
                continue
            if f.suffix in COMPILED_SUFFIXES:
                if not f.with_suffix(".v").exists() and not (out / n).exists():
                    (out / n).symlink_to(f.resolve())  # shipped compiled, without a source
            elif top_here or n.endswith(".v"):
                if n not in ignored:
                    shutil.copyfile(f, out / n)
            elif not n.startswith("."):
                # A library's plugins and data, read where they are.  Never a name coqc writes beside
                # what it compiles (those are the workspace's own).
                if not (out / n).exists():
                    (out / n).symlink_to(f.resolve())


class Workspace:
    """The user's project, copied; compiled files linked from the user's build where up to date."""

    def __init__(self, project: CoqProject, single_file: Path | None = None, limits: Limits = Limits(),
                 jobs: int = 1, on_build: BuildProgress | None = None, use_user_build: bool = True):
        self.user_project = project
        self.limits = limits
        self.jobs = max(1, jobs)
        self.on_build = on_build
        self.tmp = Path(tempfile.mkdtemp(prefix="proofmend-ws-"))
        self.root = self.tmp / "project"  # the copy of the project's folder (see _copy_project)
        # Each user folder (by name, as Coq reaches it) and its copy; a listed file outside every
        # such folder is copied on its own.
        self._folders: list[tuple[Path, Path]] = []
        self._files: dict[Path, Path] = {}
        try:
            if project.project_file is not None:
                self._copy_project(project)
                self.project = project.relocated(self._private)
            else:
                assert single_file is not None
                self.root.mkdir()
                copy = self.root / single_file.name
                shutil.copyfile(single_file, copy)
                self._files[project.find(single_file)] = copy
                self.project = CoqProject(self.root, (), project.args, (copy,), None)
        except BaseException:
            self.close()
            raise
        self._lock = threading.Lock()
        self._sources = tuple(dict.fromkeys([*self.project.files, *files_under(self.project.loadpaths)]))
        self._deps = dependencies(self.project, list(self._sources))
        self._built: set[Path] = set()
        self._file_locks: dict[Path, threading.Lock] = {}
        self.linked = 0
        self.compiled = 0
        if use_user_build:
            self._link_user_build()

    def _copy_project(self, project: CoqProject) -> None:
        """Copy the project folder, every -R/-Q folder outside it, and every listed file outside those."""
        outside = [lp.directory for lp in project.loadpaths if lp.flag != "-I" and not _within(lp.directory, project.root)]
        folders = [project.root]
        for d in sorted(set(outside), key=lambda p: len(p.parts)):
            if not any(_within(d, f) for f in folders):
                folders.append(d)
        # A folder that holds the project folder (-R .. Top) is copied once, the project inside it.
        folders = [f for f in folders if not any(g != f and _within(f, g) for g in folders)]
        for k, folder in enumerate(folders):
            copy = self.tmp / "copies" / f"{k}-{folder.name or 'root'}"
            _copy_tree(folder, copy, top=_within(project.root, folder))
            self._folders.append((folder, copy))
        self._folders.sort(key=lambda fc: -len(fc[0].parts))
        self.root = self._private(project.root)
        for f in project.files:
            if not any(_within(f, folder) for folder, _ in self._folders):
                copy = self.tmp / "copies" / f"file-{len(self._files)}" / f.name
                copy.parent.mkdir(parents=True)
                shutil.copyfile(f, copy)
                self._files[f] = copy

    # ------------------------------------------------------------ paths
    def _private(self, user: Path) -> Path:
        user = lexical(user)
        if user in self._files:
            return self._files[user]
        for folder, copy in self._folders:
            if _within(user, folder):
                return copy / user.relative_to(folder)
        raise ValueError(f"{user} is not in the workspace")

    def path(self, user_file: Path) -> Path:
        """Where the user's ``user_file`` is in the workspace (a file outside the copied folders is copied now)."""
        user_file = self.user_project.find(user_file)
        try:
            return self._private(user_file)
        except ValueError:
            copy = self.tmp / "copies" / f"file-{len(self._files)}" / user_file.name
            copy.parent.mkdir(parents=True)
            shutil.copyfile(user_file, copy)
            self._files[user_file] = copy
            return copy

    def user_path(self, ws_file: Path) -> Path:
        """The user's file that ``ws_file`` is the copy of."""
        for user, copy in self._files.items():
            if copy == ws_file:
                return user
        for folder, copy in self._folders:
            if _within(ws_file, copy):
                return folder / ws_file.relative_to(copy)
        return ws_file

    def describe(self, failure: BuildFailure, relative_to: Path | None = None) -> str:
        """``failure`` in words, naming the user's file (relative to ``relative_to`` when given)."""
        dep = self.user_path(failure.file)
        name = os.path.relpath(dep, relative_to) if relative_to is not None else str(dep)
        where = f" (line {failure.line})" if failure.line else ""
        return f"the dependency {name} does not compile{where}: {failure.message}"

    def close(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self) -> "Workspace":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ the user's build
    def _link_user_build(self) -> None:
        if self.user_project.project_file is None:
            return
        fresh: dict[Path, float | None] = {}  # ws file -> mtime of its up-to-date user .vo (None: stale)

        def up_to_date(f: Path, seen: frozenset = frozenset()) -> float | None:
            if f in fresh:
                return fresh[f]
            fresh[f] = None  # a cycle is stale
            user_src = self.user_path(f)
            best: tuple[float, Path] | None = None
            for vo in self.user_project.compiled(user_src):
                try:
                    m = vo.stat().st_mtime
                except OSError:
                    continue
                if best is None or m > best[0]:
                    best = (m, vo)
            try:
                src_m = user_src.stat().st_mtime
            except OSError:
                return None
            if best is None or best[0] < src_m:
                return None
            for g in self._deps.get(f, []):
                gm = up_to_date(g)
                if gm is None or gm > best[0]:
                    return None
            fresh[f] = best[0]
            self._link(f, best[1])
            return best[0]

        for f in self._sources:
            up_to_date(f)

    def _link(self, ws_file: Path, vo: Path) -> None:
        self._clear_compiled(ws_file)
        target = ws_file.with_suffix(".vo")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(vo.resolve())
        glob = vo.with_suffix(".glob")
        if glob.exists():
            ws_file.with_suffix(".glob").symlink_to(glob.resolve())
        self._built.add(ws_file)
        self.linked += 1

    def _clear_compiled(self, ws_file: Path) -> None:
        """Drop the compiled files of ``ws_file`` (links to the user's build among them: never written through)."""
        for suffix in COMPILED_SUFFIXES:
            p = ws_file.with_suffix(suffix)
            if p.is_symlink() or p.exists():
                p.unlink()

    # ------------------------------------------------------------ building
    def needed(self, ws_file: Path) -> list[Path]:
        """The project files ``ws_file`` requires, transitively, in build order."""
        if ws_file not in self._deps:  # not a project file (outside every load path): read what it requires
            self._deps[ws_file] = dependencies(self.project, [*self._sources, ws_file])[ws_file]
        return requirements(self._deps, ws_file)

    def ensure_dependencies(self, ws_file: Path) -> BuildFailure | None:
        """Compile what ``ws_file`` requires and is not built yet; the first failure, if any."""
        todo = [f for f in self.needed(ws_file) if f not in self._built]
        if not todo:
            return None
        done = 0
        failure: BuildFailure | None = None
        pending = list(todo)
        with ThreadPoolExecutor(max_workers=self.jobs) as pool:
            while pending and failure is None:
                ready = [f for f in pending if all(g in self._built or g not in todo for g in self._deps.get(f, []))]
                if not ready:
                    return BuildFailure(pending[0], 0, "dependency cycle between project files")
                for f, fail in zip(ready, pool.map(self.build, ready)):
                    done += 1
                    if self.on_build:
                        self.on_build(done, len(todo), str(self.user_path(f)))
                    failure = failure or fail
                pending = [f for f in pending if f not in ready]
        return failure

    def build(self, ws_file: Path) -> BuildFailure | None:
        """Compile ``ws_file`` in the workspace, admitting proofs that fail, so dependents can load it."""
        with self._lock:
            file_lock = self._file_locks.setdefault(ws_file, threading.Lock())
        with file_lock:
            with self._lock:
                if ws_file in self._built:
                    return None
            return self._build(ws_file)

    def _build(self, ws_file: Path) -> BuildFailure | None:
        self._clear_compiled(ws_file)
        rc, out, _ = run_coqc(self.project, ws_file, self.limits, output=ws_file.with_suffix(".vo"))
        if rc != 0:
            text = ws_file.read_bytes().decode("utf-8", "replace")
            failure = self._build_admitted(ws_file, text)
            if failure is not None:
                return failure
        with self._lock:
            self._built.add(ws_file)
            self.compiled += 1
        return None

    def _build_admitted(self, ws_file: Path, text: str) -> BuildFailure | None:
        from .batch import parse_diagnostics

        try:
            doc = parse_document(text)
        except SplitError as e:
            return BuildFailure(ws_file, text.count("\n", 0, e.offset) + 1, f"cannot parse: {e}")
        scan = scan_proofs(self.project, doc, self.limits)
        if scan.outside_error is not None:
            return BuildFailure(ws_file, scan.outside_line, scan.outside_error)
        patched = doc.with_bodies({i: ADMITTED_BODY for i in scan.failing})
        ws_file.write_text(patched, encoding="utf-8")
        try:
            rc, out, _ = run_coqc(self.project, ws_file, self.limits, output=ws_file.with_suffix(".vo"))
        finally:
            ws_file.write_text(text, encoding="utf-8")
        if rc != 0:
            diags = [d for d in parse_diagnostics(out, patched, str(ws_file)) if d.severity == "error"]
            msg = diags[0].message if diags else (out.strip().splitlines() or ["coqc failed"])[-1]
            return BuildFailure(ws_file, diags[0].line if diags else 0, msg if rc is not None else "coqc timed out")
        return None

    def invalidate(self, ws_file: Path) -> None:
        """``ws_file`` changed: it and everything that requires it must be compiled again before use."""
        with self._lock:
            stale = {ws_file}
            grew = True
            while grew:
                grew = False
                for f, ds in self._deps.items():
                    if f not in stale and any(d in stale for d in ds):
                        stale.add(f)
                        grew = True
            for f in stale:
                if f in self._built:
                    self._built.discard(f)
                    self._clear_compiled(f)

