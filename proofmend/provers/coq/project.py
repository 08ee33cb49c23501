"""Coq projects: ``_CoqProject`` flags, logical names and dependency order."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import InputError
from .dune import BUILD_DIR, DUNE_PROJECT, SKIPPED_DIRS, find_dune_root, theories_in
from .sentences import SplitError, split_sentences, strip_comments

PROJECT_FILE = "_CoqProject"


@dataclass(frozen=True)
class LoadPath:
    flag: str  # "-R", "-Q" or "-I"
    directory: Path  # absolute
    logical: str = ""  # empty for -I


@dataclass(frozen=True)
class CoqProject:
    """The flags and files of a Coq project (possibly a lone file with no project)."""

    root: Path  # directory coqc runs in
    loadpaths: tuple[LoadPath, ...] = ()
    args: tuple[str, ...] = ()  # from -arg
    files: tuple[Path, ...] = ()  # absolute: as listed, or the .v files under the load paths
    project_file: Path | None = None  # _CoqProject or dune-project
    kind: str = "file"  # "files" (_CoqProject listing files), "flags" (_CoqProject without files), "dune", "file"
    build_dir: Path | None = None  # where the user's build puts compiled files (dune: _build/default), if not beside the sources

    def coq_flags(self) -> list[str]:
        flags: list[str] = []
        for lp in self.loadpaths:
            if lp.flag == "-I":
                flags += ["-I", str(lp.directory)]
            else:
                flags += [lp.flag, str(lp.directory), lp.logical]
        flags += list(self.args)
        return flags

    def logical_name(self, file: Path) -> str | None:
        """The module path of ``file`` under this project's -R/-Q mappings."""
        file = file.resolve()
        best: tuple[int, str] | None = None
        for lp in self.loadpaths:
            if lp.flag == "-I":
                continue
            try:
                rel = file.with_suffix("").relative_to(lp.directory)
            except ValueError:
                continue
            parts = [p for p in (lp.logical.split(".") if lp.logical else []) if p] + list(rel.parts)
            depth = len(lp.directory.parts)
            if best is None or depth > best[0]:
                best = (depth, ".".join(parts))
        return best[1] if best else None

    def with_extra_flags(self, extra: list[str]) -> "CoqProject":
        return replace(self, args=self.args + tuple(extra))

    def compiled(self, file: Path) -> list[Path]:
        """Where the user's build may keep the compiled ``file``: beside it, and in dune's build folder."""
        file = file.resolve()
        places = [file.with_suffix(".vo")]
        if self.build_dir is not None and _inside(file, self.root):
            places.append(self.build_dir / file.relative_to(self.root).with_suffix(".vo"))
        return places

    def relocated(self, new_root: Path) -> "CoqProject":
        """The same project with every path inside ``root`` moved under ``new_root`` (its build beside the sources)."""
        new_root = new_root.resolve()

        def move(p: Path) -> Path:
            return new_root / p.relative_to(self.root) if _inside(p, self.root) else p

        return CoqProject(
            new_root,
            tuple(LoadPath(lp.flag, move(lp.directory), lp.logical) for lp in self.loadpaths),
            self.args,
            tuple(move(f) for f in self.files),
            move(self.project_file) if self.project_file else None,
            self.kind,
            None,
        )


def _inside(p: Path, root: Path) -> bool:
    try:
        p.resolve().relative_to(root.resolve())
        return True
    except ValueError:
        return False


def files_under(loadpaths: tuple[LoadPath, ...] | list[LoadPath]) -> tuple[Path, ...]:
    """The ``.v`` files under the -R/-Q folders (build and hidden folders skipped), each once."""
    seen: dict[Path, None] = {}
    for lp in loadpaths:
        if lp.flag == "-I" or not lp.directory.is_dir():
            continue
        for f in sorted(lp.directory.rglob("*.v")):
            rel = f.relative_to(lp.directory).parts[:-1]
            if any(part in SKIPPED_DIRS or part.startswith(".") for part in rel):
                continue
            seen.setdefault(f.resolve(), None)
    return tuple(seen)


def _tokens(text: str) -> list[str]:
    lines = [ln.split("#", 1)[0] if not ln.lstrip().startswith('-arg') else ln for ln in text.splitlines()]
    try:
        return shlex.split("\n".join(lines), comments=False)
    except ValueError as e:
        raise InputError(f"cannot parse {PROJECT_FILE}: {e}") from None


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
            loadpaths.append(LoadPath(t, (root / toks[i + 1]).resolve(), toks[i + 2]))
            i += 3
        elif t == "-I":
            if i + 1 >= len(toks):
                raise InputError(f"{path}: '-I' needs a directory")
            loadpaths.append(LoadPath("-I", (root / toks[i + 1]).resolve()))
            i += 2
        elif t == "-arg":
            if i + 1 >= len(toks):
                raise InputError(f"{path}: '-arg' needs a value")
            args += shlex.split(toks[i + 1])
            i += 2
        elif t.endswith(".v"):
            files.append((root / t).resolve())
            i += 1
        elif t.startswith("-"):
            # Options coq_makefile understands but coqc does not need
            # (-generate-meta-for-package NAME, -docroot DIR, ...).
            i += 2 if t in ("-generate-meta-for-package", "-docroot", "-o", "-native-compiler") else 1
        else:
            i += 1  # MAKEFILE variables and the like
    if files:
        return CoqProject(root, tuple(loadpaths), tuple(args), tuple(files), path, "files", _dune_build_dir(root))
    found = files_under(loadpaths) if any(lp.flag != "-I" for lp in loadpaths) else tuple(
        f.resolve() for f in sorted(root.glob("*.v")))
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
    loadpaths = tuple(LoadPath("-R", t.directory, t.name) for t in theories)
    args: list[str] = []
    for t in theories:
        args += [a for a in t.flags if a not in args or not a.startswith("-w")]
    return CoqProject(root, loadpaths, tuple(args), files_under(loadpaths), root / DUNE_PROJECT, "dune",
                      root / BUILD_DIR)


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
    return CoqProject(path.resolve().parent, (), (), (path.resolve(),), None)


_REQUIRE = re.compile(
    r"(?:\bFrom\s+([\w.']+)\s+)?\bRequire\s+(?:(?:Import|Export)\s+)?((?:[\w.']+\s*)+)"
)


def required_modules(text: str) -> list[tuple[str | None, str]]:
    """(From-prefix, module) pairs named by Require commands in ``text``."""
    out: list[tuple[str | None, str]] = []
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
    target = target.resolve()
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
