"""The import layering check (``python -m proofmend.devtools.imports``) on the real
package and on small packages written here, each with one known fault."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import ast

from proofmend.devtools.imports import check, imported_names, modules_of, resolve

PACKAGE = Path(__file__).resolve().parent.parent / "proofmend"


def edges(problems: list[str]) -> set[tuple[str, str]]:
    """(source, target) of each reported edge: ``path:line: source -> target: reasons``."""
    out = set()
    for line in problems:
        source, _, rest = line.split(": ", 1)[1].partition(" -> ")
        out.add((source, rest.split(":", 1)[0]))
    return out


def run_check(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "proofmend.devtools.imports", *args],
                          capture_output=True, text=True, timeout=120)


def make_package(root: Path, files: dict[str, str]) -> Path:
    """A package ``root/proofmend`` with every ``__init__.py`` on the way and ``files`` in it."""
    pkg = root / "proofmend"
    for rel, text in {"__init__.py": "", **files}.items():
        path = pkg / rel
        for parent in [path.parent, *path.parent.parents]:
            if parent == pkg.parent:
                break
            parent.mkdir(parents=True, exist_ok=True)
            (parent / "__init__.py").touch()
        path.write_text(textwrap.dedent(text))
    return pkg


#: A small package that follows the layering: cli -> agent -> provers, protocols in between.
CLEAN = {
    "provers/results.py": "from dataclasses import dataclass\n",
    "provers/coq/session.py": "from ..results import dataclass\nfrom .. import results\n",
    "provers/lean/batch.py": "from proofmend.provers.results import dataclass\n",
    "protocols.py": "from .provers.results import dataclass\n",
    "prompts/__init__.py": "",
    "agent/loop.py": "from ..protocols import dataclass\nfrom ..provers.coq import session\nfrom . import search\n",
    "agent/search.py": "import proofmend.provers.coq.session\nfrom proofmend import __version__\n",
    "evals/harness.py": "from ..agent.loop import search\n",
    "cli.py": "def main():\n    from .evals import harness\n    from .agent import loop\n",
}


def test_the_real_package_has_no_fault() -> None:
    faults = edges(check(PACKAGE))
    assert not faults, f"imports against the layering or on a cycle: {sorted(faults)}"


#: The agent's rooms, lowest first: each imports only from those before it (the modules at
#: the top of ``agent/`` are the ground every room shares).
AGENT_ROOMS = ["", "changes", "proposers", "loop", "revisions"]


def test_the_agent_rooms_import_only_downward() -> None:
    modules = modules_of(PACKAGE)
    room = {}
    for name in modules:
        if name.startswith("proofmend.agent.") or name == "proofmend.agent":
            parts = name.split(".")
            sub = parts[2] if len(parts) > 3 or (len(parts) == 3 and modules[name].name == "__init__.py") else ""
            room[name] = sub
    assert set(room.values()) == set(AGENT_ROOMS), "a room of agent/ is missing from AGENT_ROOMS"
    upward = []
    for name, sub in room.items():
        path = modules[name]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for imported, line in imported_names(tree, name, path.name == "__init__.py"):
            target = resolve(imported, modules)
            if target in room and AGENT_ROOMS.index(room[target]) > AGENT_ROOMS.index(sub):
                upward.append(f"{path.name}:{line}: {name} -> {target}")
    assert not upward, upward


def test_the_real_package_follows_the_layering() -> None:
    proc = run_check(str(PACKAGE))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no import cycle" in proc.stdout


def test_a_clean_package_passes(tmp_path: Path) -> None:
    pkg = make_package(tmp_path, CLEAN)
    assert check(pkg) == []
    proc = run_check(str(pkg))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("proofmend: no import cycle")


def test_a_file_cycle_through_an_import_inside_a_function(tmp_path: Path) -> None:
    pkg = make_package(tmp_path, {**CLEAN, "agent/search.py": """\
        import os


        def solve():
            from .loop import search  # runs only when called, still a cycle
            return search
        """})
    proc = run_check(str(pkg))
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert lines == [
        "proofmend/agent/loop.py:3: proofmend.agent.loop -> proofmend.agent.search: file cycle",
        "proofmend/agent/search.py:5: proofmend.agent.search -> proofmend.agent.loop: file cycle",
    ]


def test_upward_imports_are_each_reported(tmp_path: Path) -> None:
    pkg = make_package(tmp_path, {
        **CLEAN,
        "provers/coq/session.py": "from ...agent import search\n",  # provers knows no agent
        "agent/search.py": "import proofmend.evals.harness\n",  # the agent does not know it is scored
        "agent/trace.py": "from proofmend.cli import main\n",
        "provers/lean/batch.py": "from ..coq.session import search\n",  # backends are independent
    })
    problems = check(pkg)
    by_edge = {(s, t): line for (s, t), line in zip([next(iter(edges([p]))) for p in problems], problems)}
    assert set(by_edge) == {
        ("proofmend.provers.coq.session", "proofmend.agent.search"),
        ("proofmend.agent.search", "proofmend.evals.harness"),
        ("proofmend.agent.trace", "proofmend.cli"),
        ("proofmend.provers.lean.batch", "proofmend.provers.coq.session"),
        # search -> harness -> loop -> search and session -> search -> harness -> loop -> session
        ("proofmend.evals.harness", "proofmend.agent.loop"),
        ("proofmend.agent.loop", "proofmend.agent.search"),
        ("proofmend.agent.loop", "proofmend.provers.coq.session"),
        # the packages cli and agent now import each other (trace -> cli -> loop)
        ("proofmend.cli", "proofmend.agent.loop"),
        ("proofmend.cli", "proofmend.evals.harness"),
    }
    assert by_edge[("proofmend.agent.trace", "proofmend.cli")] == (
        "proofmend/agent/trace.py:1: proofmend.agent.trace -> proofmend.cli: "
        "package cycle (proofmend.agent <-> proofmend.cli), against the layering (agent may import prompts, protocols, provers and what lies below)")
    assert "independent backends" in by_edge[("proofmend.provers.lean.batch", "proofmend.provers.coq.session")]
    assert "file cycle" in by_edge[("proofmend.evals.harness", "proofmend.agent.loop")]
    assert "against the layering" not in by_edge[("proofmend.evals.harness", "proofmend.agent.loop")]
    assert by_edge[("proofmend.cli", "proofmend.agent.loop")].endswith(
        "package cycle (proofmend.cli <-> proofmend.agent)")


def test_a_type_only_import_counts(tmp_path: Path) -> None:
    pkg = make_package(tmp_path, {**CLEAN, "protocols.py": """\
        from typing import TYPE_CHECKING

        from .provers.results import dataclass

        if TYPE_CHECKING:
            from .agent.loop import search
        """})
    assert edges(check(pkg)) == {
        ("proofmend.protocols", "proofmend.agent.loop"),
        ("proofmend.agent.loop", "proofmend.protocols"),
    }
    assert "against the layering" in [p for p in check(pkg) if p.startswith("proofmend/protocols.py:6:")][0]


def test_a_cycle_between_packages_without_one_between_files(tmp_path: Path) -> None:
    pkg = make_package(tmp_path, {
        **CLEAN,
        "agent/plan/a.py": "from ..exec import b\n",
        "agent/exec/b.py": "",
        "agent/exec/c.py": "from ..plan import d\n",
        "agent/plan/d.py": "",
    })
    problems = check(pkg)
    assert [p.split(": ", 1)[1] for p in problems] == [
        "proofmend.agent.exec.c -> proofmend.agent.plan.d: package cycle (proofmend.agent.exec <-> proofmend.agent.plan)",
        "proofmend.agent.plan.a -> proofmend.agent.exec.b: package cycle (proofmend.agent.plan <-> proofmend.agent.exec)",
    ]


def test_a_module_in_no_layer_is_reported(tmp_path: Path) -> None:
    pkg = make_package(tmp_path, {**CLEAN, "helpers.py": "", "web/app.py": "from ..agent import loop\n"})
    problems = check(pkg)
    assert "proofmend/helpers.py:1: proofmend.helpers is in no layer (place it in proofmend.devtools.imports)" in problems
    assert any(p.startswith("proofmend/web/app.py:1: proofmend.web.app is in no layer") for p in problems)


def test_not_a_package_is_a_usage_error(tmp_path: Path) -> None:
    proc = run_check(str(tmp_path))
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"not a Python package (no __init__.py): {tmp_path}"
    assert "Traceback" not in proc.stderr
