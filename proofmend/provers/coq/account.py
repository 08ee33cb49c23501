"""Coq's own account of a compiled file: its constants, their kinds, types and bodies.

A text is compiled as the library ``ProofmendAudit.<stem>`` in a private
folder, then a coqidetop loads it (``Require``, nothing imported) and is asked:

- ``Search _ inside ProofmendAudit.<stem>`` — every constant, inductive and
  constructor the file defines, named or not (anonymous instances, obligations,
  ``Goal``'s ``Unnamed_thm``, ``abstract``'s sub-proofs), with its type;
- ``About`` each of them — the fully qualified name and whether it is
  transparent;
- ``Search is:Conjecture`` / ``is:Axiom`` / ``is:Parameter`` — the declaration
  kinds Coq records: an ``Admitted`` lemma, definition, instance or obligation
  is a *conjecture*, wherever it lives (this file, another file of the project,
  a library); ``Axiom``/``Parameter`` declarations are axioms.

All names are printed in the same context, so a printed name identifies one
object within one account; across accounts, fully qualified names are used.

Why not the ``.glob`` file or ``Print Module``: in Coq 8.16 the ``.glob`` has
no entry for anonymous instances, obligations or ``abstract``'s sub-proofs, and
records an ``Admitted`` lemma with the same kind (``prf``) as a proven one;
``Print Module`` does not list the contents of sub-modules and prints opaque
lemmas, axioms and admitted lemmas alike as ``Parameter``.  ``Search`` with
``inside`` and ``is:`` gives every constant and the kind Coq declared it with.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..limits import Limits
from .assumptions import About, parse_about, parse_coqchk, parse_search
from .batch import run_coqc
from .project import CoqProject
from .queries import CoqQueries

PREFIX = "ProofmendAudit"
_SEARCH_FILTER = 'Remove Search Blacklist "_subproof" "_subterm" "Private_".'


@dataclass(frozen=True)
class Compiled:
    rc: int | None  # None on timeout
    output: str
    seconds: float
    source: Path
    module: str  # "ProofmendAudit.T"
    project: CoqProject  # the project's flags plus the mapping of the private folder


def compile_module(project: CoqProject, text: str, stem: str, folder: Path, limits: Limits) -> Compiled:
    """Compile ``text`` as ``ProofmendAudit.<stem>`` in ``folder`` (created; the project is not touched)."""
    folder.mkdir(parents=True, exist_ok=True)
    src = folder / f"{stem}.v"
    src.write_text(text, encoding="utf-8")
    mapped = project.with_extra_flags(["-Q", str(folder), PREFIX])
    rc, out, secs = run_coqc(mapped, src, limits, output=src.with_suffix(".vo"))
    return Compiled(rc, out, secs, src, f"{PREFIX}.{stem}", mapped)


@dataclass(frozen=True)
class Constant:
    full_name: str
    printed: str  # how Coq prints it in its account
    type: str
    kind: str  # Constant, Inductive, Constructor
    transparent: bool | None


@dataclass
class Account:
    """What Coq says about one compiled module; the session stays open for further questions."""

    module: str
    queries: CoqQueries
    constants: dict[str, Constant] = field(default_factory=dict)  # by full name
    conjectures: frozenset[str] = frozenset()  # full names of every admitted constant loaded
    _about: dict[str, About | None] = field(default_factory=dict)
    _axioms: frozenset[str] | None = None

    @property
    def axioms(self) -> frozenset[str]:
        """Printed names of every constant loaded that Coq records as an Axiom or a Parameter (asked once, when needed)."""
        if self._axioms is None:
            found = set(parse_search(self.queries.ask("Search is:Axiom.")))
            found |= set(parse_search(self.queries.ask("Search is:Parameter.")))
            self._axioms = frozenset(found)
        return self._axioms

    def about(self, name: str) -> About | None:
        if name not in self._about:
            self._about[name] = parse_about(self.queries.ask_text(f"About {name}."))
        return self._about[name]

    def full_name(self, printed: str) -> str:
        a = self.about(printed)
        return a.full_name if a else printed

    def local_name(self, full: str) -> str:
        """``full`` relative to the module when it lives there ("M.inner"), else as is."""
        return full[len(self.module) + 1 :] if full.startswith(self.module + ".") else full

    def print(self, full: str) -> str:
        return self.queries.ask_text(f"Print {full}.")

    def close(self) -> None:
        self.queries.close()


def open_account(compiled: Compiled, limits: Limits) -> Account:
    """Load the compiled module in a coqidetop and ask Coq for its account."""
    q = CoqQueries(compiled.project, [f"Require {compiled.module}.", _SEARCH_FILTER], limits,
                   query_timeout=max(30.0, limits.timeout_s))
    acc = Account(compiled.module, q)
    try:
        for printed, typ in parse_search(q.ask(f"Search _ inside {compiled.module}.")).items():
            a = acc.about(printed)
            if a is None:
                continue
            acc.constants[a.full_name] = Constant(a.full_name, printed, typ, a.kind, a.transparent)
        acc.conjectures = frozenset(acc.full_name(p) for p in parse_search(q.ask("Search is:Conjecture.")))
    except BaseException:
        q.close()
        raise
    return acc


def coqchk_binary() -> str | None:
    return shutil.which("coqchk")


@dataclass(frozen=True)
class KernelCheck:
    ok: bool
    axioms: tuple[str, ...]
    unsafe: tuple[str, ...]
    message: str
    seconds: float


def run_coqchk(compiled: Compiled, limits: Limits) -> KernelCheck:
    """Re-check the compiled module (not its libraries) in coqchk's separate kernel."""
    exe = coqchk_binary()
    if exe is None:
        return KernelCheck(False, (), (), "coqchk is not installed", 0.0)
    cmd = [exe, "-silent", "-o", *compiled.project.coq_flags(), "-norec", compiled.module]
    t0 = time.monotonic()
    try:
        proc = subprocess.run(cmd, cwd=compiled.project.root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL, timeout=limits.timeout_s, preexec_fn=limits.preexec())
    except subprocess.TimeoutExpired:
        return KernelCheck(False, (), (), f"coqchk took longer than {limits.timeout_s:g} s", time.monotonic() - t0)
    out = proc.stdout.decode("utf-8", "replace")
    axioms, unsafe = parse_coqchk(out)
    tail = (out.strip().splitlines() or [f"coqchk exited with {proc.returncode}"])[-1]
    return KernelCheck(proc.returncode == 0, tuple(axioms), tuple(unsafe), tail, time.monotonic() - t0)
