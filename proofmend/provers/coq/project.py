"""Coq projects: ``_CoqProject`` flags, logical names and dependency order."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
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
    files: tuple[Path, ...] = ()  # absolute, as listed
    project_file: Path | None = None

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
        return CoqProject(self.root, self.loadpaths, self.args + tuple(extra), self.files, self.project_file)


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
    return CoqProject(root, tuple(loadpaths), tuple(args), tuple(files), path)


def find_project_file(start: Path) -> Path | None:
    """Look for ``_CoqProject`` in ``start`` (a directory) and then its parents."""
    d = start.resolve()
    for cand in (d, *d.parents):
        p = cand / PROJECT_FILE
        if p.is_file():
            return p
    return None


def project_for(path: Path) -> CoqProject:
    """The project governing ``path`` (a ``.v`` file or a project directory)."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"no such file or directory: {path}")
    if path.is_dir():
        pf = path / PROJECT_FILE
        if not pf.is_file():
            raise InputError(f"{path} is a directory without a {PROJECT_FILE}")
        proj = parse_project_file(pf)
        if not proj.files:
            files = sorted(p.resolve() for p in path.rglob("*.v"))
            proj = CoqProject(proj.root, proj.loadpaths, proj.args, tuple(files), proj.project_file)
        return proj
    if path.suffix != ".v":
        raise InputError(f"not a Coq file (expected .v): {path}")
    pf = find_project_file(path.parent)
    if pf is None:
        return CoqProject(path.resolve().parent, (), (), (path.resolve(),), None)
    return parse_project_file(pf)


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
    """For each project file, the project files it requires."""
    files = list(files or project.files)
    names = {f: project.logical_name(f) or f.stem for f in files}
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
            for g, name in names.items():
                if g == f:
                    continue
                if name == want or name.endswith("." + want) or (
                    prefix and name.startswith(prefix + ".") and name.endswith("." + mod)
                ):
                    if g not in found:
                        found.append(g)
        deps[f] = found
    return deps


def dependencies_of(project: CoqProject, target: Path) -> tuple[list[Path], dict[Path, list[Path]]]:
    """The project files ``target`` needs (transitively), in build order, and the direct-dependency map."""
    target = target.resolve()
    files = list(project.files)
    if target not in files:
        files.append(target)
    deps = dependencies(project, files)
    needed: set[Path] = set()

    def collect(f: Path) -> None:
        for g in deps.get(f, []):
            if g not in needed:
                needed.add(g)
                collect(g)

    collect(target)
    return [f for f in dependency_order(project, files) if f in needed], deps


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
