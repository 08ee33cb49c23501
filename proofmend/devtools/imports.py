"""The import layering check: ``python -m proofmend.devtools.imports [PACKAGE_DIR]``.

Reads the imports of every module of the package with :mod:`ast` (absolute and
relative, at the top of the file or inside a function, under
``if TYPE_CHECKING:`` too: a type-only import is still a dependency of the
design) and prints each offending edge on a line of its own,
``path:line: source -> target: reasons``, then exits 1. Exit 0 when there is
none, 2 when PACKAGE_DIR is not a package. An edge offends when it

- lies on an import cycle between files (``file cycle``);
- lies on an import cycle between packages (``package cycle``); the packages
  are the folders (``proofmend.provers.coq``), and each module at the top of
  ``proofmend/`` counts as a package of its own;
- runs against the layering below (``against the layering``).

An import names one module: ``from .a import b`` depends on ``a.b`` when that
is a module and on ``a`` otherwise; the ``__init__`` of the parents that Python
runs on the way is not counted (every ``__init__`` here is a docstring).

The layering (``../shared/DESIGN.md``). Each module belongs to one unit, the
first name under ``proofmend``; :data:`MAY_IMPORT` lists what each unit may
import directly, and a unit may import everything below those, so an import is
allowed exactly when its target's unit can be reached from its source's::

    cli        -> agent, evals, nn_proofs, editor, mcp, provers
    mcp        -> editor, agent, provers
    editor     -> agent, provers
    nn_proofs  -> evals, provers
    evals      -> agent
    agent      -> protocols, provers, prompts
    protocols  -> provers
    provers    -> (the package root only)
    prompts    -> (the package root only)
    devtools   -> (the package root only; nothing imports it)

The modules at the top of the package sit as follows: ``cli.py`` and its
helpers ``cli_inputs.py`` and ``ci.py`` form the ``cli`` unit;
``protocols.py`` (the interfaces the agent is written against: ``Session``,
``Model``, ``Proposer``) sits just above ``provers`` and just below ``agent``:
it may name prover result types, and the agent and everything above it may
import it, but nothing in ``provers`` may; ``__init__.py`` (the version) is the
root, which imports nothing and which any module may import. A new top-level
module or subpackage must be placed in :data:`TOP_MODULES` or
:data:`MAY_IMPORT`; until it is, it is reported (``in no layer``).

Within ``provers`` the backends are independent: ``provers.coq`` and
``provers.lean`` never import each other (what both need lives in
``provers`` itself).
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass, field
from pathlib import Path

MAY_IMPORT: dict[str, frozenset[str]] = {
    "root": frozenset(),
    "provers": frozenset({"root"}),
    "prompts": frozenset({"root"}),
    "protocols": frozenset({"provers"}),
    "agent": frozenset({"protocols", "provers", "prompts"}),
    "evals": frozenset({"agent"}),
    "editor": frozenset({"agent", "provers"}),
    "mcp": frozenset({"editor", "agent", "provers"}),
    "nn_proofs": frozenset({"evals", "provers"}),
    "cli": frozenset({"agent", "evals", "nn_proofs", "editor", "mcp", "provers"}),
    "devtools": frozenset({"root"}),
}
"""Unit -> the units it may import directly (and, through them, everything below)."""

TOP_MODULES = {"__init__": "root", "cli": "cli", "cli_inputs": "cli", "ci": "cli", "protocols": "protocols"}
"""The unit of each module at the top of the package."""

INDEPENDENT = frozenset({"provers"})
"""Units whose subpackages never import each other."""


@dataclass
class Edge:
    source: str  # module names, dotted
    target: str
    path: str  # the source file, relative to the package's parent folder
    lines: list[int] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        more = f" (also line {', '.join(map(str, self.lines[1:]))})" if len(self.lines) > 1 else ""
        return f"{self.path}:{self.lines[0]}: {self.source} -> {self.target}: {', '.join(self.reasons)}{more}"


def below(unit: str) -> set[str]:
    """Every unit ``unit`` may import: those it names and, recursively, theirs."""
    seen: set[str] = set()
    todo = [unit]
    while todo:
        for lower in MAY_IMPORT.get(todo.pop(), ()):
            if lower not in seen:
                seen.add(lower)
                todo.append(lower)
    return seen


def modules_of(package: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every ``.py`` file of the package (``__init__`` names its package)."""
    top = package.name
    found: dict[str, Path] = {}
    for path in sorted(package.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        parts = list(path.relative_to(package).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join([top, *parts])] = path
    return found


def imported_names(tree: ast.AST, module: str, is_package: bool) -> list[tuple[str, int]]:
    """(dotted name, line) for every import in ``tree``; ``from a import b`` gives ``a.b``.

    Relative imports are resolved against ``module``; both ``a.b`` and ``a``
    candidates are returned as ``a.b`` and :func:`resolve` picks the module.
    """
    names: list[tuple[str, int]] = []
    here = module.split(".") if is_package else module.split(".")[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                if node.level - 1 > len(here) - 1:
                    continue  # beyond the top package: Python refuses it too
                base = here[: len(here) - (node.level - 1)]
                start = ".".join(base + ([node.module] if node.module else []))
            else:
                start = node.module or ""
            names += [(f"{start}.{alias.name}" if alias.name != "*" else start, node.lineno) for alias in node.names]
    return names


def resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The module ``name`` refers to: itself, or its longest prefix that is a module of the package."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return None


def unit_of(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) == 1:
        return "root"
    if parts[1] in TOP_MODULES:
        return TOP_MODULES[parts[1]]
    return parts[1] if parts[1] in MAY_IMPORT and parts[1] != "root" else None


def package_of(module: str, modules: dict[str, Path]) -> str:
    """The package a module counts in for package cycles: its folder, or itself at the top."""
    parts = module.split(".")
    if modules[module].name == "__init__.py" or len(parts) == 2:
        return module
    return ".".join(parts[:-1])


def reaches(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """For each node, every node reachable from it by one edge or more."""
    out: dict[str, set[str]] = {}
    for start in graph:
        seen: set[str] = set()
        todo = list(graph[start])
        while todo:
            node = todo.pop()
            if node not in seen:
                seen.add(node)
                todo += graph.get(node, ())
        out[start] = seen
    return out


def layering_reason(source: str, target: str) -> str | None:
    """Why ``source`` may not import ``target`` (module names), or None when it may."""
    s_unit, t_unit = unit_of(source), unit_of(target)
    if s_unit is None or t_unit is None:
        return None  # reported once per module as "in no layer"
    if s_unit != t_unit:
        if t_unit not in below(s_unit):
            allowed = ", ".join(sorted(MAY_IMPORT[s_unit])) or "nothing"
            return f"against the layering ({s_unit} may import {allowed} and what lies below)"
        return None
    s_parts, t_parts = source.split("."), target.split(".")
    if s_unit in INDEPENDENT and len(s_parts) > 3 and len(t_parts) > 3 and s_parts[2] != t_parts[2]:
        return f"against the layering ({'.'.join(s_parts[:3])} and {'.'.join(t_parts[:3])} are independent backends)"
    return None


def check(package: Path) -> list[str]:
    """Every offending edge of the package (and every module in no layer), one string each."""
    package = Path(package)
    modules = modules_of(package)
    rel = package.parent
    problems: list[str] = []
    edges: dict[tuple[str, str], Edge] = {}
    for module, path in modules.items():
        if unit_of(module) is None:
            problems.append(f"{path.relative_to(rel)}:1: {module} is in no layer (place it in {__name__})")
        try:
            tree = ast.parse(path.read_bytes(), filename=str(path))
        except SyntaxError as err:
            problems.append(f"{path.relative_to(rel)}:{err.lineno or 1}: cannot be parsed: {err.msg}")
            continue
        for name, line in imported_names(tree, module, path.name == "__init__.py"):
            target = resolve(name, modules)
            if target is None or target == module:
                continue
            edge = edges.setdefault((module, target), Edge(module, target, str(path.relative_to(rel))))
            if line not in edge.lines:
                edge.lines.append(line)
    for edge in edges.values():
        edge.lines.sort()

    file_graph: dict[str, set[str]] = {m: set() for m in modules}
    pkg_graph: dict[str, set[str]] = {}
    for source, target in edges:
        file_graph[source].add(target)
        s_pkg, t_pkg = package_of(source, modules), package_of(target, modules)
        pkg_graph.setdefault(s_pkg, set())
        pkg_graph.setdefault(t_pkg, set())
        if s_pkg != t_pkg:
            pkg_graph[s_pkg].add(t_pkg)
    file_reach, pkg_reach = reaches(file_graph), reaches(pkg_graph)

    for (source, target), edge in sorted(edges.items(), key=lambda kv: (kv[1].path, kv[1].lines[0])):
        if source in file_reach[target]:
            edge.reasons.append("file cycle")
        s_pkg, t_pkg = package_of(source, modules), package_of(target, modules)
        if s_pkg != t_pkg and s_pkg in pkg_reach[t_pkg]:
            edge.reasons.append(f"package cycle ({s_pkg} <-> {t_pkg})")
        reason = layering_reason(source, target)
        if reason:
            edge.reasons.append(reason)
        if edge.reasons:
            problems.append(str(edge))
    return problems


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    if len(args) > 1:
        print("usage: python -m proofmend.devtools.imports [PACKAGE_DIR]", file=sys.stderr)
        return 2
    package = Path(args[0]) if args else Path(__file__).resolve().parent.parent
    if not (package / "__init__.py").is_file():
        print(f"not a Python package (no __init__.py): {package}", file=sys.stderr)
        return 2
    problems = check(package)
    for line in problems:
        print(line)
    if problems:
        print(f"{len(problems)} import(s) against the layering or on a cycle in {package.name}", file=sys.stderr)
        return 1
    print(f"{package.name}: no import cycle, no import against the layering ({len(modules_of(package))} modules)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
