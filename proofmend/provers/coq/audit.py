"""The acceptance audit: when a changed Coq file counts as honestly proven.

A candidate (the whole new text of a file) is accepted only if all hold, each
failure with its own reason code (:class:`Reason`).  What is compared where:

1. **The text** (:mod:`.audit_static`, before anything runs): only target
   proofs' bodies differ from the original; every statement, every other
   proof and everything outside bodies is byte-identical; the proof opener
   (``Proof using …``, ``Proof with …``) is part of the statement (a bare
   ``Proof.`` may be added or dropped).  A candidate that changes nothing is
   not a proof (``incomplete``).
2. **The body** is tactic sentences only (no vernacular, no ``admit``,
   ``give_up``, ``Admitted``, ``Abort``) ending in ``Qed.`` (``Defined.`` only
   where the original used it).  A capitalised word that is no Coq command is
   a tactic only where Coq's ``Locate Ltac`` names one, asked where the
   original is loaded, before the candidate is compiled.
3. **Targets come from the original as written**: a hole (``Admitted``,
   ``admit``, ``give_up``) or a proof that fails in the original itself —
   ``failing`` from the caller's scan, or one live pass over the original
   (:func:`failing_in_original`).  Never a proof that fails only in a text the
   audit built (``not_a_target``).
4. **A fresh batch compile** of the candidate succeeds (time and memory
   limits).  So does the *reference*: the original with each failing target
   admitted, keeping its opener and the commands its body declares
   (:func:`reference_text`); it is compiled once per file and text
   (:func:`prepare_reference` starts it early; the cache is keyed by the
   project's flags, the text and when its bound libraries last changed).
5. **What the compiled files export** (:func:`_compare_accounts`), asked in
   one ``coqidetop`` that loads both modules: every constant, inductive and
   constructor (``Search _ inside``, fully qualified) with the same kind and
   the same type as Coq prints it once sections and modules close — targets
   included — and the same transparent body outside the targets; every
   module, sealed module, functor and module type (``Print Module``,
   recursively), the whole signatures of functors and module types.  Each
   target is found by its full name and must not be admitted any more
   (unnamed ones — instances, obligations, ``Goal``s — among the reference's
   admitted constants, their types compared up to conversion).  A name only
   the candidate defines must have named nothing (``global_name_added``); a
   later statement that resolves to it differs in type.  One difference is
   Coq's meaning, not a cheat: a theorem in a section without an explicit
   ``Proof using`` closes over the section variables its proof uses, an
   admitted placeholder over all of them; a type that differs once the
   section closes is accepted only where the types Coq prints *inside* the
   section, just before ``End``, are the same in both (:func:`_explain_types`).
6. **Assumptions** (:func:`_check_assumptions`): every constant the targets
   define (named or not, ``abstract``'s sub-proofs too) has a ``Print
   Assumptions`` with no admitted constant (``Search is:Conjecture``, wherever
   it lives), no ``assumed to be …``/``relies on …`` entry, and no axiom beyond
   the allowed ones.  *Axioms by declaration*: by default an assumption is
   allowed where the source declares it as one — a constant Coq records as an
   ``Axiom``/``Parameter`` outside sealed modules, a section's
   ``Variable``/``Hypothesis`` as Coq closes it, a functor's parameter.  A
   field of a sealed module (``Module M : S``) is what its implementation is,
   however ``S`` declares it: where ``M`` is in this file, Coq is asked inside
   ``M``, just before ``End M``; elsewhere the proof ``cannot_audit`` unless
   ``--allow-axiom`` names the field.  With an allow-list, exactly the named
   axioms as Coq resolves them, by full name, plus :data:`REALS_AXIOMS`.
7. **Where Coq keeps no account** a compiled file could show — a proof inside
   a functor's body (no constant until it is applied), a module type, a
   sealed module, a section ``Let`` (gone once the section closes) — the
   candidate is loaded in a ``coqidetop`` and rule 6 runs just after the
   proof, where it is defined (:mod:`.probe`); the functor's parameters and
   the module type's own fields are its hypotheses.  An unnamed proof there
   ``cannot_audit``: Coq has no name to ask about it.

With ``coqchk=True`` the compiled candidate is also re-checked by ``coqchk``,
Coq's separate kernel checker; its failure, or an unsafe entry of its summary
for a target constant, rejects.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Collection
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..errors import ProverError
from ..limits import Limits
from .account import (PREFIX, REF_PREFIX, Account, Compiled, assumptions_beside, compile_module, open_accounts,
                      open_reference, run_coqchk)
from .assumptions import names_nothing, parse_about, parse_assumptions, parse_locate, parse_search
from .audit_static import (Comparison, capitalised_words, command_problems, compare, static_audit,
                           static_body_problems)
from .batch import parse_diagnostics
from .findings import Finding, Reason
from .interface import sealed_owner, structures
from .locator import CoqDocument, ProofItem, Terminator, parse_document
from .probe import module_ends, probe, section_ends
from .project import CoqProject
from .queries import CoqQueries, QueryError
from .sentences import IDENT, SplitError

__all__ = [
    "AxiomPolicy", "Finding", "REALS_AXIOMS", "Reason", "Verdict", "admitted_names", "audit",
    "command_problems", "prepare_reference", "reference_text", "parse_assumptions", "parse_locate", "static_audit", "static_body_problems",
]

#: The axioms Coq's standard-library real numbers rest on (Coq 8.16, ``Coq.Reals``).
#: ``R`` is built from classical Dedekind cuts (``ClassicalDedekindReals``):
#: ``Print Assumptions`` of ``Rplus_comm`` or ``total_order_T`` already shows
#: ``sig_forall_dec`` and ``functional_extensionality_dep``, that of ``exp_pos``
#: or ``sqrt_le_1_alt`` adds ``sig_not_dec``, and that of ``exp_ineq1_le`` adds
#: ``classic``. A file that states its theorem over ``R`` has loaded the
#: library that assumes them, so a proof resting on them adds no axiom to what
#: the statement is already written in: they are inherited, not new.
REALS_AXIOMS: frozenset[str] = frozenset({
    "Coq.Reals.ClassicalDedekindReals.sig_forall_dec",
    "Coq.Reals.ClassicalDedekindReals.sig_not_dec",
    "Coq.Logic.FunctionalExtensionality.functional_extensionality_dep",
    "Coq.Logic.Classical_Prop.classic",
})


@dataclass(frozen=True)
class AxiomPolicy:
    """Which axioms a target may rest on (admitted constants never).

    ``allowed=None``: any constant Coq records as an ``Axiom`` or ``Parameter``.
    Otherwise exactly the constants these names resolve to (as Coq resolves
    them after loading the file: fully qualified, partly qualified, or relative
    to the file), plus ``library``: fully qualified names of standard-library
    axioms, by default :data:`REALS_AXIOMS`; ``library=frozenset()`` accepts
    nothing beyond ``allowed``.  ``admitted``: fully qualified names to treat as
    admitted on top of what Coq reports.  ``conditional``: a proof may rest on
    the project's own holes (``admitted``, and this file's admitted lemmas);
    the verdict then names them (``rests_on``) — accepted *conditionally*,
    never a proof on its own.
    """

    allowed: frozenset[str] | None = None
    admitted: frozenset[str] = frozenset()
    library: frozenset[str] = REALS_AXIOMS
    conditional: bool = False


@dataclass(frozen=True)
class Verdict:
    accepted: bool
    findings: tuple[Finding, ...] = ()
    changed: tuple[str, ...] = ()  # theorems whose proofs changed
    assumptions: dict[str, tuple[str, ...]] = field(default_factory=dict)  # target constant -> its axioms
    compile_seconds: float = 0.0
    kernel_axioms: tuple[str, ...] | None = None  # coqchk's list for the whole file, when it ran
    rests_on: dict[str, tuple[str, ...]] = field(default_factory=dict)  # target -> the project's holes it rests on

    @property
    def conditional(self) -> bool:
        """Accepted only on condition that the holes it rests on get proofs (``AxiomPolicy.conditional``)."""
        return self.accepted and any(self.rests_on.values())

    @property
    def reasons(self) -> list[str]:
        return [f.reason.value for f in self.findings]

    def to_json(self) -> dict:
        out = {
            "accepted": self.accepted,
            "reasons": [
                {"code": f.reason.value, "message": f.message, "theorem": f.theorem, "line": f.line}
                for f in self.findings
            ],
            "changed": list(self.changed),
            "assumptions": {k: list(v) for k, v in self.assumptions.items()},
        }
        if self.kernel_axioms is not None:
            out["coqchk_axioms"] = list(self.kernel_axioms)
        if self.conditional:
            out["rests_on"] = {k: list(v) for k, v in self.rests_on.items() if v}
        return out


def admitted_names(project: CoqProject) -> frozenset[str]:
    """Fully qualified names of the lemmas the project's files leave ``Admitted``.

    Kept for callers that want them listed; the audit itself asks Coq which
    constants are admitted (``Search is:Conjecture``), wherever they live.
    """
    names: set[str] = set()
    for f in project.files:
        logical = project.logical_name(f)
        if not logical:
            continue
        try:
            doc = parse_document(f.read_bytes().decode("utf-8"))
        except (OSError, UnicodeDecodeError, SplitError):
            continue
        names.update(f"{logical}.{p.qualname}" for p in doc.proofs if p.hole_kind and p.qualname)
    return frozenset(names)


BOM = "\ufeff"


def _module_stem(file_name: str) -> str:
    stem = Path(file_name).stem
    return stem if IDENT.fullmatch(stem) else "Candidate"


def _error_offset(compiled: Compiled, text: str) -> tuple[int, int, str]:
    """(offset in ``text``, line, message) of the first error coqc reported."""
    diags = [d for d in parse_diagnostics(compiled.output, text, str(compiled.source)) if d.severity == "error"]
    if not diags:
        tail = (compiled.output.strip().splitlines() or [f"coqc exited with {compiled.rc}"])[-1]
        return -1, 0, tail
    d = diags[0]
    lines = text.split("\n")
    offset = sum(len(ln) + 1 for ln in lines[: max(0, d.line - 1)]) + d.col
    return offset, d.line, " ".join(d.message.split())[:400]


# ------------------------------------------------------------------ the reference, compiled once

def reference_text(doc: CoqDocument, targets: Collection[int]) -> str:
    """The original as Coq can compile it: each target admitted, keeping its opener and commands.

    A target that ends in ``Admitted.`` stays as written (it compiles).  One
    that fails (a broken proof, a hole that uses ``admit`` and ends in
    ``Qed``/``Defined``) keeps its ``Proof using`` (part of its statement) and
    whatever its body declares (an ``Ltac``, a ``Hint``), so that later text
    means what it means in the original; only its tactics go.
    """
    return doc.with_bodies({i: doc.proofs[i].admitted_body(doc.text) for i in targets
                            if doc.proofs[i].terminator_kind is not Terminator.ADMITTED})


class _CompileCache:
    """Compiled texts kept for the process, so that a file's reference is compiled once for all its audits.

    Keyed by the project's flags, the module name and the text; a compile
    asked for while it runs is waited for, not started again.
    """

    def __init__(self, size: int = 8):
        self._size = size
        self._lock = threading.Lock()
        self._jobs: OrderedDict[tuple, Future] = OrderedDict()
        self._pool = ThreadPoolExecutor(2, thread_name_prefix="proofmend-reference")
        self._root = Path(tempfile.mkdtemp(prefix="proofmend-reference-"))
        atexit.register(shutil.rmtree, self._root, True)

    def submit(self, project: CoqProject, text: str, stem: str, limits: Limits) -> Future:
        parts = [*project.coq_flags(), str(project.root), stem, _libraries_stamp(project), text]
        digest = hashlib.sha256("\0".join(parts).encode()).hexdigest()
        key = (digest, limits.timeout_s, limits.memory_mb)
        with self._lock:
            job = self._jobs.get(key)
            if job is not None and not (job.done() and (job.exception() or job.result().rc is None)):
                self._jobs.move_to_end(key)
                return job
            folder = self._root / digest[:16]
            job = self._pool.submit(lambda: compile_module(project, text, stem, folder, limits, REF_PREFIX))
            self._jobs[key] = job
            while len(self._jobs) > self._size:
                self._jobs.popitem(last=False)
            return job


def _libraries_stamp(project: CoqProject) -> str:
    """When the compiled libraries the project binds last changed: a reference compiled against older ones is stale."""
    newest, count = 0, 0
    for lp in project.loadpaths:
        for base, _, files in os.walk(lp.directory):
            for f in files:
                if f.endswith(".vo"):
                    try:
                        newest = max(newest, os.stat(os.path.join(base, f)).st_mtime_ns)
                    except OSError:
                        continue
                    count += 1
    return f"{newest}:{count}"


_REFERENCES = _CompileCache()


class _OpenedReferences:
    """Sessions with a compiled reference loaded and its constants asked, opened ahead of the audit that needs
    them: one use each (the audit loads its candidate into it), at most ``size`` kept, closed at exit."""

    def __init__(self, size: int = 2):
        self._size = size
        self._lock = threading.Lock()
        self._jobs: OrderedDict[tuple[Future, bool], Future] = OrderedDict()  # (compile job, filled) -> (Compiled, Account | None)
        self._pool = ThreadPoolExecutor(2, thread_name_prefix="proofmend-reference-session")
        atexit.register(self.close_all)

    def open_after(self, compile_job: Future, limits: Limits) -> Future:
        """Once ``compile_job`` has compiled a reference: a session with its account asked, and a spare one
        (the reference loaded only) for the targets' assumptions, asked beside the account's questions.
        Returns the job that opens the first (the compile job where it was evicted at once)."""
        def run(fill: bool) -> tuple[Compiled, Account | None]:
            ref = compile_job.result()
            return ref, (open_reference(ref, limits, fill) if ref.rc == 0 else None)
        with self._lock:
            if (compile_job, True) not in self._jobs:
                for fill in (True, False):
                    self._jobs[(compile_job, fill)] = self._pool.submit(run, fill)
                while len(self._jobs) > 2 * self._size:
                    _, old = self._jobs.popitem(last=False)
                    old.add_done_callback(_close_opened)
            return self._jobs.get((compile_job, True)) or compile_job

    def take(self, compile_job: Future, ref: Compiled, fill: bool = True) -> Account | None:
        """The session opened for ``ref`` (waited for if it is still opening), or None; ``fill=False``: the spare."""
        with self._lock:
            job = self._jobs.pop((compile_job, fill), None)
        if job is None:
            return None
        try:
            compiled, acc = job.result()
        except Exception:
            return None
        if acc is not None and compiled.source != ref.source:
            acc.close()  # the reference was compiled again (settled): not this one
            return None
        return acc

    def has(self, compile_job: Future) -> bool:
        with self._lock:
            return (compile_job, False) in self._jobs

    def close_all(self) -> None:
        with self._lock:
            jobs, self._jobs = list(self._jobs.values()), OrderedDict()
        for job in jobs:
            job.add_done_callback(_close_opened)


def _close_opened(job: Future) -> None:
    try:
        _, acc = job.result()
    except Exception:
        return
    if acc is not None:
        acc.close()


_OPENED = _OpenedReferences()


def prepare_reference(project: CoqProject, original: str, file_name: str, limits: Limits = Limits()) -> Future:
    """Start compiling ``original`` (holes as written) for a later :func:`audit` against it, in the background,
    and then a session that loads it and asks for its account.

    The repair loop calls this as soon as the scan has found the targets, so
    that the reference compiles, and its session opens, beside the search
    instead of after it.  Returns the job that opens the session (done when
    the audit would find it ready).
    """
    return _OPENED.open_after(_REFERENCES.submit(project, original, _module_stem(file_name), limits), limits)


def failing_in_original(project: CoqProject, doc: CoqDocument, limits: Limits) -> tuple[set[int], str | None]:
    """Which proofs fail in the original as written (one live pass); and why the pass stopped early, if it did."""
    from .scan import scan_proofs  # the scan drives a live document; only needed when the caller did not scan

    result = scan_proofs(project, doc, limits)
    stopped = None
    if result.stopped_at is not None:
        stopped = f"line {result.outside_line}: {' '.join((result.outside_error or '').split())[:300]}"
    return set(result.failing), stopped


# ------------------------------------------------------------------ comparing the two accounts

@dataclass
class _Subjects:
    """What the audit checks the assumptions of, and the type differences still to be explained."""

    constants: set[str] = field(default_factory=set)  # full names: the targets' constants and what bodies added
    differs: dict[str, tuple[str, str]] = field(default_factory=dict)  # full name -> (reference type, candidate type)


def _compare_accounts(cand: Account, ref: Account, cmp: Comparison, findings: list[Finding]) -> _Subjects:
    """Rules 5 and 6 on what both compiled modules export; the targets found by name."""
    out = _Subjects()
    module = cand.module
    targets = [ch for ch in cmp.changes if _asked_inside(ch.original) is None]
    named = {f"{module}.{ch.original.qualname}": ch for ch in targets if ch.original.qualname}
    # An admitted section 'Let' is declared as an axiom; a proven one is gone once its section closes.
    lets = {f"{module}.{ch.original.qualname}" for ch in cmp.changes if ch.original.keyword == "Let"}
    ref_holes = {f for f in ref.constants if f in ref.conjectures}
    still_holes = {f for f in cand.constants if f in cand.conjectures}
    for full, ch in named.items():
        name = ch.name
        if full not in cand.constants or full not in ref.constants:
            findings.append(Finding(Reason.INCOMPLETE, f"Coq has no constant {cand.local_name(full)} for this proof in "
                                    f"{'the candidate' if full not in cand.constants else 'the original'}", name))
        elif full in still_holes:
            findings.append(Finding(Reason.INCOMPLETE, f"Coq still records {cand.local_name(full)} as admitted", name))
        else:
            out.constants.add(full)
    unnamed = [ch for ch in targets if not ch.original.qualname]
    proven_other = (ref_holes & cand.constants.keys()) - still_holes - named.keys()
    if len(proven_other) < len(unnamed):
        findings.append(Finding(Reason.INCOMPLETE, f"{len(unnamed)} unnamed proof(s) changed, but Coq counts only "
                                f"{len(proven_other)} admitted constant(s) of the original, besides the named "
                                "targets, as proven"))
    out.constants |= proven_other
    added = cand.constants.keys() - ref.constants.keys()
    out.constants |= added
    for f in sorted(ref.constants.keys() - cand.constants.keys() - lets):
        findings.append(Finding(Reason.ELABORATION_CHANGED, f"{ref.local_name(f)} is defined in the original but not in the candidate"))
    for f in sorted(added):
        basename = f.rsplit(".", 1)[-1]
        located = ref.names_something(basename, besides=cand.module)
        if located is not None:
            findings.append(Finding(Reason.GLOBAL_NAME_ADDED, f"a proof body declares {cand.local_name(f)}, but "
                                    f"{basename!r} already names {located}"))
    proven = out.constants - added
    for f in sorted(cand.constants.keys() & ref.constants.keys()):
        c, r = cand.constants[f], ref.constants[f]
        name = cand.local_name(f)
        if c.kind != r.kind:
            findings.append(Finding(Reason.ELABORATION_CHANGED, f"{name} is a {r.kind} in the original, a {c.kind} in the candidate", name))
        elif c.type != r.type and not (f in proven_other and _convertible(cand, r.type, c.type)):
            out.differs[f] = (r.type, c.type)
        elif f not in proven and (c.transparent or r.transparent) and (
                c.transparent != r.transparent or cand.print(f) != ref.print(f)):
            # A definition built on a target (Program's wrapper around an
            # obligation, a use of a Defined target) may print differently;
            # anything else must not.
            if c.transparent != r.transparent or not _depends_on(ref, f, proven):
                findings.append(Finding(Reason.ELABORATION_CHANGED, f"the definition of {name} differs from the original's", name))
    s_c = structures(cand.queries, module)
    s_r = {ref.norm_full(k): replace(v, path=ref.norm_full(v.path), printed=ref.norm(v.printed))
           for k, v in structures(ref.queries, ref.module).items()}
    for path in sorted(s_c.keys() | s_r.keys()):
        a, b = s_r.get(path), s_c.get(path)
        shown = cand.local_name(path)
        if a is None or b is None:
            findings.append(Finding(Reason.ELABORATION_CHANGED, f"{shown} is exported by "
                                    f"{'the candidate only' if a is None else 'the original only'}"))
        elif a.kind != b.kind:
            findings.append(Finding(Reason.ELABORATION_CHANGED, f"{shown} is a {a.kind.replace('_', ' ')} in the "
                                    f"original, a {b.kind.replace('_', ' ')} in the candidate"))
        elif a.kind in ("functor", "module_type") and a.printed != b.printed:
            findings.append(Finding(Reason.ELABORATION_CHANGED, f"the signature of {shown} differs from the "
                                    f"original's: {_first_diff(a.printed, b.printed)}"))
    return out


def _convertible(acc: Account, a: str, b: str) -> bool:
    """Whether Coq takes the two printed types for the same type (an obligation's statement, say, once proven
    prints reduced: ``(fun m => n < m) (S n)`` against ``n < S n``)."""
    try:
        acc.queries.ask(f"Check (fun x : ({b}) => (x : ({a}))).")
        return True
    except QueryError:
        return False


def _first_diff(a: str, b: str) -> str:
    i = next((k for k, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    lo = max(0, i - 60)
    return f"…{a[lo:i + 60]}…  became  …{b[lo:i + 60]}…"


def _depends_on(acc: Account, constant: str, targets: set[str]) -> bool:
    """Whether ``constant`` rests on one of ``targets`` (admitted constants in ``acc``'s module)."""
    axioms, _ = parse_assumptions(acc.assumptions(constant))
    return any(acc.full_name(a) in targets for a in axioms)


def _resolve(acc: Account, name: str) -> str | None:
    for candidate in (name, f"{acc.module}.{name}"):
        try:
            a = acc.about(candidate)
        except QueryError:
            a = None
        if a is not None:
            return a.full_name
    return None


def _premade(beside: list[Future]) -> dict[str, str]:
    """The answers the spare session gave (none where it failed)."""
    out: dict[str, str] = {}
    for job in beside:
        try:
            out.update(job.result())
        except (QueryError, ProverError, OSError):
            continue
    return out


def _check_assumptions(acc: Account, subjects: set[str], policy: AxiomPolicy, sealed: dict[str, set[str]],
                       rests_on: dict[str, tuple[str, ...]] | None = None, premade: dict[str, str] | None = None
                       ) -> tuple[list[Finding], dict[str, tuple[str, ...]]]:
    """Rule 4 on each subject constant, by what Coq reports of the compiled candidate.

    An assumption that is a field of a sealed module (``Module M : S``) is
    shown by Coq as the signature declares it, whatever the implementation
    is: where the module is in this file, it goes to ``sealed`` (field ->
    subjects) for a probe inside the module; elsewhere it cannot be audited.
    """
    findings: list[Finding] = []
    report: dict[str, tuple[str, ...]] = {}
    allowed = _allowed(acc, policy)
    cache: dict[str, str | None] = {}
    for f in sorted(subjects):
        name = acc.local_name(f)
        text = (premade or {}).get(f)
        if text is None:
            text = acc.queries.ask_text(f"Print Assumptions {f}.")
        axioms, unsafe = parse_assumptions(text)
        fulls = [acc.full_name(p) for p in axioms]
        report[name] = tuple(acc.local_name(x) if x.startswith(acc.module + ".") else x for x in fulls)
        for u in unsafe:
            findings.append(Finding(Reason.UNSAFE_ASSUMPTION, u, name))
        for printed, full in zip(axioms, fulls):
            shown = acc.local_name(full)
            if full in acc.conjectures or full in policy.admitted:
                own = full in policy.admitted or full.startswith(acc.module + ".")
                if policy.conditional and own and rests_on is not None:
                    rests_on[name] = (*rests_on.get(name, ()), shown)  # a hole of the project: a condition
                else:
                    findings.append(Finding(Reason.ADMITTED_DEPENDENCY, f"relies on {shown}, which is admitted", name))
                continue
            if printed not in acc.axioms:
                findings.append(Finding(Reason.AXIOM_NOT_ALLOWED, f"relies on {shown}, which Coq records neither as "
                                        "an Axiom nor as a Parameter", name))
                continue
            if allowed is not None and full in allowed:
                continue
            owner = sealed_owner(acc.queries, full, cache)
            if owner is not None and owner.startswith(acc.module + "."):
                sealed.setdefault(full, set()).add(name)
            elif owner is not None:
                findings.append(Finding(Reason.CANNOT_AUDIT, f"relies on {full}, a field of the sealed module {owner}: "
                                        "Coq shows it as its signature declares it and keeps its implementation out "
                                        f"of reach (--allow-axiom {full} accepts it as an axiom)", name))
            elif allowed is not None:
                findings.append(Finding(Reason.AXIOM_NOT_ALLOWED, f"relies on the axiom {full}, which is not allowed", name))
    return findings, report


def _allowed(acc: Account, policy: AxiomPolicy) -> set[str] | None:
    if policy.allowed is None:
        return None
    return {r for r in (_resolve(acc, a) for a in policy.allowed) if r} | set(policy.library)


def _asked_inside(p: ProofItem) -> str | None:
    """Where Coq's account of the compiled file cannot vouch for ``p``, what it is ("functor", "section Let", …).

    Such a proof is judged by a probe inside its scope, just after it.
    """
    if p.keyword == "Let":
        return "section Let"
    scope = p.hidden_scope
    return scope.kind.replace("_", " ") if scope is not None else None


def _scope_params(p: ProofItem) -> set[str]:
    return {x for sc in p.scopes if sc.kind == "functor" for x in sc.params}


def _judge_inside(q: CoqQueries, subject: str, printed_name: str, params: set[str], in_module_type: bool,
                  allowed: Collection[str] | None, findings: list[Finding]) -> None:
    """Rule 4 for ``printed_name``, asked where it is defined (the probe's session stands just after it)."""
    axioms, unsafe = parse_assumptions(q.ask_text(f"Print Assumptions {printed_name}."))
    for u in unsafe:
        if not u.startswith("Section Variables:"):  # the enclosing section's variables: its hypotheses
            findings.append(Finding(Reason.UNSAFE_ASSUMPTION, u, subject))
    if not axioms:
        return
    conjectures = set(parse_search(q.ask("Search is:Conjecture.")))
    declared = set(parse_search(q.ask("Search is:Axiom."))) | set(parse_search(q.ask("Search is:Parameter.")))
    for a in axioms:
        if a in conjectures:
            findings.append(Finding(Reason.ADMITTED_DEPENDENCY, f"relies on {a}, which is admitted", subject))
        elif a.split(".")[0] in params or (in_module_type and "." not in a):
            # A field of the functor's parameter, or of the module type being declared (its own or one it
            # includes): its hypotheses.
            continue
        elif a not in declared:
            findings.append(Finding(Reason.AXIOM_NOT_ALLOWED, f"relies on {a}, which Coq records neither as an Axiom "
                                    "nor as a Parameter", subject))
        elif allowed is not None:
            about = parse_about(q.ask_text(f"About {a}."))
            if about is None or about.full_name not in allowed:
                findings.append(Finding(Reason.AXIOM_NOT_ALLOWED, f"relies on the axiom {a}, which is not allowed", subject))


def _probe_points(cmp: Comparison, cand_module: str, sealed: dict[str, set[str]], allowed: set[str] | None,
                  findings: list[Finding]) -> dict[int, list]:
    """What to ask inside the candidate: targets in functors, module types and sealed modules; sealed fields used."""
    doc = cmp.candidate
    assert doc is not None
    points: dict[int, list] = {}
    for ch in cmp.changes:
        p = ch.candidate
        where = _asked_inside(ch.original)
        if where is None:
            continue
        if not p.name:
            findings.append(Finding(Reason.CANNOT_AUDIT, f"an unnamed proof inside a {where}: Coq has no name to ask "
                                    "about it there", ch.name, doc.line_of(p.statement.start)))
            continue
        end = doc.sentences.index(p.terminator)
        points.setdefault(end, []).append(
            lambda q, _n=ch.name, _p=p, _w=where: _judge_inside(q, _n, _p.name, _scope_params(_p),
                                                             _w == "module type", allowed, findings))
    ends = module_ends(doc)
    for full, subjects in sorted(sealed.items()):
        local = full[len(cand_module) + 1:]
        owner = max((m for m in ends if local.startswith(m + ".")), key=len, default=None)
        who = ", ".join(sorted(subjects))
        if owner is None:
            findings.append(Finding(Reason.CANNOT_AUDIT, f"relies on {local}, a field of a sealed module this file "
                                    "defines without an interactive body", who))
            continue
        points.setdefault(ends[owner] - 1, []).append(
            lambda q, _f=local[len(owner) + 1:], _w=who: _judge_inside(q, _w, _f, set(), False, allowed, findings))
    return points


def _section_types(compiled: Compiled, doc: CoqDocument, names: Collection[str], module: str, limits: Limits
                   ) -> dict[str, str]:
    """The types of ``names`` (full names) as Coq prints them inside their section, just before it closes.

    Inside the file, a constant is named relative to the file's module (the
    library being defined has no full name yet).
    """
    found: dict[str, str] = {}
    local = {n: n[len(module) + 1:] if n.startswith(module + ".") else n for n in names}

    def ask(q: CoqQueries) -> None:
        for n in names:
            if n not in found:
                try:
                    found[n] = " ".join(q.ask_text(f"Check {local[n]}.").split())
                except QueryError:
                    pass

    probe(compiled.project, doc, compiled.source, {i - 1: [ask] for i in section_ends(doc)}, limits)
    return found


def _explain_types(cand: Compiled, ref: Compiled, cmp: Comparison, ref_doc: CoqDocument,
                   differs: dict[str, tuple[str, str]], acc: Account, limits: Limits, findings: list[Finding]) -> None:
    """Types that differ once sections close must be the same inside their section.

    Inside a section without an explicit ``Proof using``, Coq closes a
    theorem over the section variables its proof uses: an honest proof may
    close over fewer than the original's admitted placeholder (which closes
    over all of them), and a later statement that mentions it then prints
    differently once the section closes.  That is the section's meaning, not
    a changed statement; a type that differs *inside* the section is one.
    """
    if not differs:
        return
    assert cmp.candidate is not None
    with ThreadPoolExecutor(2) as pool:
        jc = pool.submit(_section_types, cand, cmp.candidate, list(differs), acc.name, limits)
        jr = pool.submit(_section_types, ref, ref_doc, list(differs), acc.name, limits)
        inside_c, inside_r = jc.result(), jr.result()
    for f, (rt, ct) in sorted(differs.items()):
        if f in inside_c and inside_c.get(f) == inside_r.get(f):
            continue
        name = acc.local_name(f)
        findings.append(Finding(Reason.ELABORATION_CHANGED, f"{name} : {rt}  became  {name} : {ct}", name))


def _ask_tactics(ref: Compiled, words: set[str], limits: Limits) -> set[str]:
    """Which of ``words`` Coq names as tactics (``Locate Ltac``) where the original is loaded."""
    if not words:
        return set()
    with CoqQueries(ref.project, [f"Require Import {ref.module}."], limits,
                    query_timeout=max(30.0, limits.timeout_s)) as q:
        return {w for w in words if q.ask_text(f"Locate Ltac {w}.").startswith("Ltac ")}


def audit(
    candidate: str,
    original: str,
    project: CoqProject,
    file_name: str,
    limits: Limits = Limits(),
    policy: AxiomPolicy = AxiomPolicy(),
    *,
    targets: Collection[str] | None = None,
    coqchk: bool = False,
    failing: Collection[int] | None = None,
) -> Verdict:
    """Judge ``candidate`` (the whole new text of ``file_name``) against ``original``.

    ``targets``: names of proofs the candidate must complete (each must be
    among the changed proofs); ``coqchk``: also re-check in ``coqchk``;
    ``failing``: indices of the original's proofs that fail in it as written
    (what a scan found); without it the audit scans the original itself when
    a changed proof is not a hole.
    """
    if candidate.startswith(BOM) and original.startswith(BOM):
        # coqc skips a byte-order mark; coqidetop's lexer does not, so no live pass sees it.
        candidate, original = candidate[1:], original[1:]
    cmp = compare(candidate, original, defer_capitalised=True)
    findings = list(cmp.findings)
    names = tuple(ch.name for ch in cmp.changes)
    if cmp.candidate is not None and not cmp.changes and not findings:
        findings.append(Finding(Reason.INCOMPLETE, "no proof differs from the original: nothing was proven"))
    for t in targets or ():
        if not any(t in (ch.original.name, ch.original.qualname) for ch in cmp.changes):
            findings.append(Finding(Reason.INCOMPLETE, f"the proof of {t} is not among the changed proofs", t))
    if findings:
        return Verdict(False, tuple(findings), names)
    assert cmp.original is not None and cmp.candidate is not None
    line_of = cmp.candidate.line_of
    non_holes = [ch for ch in cmp.changes if not ch.original.is_hole]
    if non_holes:
        stopped = None
        if failing is None:
            failing, stopped = failing_in_original(project, cmp.original, limits)
        for ch in non_holes:
            if ch.index not in failing:
                why = (f"the original does not load up to it ({stopped})" if stopped else
                       "the original proof is complete (it checks); only holes and failing proofs may change")
                findings.append(Finding(Reason.NOT_A_TARGET, why, ch.name, line_of(ch.candidate.statement.start)))
        if findings:
            return Verdict(False, tuple(findings), names)
    stem = _module_stem(file_name)
    ref_text = reference_text(cmp.original, [ch.index for ch in cmp.changes])
    first_job = _REFERENCES.submit(project, ref_text, stem, limits)
    ref_job = _SETTLE.submit(_settled_reference, first_job, project, cmp, ref_text, stem, limits, failing)
    words = set().union(*(capitalised_words(ch.candidate.body) for ch in cmp.changes))
    if words:
        # Coq, not a list of words, says whether a capitalised word is a user tactic; nothing
        # that may be a command is compiled before it has.
        ref, ref_text = ref_job.result()
        if ref.rc != 0:
            return _reference_failed(ref, ref_text, limits, names)
        try:
            tactics = _ask_tactics(ref, words, limits)
        except (QueryError, ProverError) as e:
            return Verdict(False, (Finding(Reason.AUDIT_FAILED, f"Coq could not be asked about {sorted(words)}: {e}"),), names)
        for ch in cmp.changes:
            for d, ln in command_problems(ch.candidate.body, line_of, tactics):
                findings.append(Finding(Reason.VERNACULAR_IN_BODY, d, ch.name, ln))
        if findings:
            return Verdict(False, tuple(findings), names)
    with tempfile.TemporaryDirectory(prefix="proofmend-audit-") as tmp, ThreadPoolExecutor(1) as pool:
        cand_job = pool.submit(compile_module, project, candidate, stem, Path(tmp) / "candidate", limits)
        ref, ref_text = ref_job.result()
        if ref.rc != 0:
            cand = cand_job.result()
            if cand.rc == 0:
                return replace(_reference_failed(ref, ref_text, limits, names), compile_seconds=cand.seconds)
            acc_c = None
        else:
            spare = _OPENED.take(first_job, ref, fill=False)
            beside: list[Future] = []

            def compiled() -> Compiled:
                c = cand_job.result()
                if c.rc == 0 and spare is not None:
                    # The targets' assumptions (Coq's costliest answer) asked in the spare session meanwhile.
                    names = [f"{PREFIX}.{stem}.{ch.original.qualname}" for ch in cmp.changes
                             if ch.original.qualname and _asked_inside(ch.original) is None]
                    beside.append(pool.submit(assumptions_beside, spare, c, names))
                elif spare is not None:
                    spare.close()
                return c
            try:
                # One session: the reference (and all it requires) loads while the candidate compiles.
                acc_c, acc_r, cand = open_accounts(ref, compiled, limits, opened=lambda: _OPENED.take(first_job, ref))
            except (QueryError, ProverError) as e:
                return Verdict(False, (Finding(Reason.AUDIT_FAILED, f"Coq could not be asked about the compiled "
                                               f"file: {e}"),), names, compile_seconds=cand_job.result().seconds)
            finally:
                if spare is not None and not beside:
                    spare.close()
        secs = cand.seconds
        if acc_c is None:
            if ref.rc == 0:
                acc_r.close()
            if cand.rc is None:
                return Verdict(False, (Finding(Reason.COMPILE_TIMEOUT, f"coqc took longer than {limits.timeout_s:g} s"),), names, compile_seconds=secs)
            _, line, message = _error_offset(cand, candidate)
            return Verdict(False, (Finding(Reason.COMPILE_FAILED, message, line=line),), names, compile_seconds=secs)
        assumptions: dict[str, tuple[str, ...]] = {}
        rests_on: dict[str, tuple[str, ...]] = {}
        subjects = _Subjects()
        try:
            subjects = _compare_accounts(acc_c, acc_r, cmp, findings)
            sealed: dict[str, set[str]] = {}
            premade = _premade(beside)
            more, assumptions = _check_assumptions(acc_c, subjects.constants, policy, sealed, rests_on, premade)
            findings += more
            points = _probe_points(cmp, acc_c.module, sealed, _allowed(acc_c, policy), findings)
            probe(cand.project, cmp.candidate, cand.source, points, limits)
            _explain_types(cand, ref, cmp, parse_document(ref_text), subjects.differs, acc_c, limits, findings)
        except (QueryError, ProverError) as e:
            findings.append(Finding(Reason.AUDIT_FAILED, f"a query failed: {e}"))
        finally:
            acc_c.close()  # the session both accounts share
        kernel = None
        if coqchk:
            kc = run_coqchk(cand, limits)
            kernel = kc.axioms
            if not kc.ok:
                findings.append(Finding(Reason.COQCHK_FAILED, kc.message))
            for u in kc.unsafe:
                if any(u.endswith(" " + f) for f in subjects.constants):
                    findings.append(Finding(Reason.UNSAFE_ASSUMPTION, f"coqchk: {u}"))
    return Verdict(not findings, tuple(findings), names, assumptions, secs, kernel, rests_on)


_SETTLE = ThreadPoolExecutor(2, thread_name_prefix="proofmend-reference-settle")


def _settled_reference(job: Future, project: CoqProject, cmp: Comparison, ref_text: str, stem: str, limits: Limits,
                       failing: Collection[int] | None) -> tuple[Compiled, str]:
    """The compiled reference and its text; where it fails inside a proof the candidate leaves as it is, that proof
    is admitted too if it fails in the original as written (it computed with a target, say), and it is compiled again."""
    ref = job.result()
    if ref.rc == 0 or ref.rc is None:
        return ref, ref_text
    assert cmp.original is not None
    offset, _, _ = _error_offset(ref, ref_text)
    ref_doc = parse_document(ref_text)
    changed = {ch.index for ch in cmp.changes}
    inside = [i for i, p in enumerate(ref_doc.proofs) if p.body_start <= offset < p.body_end and i not in changed]
    if not inside:
        return ref, ref_text
    if failing is None:
        failing, _ = failing_in_original(project, cmp.original, limits)
    more = (set(failing) - changed) | changed
    if not set(inside) <= more:
        return ref, ref_text
    text = reference_text(cmp.original, sorted(more))
    return _REFERENCES.submit(project, text, stem, limits).result(), text


def _reference_failed(ref: Compiled, ref_text: str, limits: Limits, names: tuple[str, ...]) -> Verdict:
    if ref.rc is None:
        return Verdict(False, (Finding(Reason.COMPILE_TIMEOUT, "the original, failing proofs admitted, took longer "
                                       f"than {limits.timeout_s:g} s"),), names)
    _, line, message = _error_offset(ref, ref_text)
    return Verdict(False, (Finding(Reason.ELABORATION_CHANGED, "the original, with its failing proofs admitted, does "
                                   f"not compile (line {line}: {message}): later text checks only with the "
                                   "candidate's bodies", line=line),), names)
