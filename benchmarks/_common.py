"""Helpers shared by the benchmark scripts (not part of the package).

A benchmark prints a small table of figures and, with ``--out``, writes them as
JSON.  Everything here runs the real provers: coqc and coqidetop.
"""

from __future__ import annotations

import json
import platform
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from proofmend.agent.config import AgentConfig, SearchConfig
from proofmend.agent.loop.repair import mend_path
from proofmend.provers.coq.batch import coqc_binary
from proofmend.provers.coq.project import CoqProject
from proofmend.provers.coq.session import ProofSession
from proofmend.provers.errors import ProverError
from proofmend.provers.limits import Limits
from proofmend.provers.results import TacticOk

# Single tactics tried one at a time from the start of the proof.
SINGLE_TACTICS = (
    "reflexivity", "trivial", "easy", "assumption", "discriminate", "congruence", "auto", "eauto",
    "tauto", "intuition", "lia", "nia", "firstorder",
)
HAMMER_IMPORT = "From Hammer Require Import Tactics.\n"


# ------------------------------------------------------------------ machine and formatting
def machine() -> dict:
    """Where the figures were taken."""
    try:
        coq = subprocess.run([coqc_binary(), "--version"], capture_output=True, text=True, timeout=30).stdout.split("\n")[0]
    except (OSError, subprocess.SubprocessError):
        coq = "?"
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import os

    return {"date": time.strftime("%Y-%m-%d %H:%M"), "python": platform.python_version(), "coq": coq.strip(),
            "cpu": cpu, "cores": os.cpu_count()}


def median(xs) -> float | None:
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt_s(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def pct(k: int, n: int) -> str:
    return f"{k}/{n} ({100.0 * k / n:.0f}%)" if n else "0/0"


def table(headers: list[str], rows: list[list]) -> str:
    cells = [[str(h) for h in headers]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = []
    for j, r in enumerate(cells):
        lines.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
        if j == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def write_json(path: Path | None, data: dict) -> None:
    if path is None:
        return
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {path}")


# ------------------------------------------------------------------ provers
def lone_project(root: Path) -> CoqProject:
    """A project of lone files in ``root`` (no _CoqProject, no flags)."""
    return CoqProject(Path(root).resolve())


def coqc(path: Path, timeout: float, flags: list[str] | None = None) -> tuple[bool, float, str]:
    """Compile ``path`` in its folder; (ok, seconds, output).  A timeout is a failure."""
    t0 = time.monotonic()
    try:
        p = subprocess.run([coqc_binary(), *(flags or []), path.name], cwd=path.parent, capture_output=True,
                           text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return False, time.monotonic() - t0, "timeout"
    return p.returncode == 0, time.monotonic() - t0, p.stdout + p.stderr


@dataclass
class Attempt:
    solved: bool
    seconds: float  # from the start of the prover to the verdict (or the end of the budget)
    tactic: str | None = None
    error: str | None = None


def portfolio(root: Path, prefix: str, tactics: tuple[str, ...] | list[str], budget_s: float,
              per_tactic_s: float | None = None, opener: str = "Proof.", project: CoqProject | None = None) -> Attempt:
    """Try each of ``tactics`` alone from the start of the proof whose statement ends ``prefix``.

    Success when one of them alone leaves no goal.  One live session; the clock
    includes starting it (loading the prefix), as a repair run's clock does.
    """
    t0 = time.monotonic()
    deadline = t0 + budget_s
    per = per_tactic_s or budget_s
    try:
        with ProofSession(project or lone_project(root), prefix, limits=Limits(timeout_s=max(30.0, budget_s), memory_mb=4096),
                          tactic_timeout=per) as s:
            opened = s.run(opener)
            if not isinstance(opened, TacticOk):
                return Attempt(False, time.monotonic() - t0, error=f"opener: {opened.message}")
            start = opened.checkpoint
            for tac in tactics:
                left = deadline - time.monotonic()
                if left <= 0.05:
                    break
                try:
                    r = s.run(tac + ".", at=start, timeout=min(per, left))
                except ProverError:  # killed after a runaway tactic: the next call restarts it
                    continue
                if isinstance(r, TacticOk) and r.goals.done:
                    return Attempt(True, time.monotonic() - t0, tactic=tac)
            return Attempt(False, time.monotonic() - t0)
    except ProverError as e:
        return Attempt(False, time.monotonic() - t0, error=f"{type(e).__name__}: {e}")


def mend(path: Path, timeout_s: float, theorem: str | None = None, search_s: float | None = None) -> dict:
    """Run proofmend's offline repair (``--model search``) on ``path``; a summary of its one target hole."""
    # Loading the file has its own time, so timeout_s is the work on the hole, as in the figures before
    # loading counted against the first hole's time.
    config = AgentConfig(timeout_s=timeout_s, load_timeout_s=300, search=SearchConfig(time_s=search_s or timeout_s))
    t0 = time.monotonic()
    try:
        report = mend_path(path, config, theorem=theorem)
    except Exception as e:  # a benchmark records the failure and goes on
        return {"solved": False, "seconds": None, "wall_s": time.monotonic() - t0, "error": f"{type(e).__name__}: {e}"}
    wall = time.monotonic() - t0
    holes = [h for h in report.holes if theorem is None or theorem in (h.theorem, h.theorem.split(".")[-1])]
    if not holes:
        return {"solved": False, "seconds": None, "wall_s": wall, "error": "no hole found"}
    h = holes[0]
    return {"solved": h.status == "fixed", "seconds": h.elapsed_s, "wall_s": wall, "exit": h.exit,
            "proof": h.proof, "status": h.status, "error": h.error}


def scratch(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=prefix))
