"""Coq projects: ``_CoqProject`` flags, logical names and dependency order."""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import InputError
from .dune import BUILD_DIR, DUNE_PROJECT, SKIPPED_DIRS, find_dune_root, theories_in
from .flags import COMPILE_ONLY, OUTPUT_OPTIONS, PATH_OPTIONS, merge_flags, option_groups, without
from .sentences import SplitError, split_sentences, strip_comments

PROJECT_FILE = "_CoqProject"


@dataclass(frozen=True)
class LoadPath:
    flag: str  # "-R", "-Q" or "-I"
    directory: Path  # absolute, links resolved; it may lie outside the project folder
    logical: str = ""  # empty for -I


@dataclass(frozen=True)
class CoqProject:
    """The flags and files of a Coq project (possibly a lone file with no project)."""

    root: Path  # directory coqc runs in
    loadpaths: tuple[LoadPath, ...] = ()
    args: tuple[str, ...] = ()  # from -arg
    # Absolute and as Coq reaches them: under a load path's folder, or as listed (``..`` folded, links
    # not followed, so a linked file keeps the module name its place gives it).  A file may lie outside
    # the project folder (a listed ``../shared/X.v``, a library bound by -R/-Q): see :meth:`owns`.
    files: tuple[Path, ...] = ()
    project_file: Path | None = None  # _CoqProject or dune-project (the user's, also for a relocated copy)
    kind: str = "file"  # "files" (_CoqProject listing files), "flags" (_CoqProject without files), "dune", "file"
    build_dir: Path | None = None  # where the user's build puts compiled files (dune: _build/default), if not beside the sources

    def coq_flags(self, session: bool = False) -> list[str]:
        """The flags of every Coq process of the project: load paths, then ``args`` (less the options
        that choose where a compile writes; with ``session``, less every option only ``coqc`` takes)."""
        flags: list[str] = []
        for lp in self.loadpaths:
            if lp.flag == "-I":
                flags += ["-I", str(lp.directory)]
            else:
                flags += [lp.flag, str(lp.directory), lp.logical]
        flags += without(self.args, COMPILE_ONLY if session else OUTPUT_OPTIONS)
        return flags

    def logical_name(self, file: Path) -> str | None:
        """The module path of ``file`` under this project's -R/-Q mappings."""
        for place in dict.fromkeys((lexical(file), Path(file).resolve())):
            best: tuple[int, str] | None = None
            for lp in self.loadpaths:
                if lp.flag == "-I" or not _within(place, lp.directory):
                    continue
                rel = place.with_suffix("").relative_to(lp.directory)
                parts = [p for p in (lp.logical.split(".") if lp.logical else []) if p] + list(rel.parts)
                depth = len(lp.directory.parts)
                if best is None or depth > best[0]:
                    best = (depth, ".".join(parts))
            if best is not None:
                return best[1]
        return None

    def find(self, path: Path) -> Path:
        """The project's own name for ``path`` (which may reach a file of it through a link or a relative path)."""
        place = lexical(path)
        if place in self.files:
            return place
        real = place.resolve()
        for f in self.files:
            if f.resolve() == real:
                return f
        return place

    def owns(self, file: Path) -> bool:
        """Whether ``file`` really lives in the project folder (not outside it, nor reached through a link
        to a file outside): only such files are mended in place."""
        return _inside(file, self.root)

    def with_extra_flags(self, extra: list[str]) -> "CoqProject":
        return replace(self, args=self.args + tuple(extra))

    def compiled(self, file: Path) -> list[Path]:
        """Where the user's build may keep the compiled ``file``: beside it, and in dune's build folder."""
        file = lexical(file)
        places = [file.with_suffix(".vo")]
        if self.build_dir is not None and _within(file, self.root):
            places.append(self.build_dir / file.relative_to(self.root).with_suffix(".vo"))
        return places

    def relocated(self, move: Callable[[Path], Path]) -> "CoqProject":
        """The same project with its folder, its -R/-Q folders and its files moved by ``move`` (its build
        beside the sources).  -I folders (OCaml plugins) are only read, where they are; ``project_file``
        stays the user's."""
        return CoqProject(
            move(self.root),
            tuple(lp if lp.flag == "-I" else LoadPath(lp.flag, move(lp.directory), lp.logical)
                  for lp in self.loadpaths),
            self.args,
            tuple(move(f) for f in self.files),
            self.project_file,  # where the flags come from: the user's file, named in messages
            self.kind,
            None,
        )


def lexical(p: Path) -> Path:
    """``p`` absolute with ``.`` and ``..`` folded, links not followed: the path as Coq is given it."""
    return Path(os.path.normpath(os.path.abspath(p)))


def _within(p: Path, folder: Path) -> bool:
    """``p`` is ``folder`` or below it, by their names (links not followed)."""
    return p == folder or folder in p.parents


def _inside(p: Path, root: Path) -> bool:
    try:
        p.resolve().relative_to(root.resolve())
        return True
    except ValueError:
        return False


def source_files(folder: Path) -> list[Path]:
    """The ``.v`` files under ``folder`` as Coq finds them: linked folders followed (each real folder once),
    build and hidden folders skipped, broken links ignored."""
    out: list[Path] = []
    seen: set[str] = set()
    for here, dirs, names in os.walk(folder, followlinks=True):
        real = os.path.realpath(here)
        if real in seen:
            dirs[:] = []
            continue
        seen.add(real)
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and not d.startswith("."))
        out += [Path(here) / n for n in sorted(names) if n.endswith(".v") and (Path(here) / n).is_file()]
    return out


def files_under(loadpaths: tuple[LoadPath, ...] | list[LoadPath]) -> tuple[Path, ...]:
    """The ``.v`` files under the -R/-Q folders, each real file once (the first place it is found)."""
    seen: dict[Path, Path] = {}
    for lp in loadpaths:
        if lp.flag == "-I" or not lp.directory.is_dir():
            continue
        for f in source_files(lp.directory):
            seen.setdefault(f.resolve(), f)
    return tuple(seen.values())


def _tokens(text: str) -> list[str]:
    lines = [ln.split("#", 1)[0] if not ln.lstrip().startswith('-arg') else ln for ln in text.splitlines()]
    try:
        return shlex.split("\n".join(lines), comments=False)
    except ValueError as e:
        raise InputError(f"cannot parse {PROJECT_FILE}: {e}") from None


def _folder(origin: Path, base: Path, flag: str, name: str) -> Path:
    """The folder ``name`` (relative to ``base``) of a load path, resolved; a one-line error when there is none."""
    where = lexical(base / name)
    real = where.resolve()
    if not real.is_dir():
        link = f" (a link to {os.readlink(where)})" if where.is_symlink() else ""
        raise InputError(f"{origin}: {flag} {name}: no such folder {where}{link}")
    return real


def _flags(origin: Path, base: Path, tokens: list[str] | tuple[str, ...]) -> tuple[list[LoadPath], list[str]]:
    """Flags written in ``base``: load paths (-R/-Q/-I) apart, path arguments made absolute, the rest as given."""
    loadpaths: list[LoadPath] = []
    args: list[str] = []
    for g in option_groups(tokens):
        if g[0] in ("-R", "-Q") and len(g) >= 3:
            loadpaths.append(LoadPath(g[0], _folder(origin, base, g[0], g[1]), g[2]))
            args += g[3:]
        elif g[0] in ("-I", "-include") and len(g) >= 2:
            loadpaths.append(LoadPath("-I", _folder(origin, base, g[0], g[1])))
            args += g[2:]
        elif g[0] in PATH_OPTIONS and len(g) >= 2:
            args += [g[0], str(lexical(base / g[1])), *g[2:]]
        else:
            args += g
    return loadpaths, args


def _listed_file(origin: Path, base: Path, name: str) -> Path:
    f = lexical(base / name)
    if not f.is_file():
        link = f" (a link to {os.readlink(f)})" if f.is_symlink() else ""
        raise InputError(f"{origin}: the listed file {name} does not exist: {f}{link}")
    return f


def parse_project_file(path: Path) -> CoqProject:
    path = path.resolve()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"cannot read {path}: {getattr(e, 'strerror', None) or e}") from None
    root = path.parent
    toks = _tokens(text)
    loadpaths: list[LoadPath] = []
    args: list[str] = []
    files: list[Path] = []
    i = 0
    while i < len(toks):
        t = toks[i]
        if t in ("-R", "-Q"):
            if i + 2 >= len(toks):
                raise InputError(f"{path}: '{t}' needs a directory and a logical name")
            loadpaths.append(LoadPath(t, _folder(path, root, t, toks[i + 1]), toks[i + 2]))
            i += 3
        elif t == "-I":
            if i + 1 >= len(toks):
                raise InputError(f"{path}: '-I' needs a directory")
            loadpaths.append(LoadPath("-I", _folder(path, root, t, toks[i + 1])))
            i += 2
        elif t == "-arg":
            if i + 1 >= len(toks):
                raise InputError(f"{path}: '-arg' needs a value")
            args += shlex.split(toks[i + 1])
            i += 2
        elif t.endswith(".v"):
            files.append(_listed_file(path, root, t))
            i += 1
        elif t.startswith("-"):
            # Options coq_makefile understands but coqc does not need
            # (-generate-meta-for-package NAME, -docroot DIR, ...).
            i += 2 if t in ("-generate-meta-for-package", "-docroot", "-o", "-native-compiler") else 1
        else:
            i += 1  # MAKEFILE variables and the like
    more, args = _flags(path, root, args)  # -arg may bind folders too
    loadpaths += more
    if files:
        return CoqProject(root, tuple(loadpaths), tuple(args), tuple(files), path, "files", _dune_build_dir(root))
    # The .v files under the -R/-Q folders; where none of them lies in the project folder (it only binds
    # libraries elsewhere: -Q /home/me/sf/lf LF), the project's own files are the .v files of its folder.
    found = files_under(loadpaths)
    if not any(lp.flag != "-I" and _within(lp.directory, root) for lp in loadpaths):
        found = tuple(dict.fromkeys([*(lexical(f) for f in sorted(root.glob("*.v")) if f.is_file()), *found]))
    return CoqProject(root, tuple(loadpaths), tuple(args), found, path, "flags", _dune_build_dir(root))


def _dune_build_dir(root: Path) -> Path | None:
    """The dune build folder of the dune project ``root`` lies in, if that is where the files are compiled."""
    droot = find_dune_root(root)
    return droot / BUILD_DIR / root.relative_to(droot) if droot is not None and (droot / BUILD_DIR).is_dir() else None


def read_dune_project(root: Path, theories: list | None = None) -> CoqProject:
    """A dune project: every ``coq.theory`` under ``root`` (read there unless given) bound to its name."""
    root = root.resolve()
    theories = theories if theories is not None else theories_in(root)
    if not theories:
        raise InputError(f"{root / DUNE_PROJECT}: no coq.theory stanza in any dune file under {root}")
    loadpaths = [LoadPath("-R", t.directory, t.name) for t in theories]
    flag_lists = []
    for t in theories:
        more, args = _flags(t.directory / "dune", t.directory, t.flags)
        loadpaths += [lp for lp in more if lp not in loadpaths]
        flag_lists.append(args)
    # One set of flags for every Coq process of the project (compiles, live sessions, the audit): each
    # theory's flags, an option never split from its value.
    return CoqProject(root, tuple(loadpaths), merge_flags(*flag_lists), files_under(loadpaths),
                      root / DUNE_PROJECT, "dune", root / BUILD_DIR)


def find_project_file(start: Path) -> Path | None:
    """Look for ``_CoqProject`` in ``start`` (a directory) and then its parents."""
    d = start.resolve()
    for cand in (d, *d.parents):
        p = cand / PROJECT_FILE
        if p.is_file():
            return p
    return None


def project_for(path: Path) -> CoqProject:
    """The project governing ``path`` (a ``.v`` file or a project directory).

    A ``_CoqProject`` (with or without a file list) is looked for in the
    folder and then its parents, as Coq's editors do; failing that, a dune
    project (``dune-project`` with ``coq.theory`` stanzas).  A lone file with
    neither is a project of its own.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"no such file or directory: {path}")
    if path.is_dir():
        if (path / PROJECT_FILE).is_file():
            return parse_project_file(path / PROJECT_FILE)
        if (path / DUNE_PROJECT).is_file():
            return read_dune_project(path)
        raise InputError(f"{path} is a directory without a {PROJECT_FILE} or a {DUNE_PROJECT}")
    if path.suffix != ".v":
        raise InputError(f"not a Coq file (expected .v): {path}")
    pf = find_project_file(path.parent)
    droot = find_dune_root(path.parent)
    if pf is not None and (droot is None or _inside(pf.parent, droot)):
        return parse_project_file(pf)
    theories = theories_in(droot) if droot is not None else []
    if droot is not None and theories:
        return read_dune_project(droot, theories)
    if pf is not None:
        return parse_project_file(pf)
    return CoqProject(lexical(path).parent, (), (), (lexical(path),), None)


_REQUIRE = re.compile(
    r"(?:\bFrom\s+([\w.']+)\s+)?\bRequire\s+(?:(?:Import|Export)\s+)?((?:[\w.']+\s*)+)"
)


def required_modules(text: str) -> list[tuple[str | None, str]]:
    """(From-prefix, module) pairs named by Require commands in ``text``."""
    out: list[tuple[str | None, str]] = []
    if "Require" not in text:
        return out
    try:
        sentences = split_sentences(text)
    except SplitError:
        return out
    for s in sentences:
        if "Require" not in s.text:
            continue
        body = strip_comments(s.text).rstrip(". \n")
        m = _REQUIRE.search(body)
        if not m:
            continue
        for mod in m.group(2).split():
            if mod in ("Import", "Export"):
                continue
            out.append((m.group(1), mod))
    return out


def dependencies(project: CoqProject, files: list[Path] | None = None) -> dict[Path, list[Path]]:
    """For each project file, the project files it requires.

    A ``Require`` names a module by a dotted suffix of its logical name (or,
    after ``From P``, a suffix under ``P``); a full name that matches wins.
    """
    files = list(files or project.files)
    names = {f: project.logical_name(f) or f.stem for f in files}
    by_suffix: dict[str, list[Path]] = {}
    for f, name in names.items():
        parts = name.split(".")
        for k in range(len(parts)):
            by_suffix.setdefault(".".join(parts[k:]), []).append(f)
    deps: dict[Path, list[Path]] = {}
    for f in files:
        try:
            text = f.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            deps[f] = []
            continue
        found: list[Path] = []
        for prefix, mod in required_modules(text):
            want = f"{prefix}.{mod}" if prefix else mod
            cands = by_suffix.get(want, [])
            if prefix and not cands:
                cands = [g for g in by_suffix.get(mod, []) if names[g].startswith(prefix + ".")]
            exact = [g for g in cands if names[g] == want]
            for g in exact or cands:
                if g != f and g not in found:
                    found.append(g)
        deps[f] = found
    return deps


def requirements(deps: dict[Path, list[Path]], target: Path) -> list[Path]:
    """What ``target`` requires, transitively, each file after what it requires (``deps``: direct requires)."""
    order: list[Path] = []
    seen: set[Path] = set()

    def visit(f: Path) -> None:
        for g in deps.get(f, []):
            if g not in seen:
                seen.add(g)
                visit(g)
                order.append(g)

    visit(target)
    return order


def dependencies_of(project: CoqProject, target: Path) -> tuple[list[Path], dict[Path, list[Path]]]:
    """The project files ``target`` needs (transitively), in build order, and the direct-dependency map."""
    target = project.find(target)
    files = list(project.files)
    if target not in files:
        files.append(target)
    deps = dependencies(project, files)
    return requirements(deps, target), deps


def dependency_order(project: CoqProject, files: list[Path] | None = None) -> list[Path]:
    """Project files in an order where every file comes after what it requires."""
    files = list(files or project.files)
    deps = dependencies(project, files)
    order: list[Path] = []
    state: dict[Path, int] = {}

    def visit(f: Path) -> None:
        if state.get(f) == 2:
            return
        if state.get(f) == 1:
            raise InputError(f"dependency cycle through {f.name}")
        state[f] = 1
        for g in deps.get(f, []):
            visit(g)
        state[f] = 2
        order.append(f)

    for f in files:
        visit(f)
    return order
