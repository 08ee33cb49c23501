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

import re
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..limits import Limits
from .assumptions import About, names_nothing, parse_about, parse_coqchk, parse_search
from .batch import run_coqc
from .project import CoqProject
from .queries import CoqQueries, QueryError

PREFIX = "ProofmendAudit"
#: The original's reference is compiled under its own prefix, so that one session can load both modules.
REF_PREFIX = "ProofmendRef"
_SEARCH_FILTER = 'Remove Search Blacklist "_subproof" "_subterm" "Private_".'


@dataclass(frozen=True)
class Compiled:
    rc: int | None  # None on timeout
    output: str
    seconds: float
    source: Path
    module: str  # "ProofmendAudit.T"
    project: CoqProject  # the project's flags plus the mapping of the private folder


def compile_module(project: CoqProject, text: str, stem: str, folder: Path, limits: Limits,
                   prefix: str = PREFIX) -> Compiled:
    """Compile ``text`` as ``<prefix>.<stem>`` in ``folder`` (created; the project is not touched)."""
    folder.mkdir(parents=True, exist_ok=True)
    src = folder / f"{stem}.v"
    src.write_text(text, encoding="utf-8")
    mapped = project.with_extra_flags(["-Q", str(folder), prefix])
    rc, out, secs = run_coqc(mapped, src, limits, output=src.with_suffix(".vo"))
    return Compiled(rc, out, secs, src, f"{prefix}.{stem}", mapped)


@dataclass(frozen=True)
class Constant:
    full_name: str
    printed: str  # how Coq prints it in its account
    type: str
    kind: str  # Constant, Inductive, Constructor
    transparent: bool | None


@dataclass
class Account:
    """What Coq says about one compiled module; the session stays open for further questions.

    Two accounts may share one session (the candidate and the reference,
    loaded side by side).  The reference's account then speaks of its module
    under the candidate's name (``compared_as``): names and printed text from
    Coq are renamed on the way out and back on the way in, so that the two
    compare by fully qualified name.
    """

    module: str
    queries: CoqQueries
    constants: dict[str, Constant] = field(default_factory=dict)  # by (compared) full name
    conjectures: frozenset[str] = frozenset()  # (compared) full names of every admitted constant loaded
    compared_as: str = ""  # the module name this account's module is compared under ('' = its own)
    _about: dict[str, About | None] = field(default_factory=dict)
    _axioms: frozenset[str] | None = None
    _axioms_of: "Account | None" = None  # another account of the same session, asked instead

    @property
    def name(self) -> str:
        """The module's name as compared."""
        return self.compared_as or self.module

    def norm(self, text: str) -> str:
        """Coq's printed text as it would read for the compared module.

        The candidate is loaded last, so its objects print by their shortest
        name (``T.x``, the library's stem first) while the reference's need
        their prefix (``ProofmendRef.T.x``): the prefix goes.
        """
        if not self.compared_as:
            return text
        return re.sub(rf"(?<![\w.']){re.escape(self.module.split('.', 1)[0])}\.(?={re.escape(self.module.split('.', 1)[1])}(?![\w']))",
                      "", text)

    def norm_full(self, full: str) -> str:
        """A fully qualified name of this session as compared."""
        if self.compared_as and (full == self.module or full.startswith(self.module + ".")):
            return self.compared_as + full[len(self.module):]
        return full

    def real(self, full: str) -> str:
        """A compared full name as Coq knows it in this session."""
        if self.compared_as and (full == self.compared_as or full.startswith(self.compared_as + ".")):
            return self.module + full[len(self.compared_as):]
        return full

    @property
    def axioms(self) -> frozenset[str]:
        """Printed names of every constant loaded that Coq records as an Axiom or a Parameter (asked once, when needed)."""
        if self._axioms is None and self._axioms_of is not None:
            self._axioms = self._axioms_of.axioms  # one session: one answer
        if self._axioms is None:
            found = set(parse_search(self.queries.ask("Search is:Axiom.")))
            found |= set(parse_search(self.queries.ask("Search is:Parameter.")))
            self._axioms = frozenset(found)
        return self._axioms

    def about(self, name: str) -> About | None:
        if name not in self._about:
            self._about[name] = parse_about(self.queries.ask_text(f"About {name}."))
        return self._about[name]

    def about_all(self, names: list[str]) -> None:
        """Ask ``About`` of many names in few round trips (one query holds many ``About``; Coq prints one message
        for each, a failing one included).  Where the count of messages does not match, each is asked alone."""
        todo = [n for n in dict.fromkeys(names) if n not in self._about and _PLAIN_NAME.fullmatch(n)]
        for i in range(0, len(todo), _ABOUT_BATCH):
            chunk = todo[i : i + _ABOUT_BATCH]
            try:
                texts = self.queries.ask(" ".join(f"About {n}." for n in chunk))
            except QueryError:
                continue  # asked one at a time by about()
            if len(texts) == len(chunk):
                for n, t in zip(chunk, texts):
                    self._about[n] = parse_about(t)

    def forget_names(self) -> None:
        """Forget what printed names meant: after another module is loaded, a short name may name its object."""
        self._about.clear()

    def full_name(self, printed: str) -> str:
        """The (compared) full name of what Coq printed as ``printed``."""
        a = self.about(printed)
        return self.norm_full(a.full_name) if a else printed

    def local_name(self, full: str) -> str:
        """``full`` relative to the module when it lives there ("M.inner"), else as is."""
        return full[len(self.name) + 1 :] if full.startswith(self.name + ".") else full

    def print(self, full: str) -> str:
        """``Print`` of a constant, spacing collapsed (line breaks depend on how long the names print).

        Where a line breaks just inside a bracket, Coq's printer leaves ``( e, 1)`` where the same term
        on one line reads ``(e, 1)``, and after a named argument's ``:=``, ``(R:= x)`` for ``(R:=x)``:
        that spacing is dropped too (it never separates two tokens, so no difference of terms hides there).
        """
        return self.norm(_bracket_spacing(" ".join(self.queries.ask_text(f"Print {self.real(full)}.").split())))

    def assumptions(self, full: str) -> str:
        """``Print Assumptions`` of a constant (names as printed in the session)."""
        return self.queries.ask_text(f"Print Assumptions {self.real(full)}.")

    def names_something(self, basename: str, besides: str) -> str | None:
        """What ``basename`` names where this module is loaded, other than objects of the module ``besides``."""
        located = self.queries.ask_text(f"Locate {basename}.")
        if names_nothing(located):
            return None
        entries: list[str] = []
        for ln in located.splitlines():
            if ln[:1].isspace() and entries:
                entries[-1] += " " + ln.strip()  # "(shorter name to refer to it …)" continues an entry
            elif ln.strip():
                entries.append(ln.strip())
        others = [e for e in entries if besides + "." not in e.split("(")[0]]
        return others[0] if others else None

    def close(self) -> None:
        self.queries.close()


_OPEN_SPACE = re.compile(r"([(\[{]) +")
_SPACE_CLOSE = re.compile(r" +([)\]}])")


#: A named argument, ``(R:=x)``: Coq breaks a long line just after its ``:=`` and it reads ``(R:= x)``.
_NAMED_ARG_SPACE = re.compile(r"(\([^\W\d][\w']*:=) +")


def _bracket_spacing(text: str) -> str:
    return _NAMED_ARG_SPACE.sub(r"\1", _SPACE_CLOSE.sub(r"\1", _OPEN_SPACE.sub(r"\1", text)))


#: Qualified identifiers (what a batched query may hold); anything else is asked alone.
_PLAIN_NAME = re.compile(r"[\w'][\w'.]*", re.UNICODE)
_ABOUT_BATCH = 200


def _fill_constants(acc: Account) -> None:
    """The module's constants with their full names, kinds and types."""
    found = parse_search(acc.queries.ask(f"Search _ inside {acc.module}."))
    acc.about_all(list(found))
    for printed, typ in found.items():
        a = acc.about(printed)
        if a is None:
            continue
        full = acc.norm_full(a.full_name)
        acc.constants[full] = Constant(full, printed, acc.norm(_bracket_spacing(typ)), a.kind, a.transparent)


def _fill(acc: Account, conjectures: list[str]) -> None:
    _fill_constants(acc)
    _set_conjectures(acc, conjectures)


def _set_conjectures(acc: Account, conjectures: list[str]) -> None:
    acc.about_all(conjectures)
    acc.conjectures = frozenset(acc.full_name(p) for p in conjectures)


def open_account(compiled: Compiled, limits: Limits) -> Account:
    """Load the compiled module in a coqidetop and ask Coq for its account."""
    q = CoqQueries(compiled.project, [f"Require {compiled.module}.", _SEARCH_FILTER], limits,
                   query_timeout=max(30.0, limits.timeout_s))
    acc = Account(compiled.module, q)
    try:
        _fill(acc, list(parse_search(q.ask("Search is:Conjecture."))))
    except BaseException:
        q.close()
        raise
    return acc


def open_reference(reference: Compiled, limits: Limits, fill: bool = True) -> Account:
    """A session with the compiled reference loaded (and all it requires) and its constants asked.

    Its account speaks of the module under the candidate's name (see
    :class:`Account`); :func:`open_accounts` loads the candidate beside it.
    The session may be opened ahead of time, before the candidate exists.
    """
    q = CoqQueries(reference.project, [f"Require {reference.module}.", _SEARCH_FILTER], limits,
                   query_timeout=max(30.0, limits.timeout_s))
    try:
        stem = reference.module.split(".", 1)[1]
        ref = Account(reference.module, q, compared_as=f"{PREFIX}.{stem}")
        # The reference's constants are asked before the candidate is loaded: their full names do not depend
        # on what is loaded later, and their types print with the reference's own names (the prefix that
        # tells them from the candidate's goes anyway).
        if fill:
            _fill_constants(ref)
        return ref
    except BaseException:
        q.close()
        raise


def assumptions_beside(spare: Account, cand: Compiled, names: list[str]) -> dict[str, str]:
    """``Print Assumptions`` of ``names`` (full names in the candidate) asked in ``spare``, a second session
    opened like the one :func:`open_accounts` uses (the reference, the filter, then the candidate loaded the same
    way): its answers print as that session's would.  A name Coq refuses is left out (asked there later).
    The session is closed."""
    q = spare.queries
    out: dict[str, str] = {}
    try:
        q.add_loadpath(str(cand.source.parent), PREFIX)
        q.add(f"Require {cand.module}.")
        for n in names:
            try:
                out[n] = q.ask_text(f"Print Assumptions {n}.")
            except QueryError:
                continue
    finally:
        q.close()
    return out


def open_accounts(reference: Compiled, candidate: Callable[[], Compiled], limits: Limits,
                  opened: Callable[[], Account | None] | None = None) -> tuple[Account | None, Account, Compiled]:
    """Both accounts from one session: the reference loaded (with all it requires) while the candidate compiles.

    ``candidate`` compiles the candidate (it is called here, after the session
    has started loading the reference).  ``opened``: gives a session that
    :func:`open_reference` opened ahead of time for this reference (used
    once), or None.  Returns (the candidate's account or None when it did
    not compile, the reference's, the candidate's compile); the reference's
    account is compared under the candidate's module name.
    """
    ref = opened() if opened is not None else None
    if ref is None:
        ref = open_reference(reference, limits)
    q = ref.queries
    try:
        cand = candidate()
        if cand.rc != 0:
            return None, ref, cand
        q.add_loadpath(str(cand.source.parent), PREFIX)
        q.add(f"Require {cand.module}.")
        ref.forget_names()  # a short name printed from here on may be the candidate's
        acc = Account(cand.module, q)
        conjectures = list(parse_search(q.ask("Search is:Conjecture.")))
        _fill_constants(acc)
        _set_conjectures(ref, conjectures)
        _set_conjectures(acc, conjectures)
        acc._axioms_of = ref  # asked only where an assumption needs it (two searches of everything loaded)
        return acc, ref, cand
    except BaseException:
        q.close()
        raise


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
