"""The acceptance audit: when a changed Coq file counts as honestly proven.

A candidate (the whole new text of a file) is accepted only if all hold, each
failure with its own reason code (:class:`Reason`):

1. Only the target proofs' bodies differ from the original: every statement,
   every other proof and everything outside proof bodies is byte-identical.
   A *target* is a proof that is a hole in the original (``Admitted``,
   ``admit``, ``give_up``) or that fails there; changing the body of a proof
   that was complete (a ``Defined`` one that later statements compute with,
   say) is refused (``not_a_target``).  A candidate that changes nothing is
   not a proof (``incomplete``).
2. A changed body is tactic sentences only (no vernacular command, no
   ``admit``, ``give_up``, ``Admitted``, ``Abort``) and ends in ``Qed.``
   (``Defined.`` only where the original used it).  1 and 2 are read from the
   text and run first: nothing that fails them is ever compiled.
3. A fresh batch compile of the whole candidate succeeds (time and memory
   limits).  So does the *reference*: the original with the target bodies
   replaced by ``Admitted.``.
4. Every constant the target bodies define — Coq's own list, not names read
   from the text: the constants that are admitted (``Search is:Conjecture``)
   in the reference and proven in the candidate, named or not (instances,
   obligations, ``Goal``s), and any constant only the candidate has
   (``abstract``'s sub-proofs) — has a ``Print Assumptions`` with no admitted
   constant (wherever it lives: this file, another file of the project, a
   library), no ``assumed to be …``/``relies on …`` entry, ever, and no axiom
   beyond the allowed ones: by default any constant declared as an ``Axiom``
   or ``Parameter`` (a body cannot declare one, rule 2, so it was declared
   before the target); with ``--allow-axiom``, exactly the named ones, as Coq
   resolves them (fully qualified, never by suffix), plus the library axioms of
   :class:`AxiomPolicy` by their full names.
5. The global names and every later statement elaborate exactly as in the
   original: the two compiled modules define the same constants (fully
   qualified), with the same printed types, and every transparent constant
   outside the targets prints the same body.  A constant only the candidate
   defines must carry a name that named nothing before (``global_name_added``).

With ``coqchk=True`` the compiled candidate is also re-checked by ``coqchk``,
Coq's separate kernel checker; its failure, or an unsafe entry of its summary
for a target constant, rejects.
"""

from __future__ import annotations

import tempfile
from collections.abc import Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ProverError
from ..limits import Limits
from .account import Account, Compiled, compile_module, open_account, run_coqchk
from .assumptions import names_nothing, parse_assumptions, parse_locate
from .audit_static import Comparison, command_problems, compare, static_audit, static_body_problems
from .batch import parse_diagnostics
from .findings import Finding, Reason
from .locator import ADMITTED_BODY, parse_document
from .project import CoqProject
from .queries import QueryError
from .sentences import IDENT, SplitError

__all__ = [
    "AxiomPolicy", "Finding", "REALS_AXIOMS", "Reason", "Verdict", "admitted_names", "audit",
    "command_problems", "parse_assumptions", "parse_locate", "static_audit", "static_body_problems",
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
    admitted on top of what Coq reports.
    """

    allowed: frozenset[str] | None = None
    admitted: frozenset[str] = frozenset()
    library: frozenset[str] = REALS_AXIOMS


@dataclass(frozen=True)
class Verdict:
    accepted: bool
    findings: tuple[Finding, ...] = ()
    changed: tuple[str, ...] = ()  # theorems whose proofs changed
    assumptions: dict[str, tuple[str, ...]] = field(default_factory=dict)  # target constant -> its axioms
    compile_seconds: float = 0.0
    kernel_axioms: tuple[str, ...] | None = None  # coqchk's list for the whole file, when it ran

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


def _admit(cmp: Comparison, admitted: set[int]) -> str:
    assert cmp.original is not None
    return cmp.original.with_bodies({i: ADMITTED_BODY for i in admitted})


def _reference(project: CoqProject, cmp: Comparison, stem: str, folder: Path, limits: Limits,
               pool: ThreadPoolExecutor) -> tuple[Compiled | None, list[Finding]]:
    """Compile the original with every changed body admitted, and check that each changed proof is a target.

    A changed proof that is a hole in the original is a target.  One that is
    not must fail in the original: the original with the *other* changed
    bodies admitted must stop with an error inside it.  The compiles run side
    by side.  The reference (all changed bodies admitted) must compile: if it
    does not, later text checks only with the candidate's bodies.
    """
    changed = {ch.index for ch in cmp.changes}
    ref_text = _admit(cmp, changed)
    ref_job = pool.submit(compile_module, project, ref_text, stem, folder / "reference", limits)
    checks = []
    for ch in cmp.changes:
        if not ch.original.is_hole:
            text = _admit(cmp, changed - {ch.index})
            checks.append((ch, text, pool.submit(compile_module, project, text, stem, folder / f"original{ch.index}", limits)))
    findings: list[Finding] = []
    for ch, text, job in checks:
        run = job.result()
        line = cmp.candidate.line_of(ch.candidate.statement.start)  # type: ignore[union-attr]
        if run.rc is None:
            findings.append(Finding(Reason.COMPILE_TIMEOUT, f"the original took longer than {limits.timeout_s:g} s", ch.name, line))
            continue
        if run.rc != 0:
            offset, _, _ = _error_offset(run, text)
            p = parse_document(text).proofs[ch.index]
            if p.statement.start <= offset < p.body_end:
                continue  # it fails in the original: a target
        findings.append(Finding(Reason.NOT_A_TARGET, "the original proof is complete (it checks); only holes and failing "
                                "proofs may change", ch.name, line))
    ref = ref_job.result()
    if ref.rc is None:
        return None, findings + [Finding(Reason.COMPILE_TIMEOUT, f"the original, targets admitted, took longer than {limits.timeout_s:g} s")]
    if ref.rc != 0:
        _, line, message = _error_offset(ref, ref_text)
        return None, findings + [Finding(Reason.ELABORATION_CHANGED, "the original, with the changed proofs admitted, does "
                                         f"not compile (line {line}: {message}): later text checks only with the "
                                         "candidate's bodies", line=line)]
    return ref, findings


def _compare_accounts(cand: Account, ref: Account, cmp: Comparison) -> tuple[list[Finding], set[str]]:
    """Rule 5, and the constants the target bodies define (rule 4's subjects)."""
    findings: list[Finding] = []
    ref_holes = {f for f in ref.constants if f in ref.conjectures}
    still_holes = {f for f in cand.constants if f in cand.conjectures}
    proven = (ref_holes & cand.constants.keys()) - still_holes
    added = cand.constants.keys() - ref.constants.keys()
    for f in sorted(ref.constants.keys() - cand.constants.keys()):
        findings.append(Finding(Reason.ELABORATION_CHANGED, f"{ref.local_name(f)} is defined in the original but not in the candidate"))
    for f in sorted(added):
        basename = f.rsplit(".", 1)[-1]
        located = ref.queries.ask_text(f"Locate {basename}.")
        if not names_nothing(located):
            findings.append(Finding(Reason.GLOBAL_NAME_ADDED, f"a proof body declares {cand.local_name(f)}, but "
                                    f"{basename!r} already names {located.splitlines()[0]}"))
    for f in sorted((cand.constants.keys() & ref.constants.keys()) - proven):
        c, r = cand.constants[f], ref.constants[f]
        name = cand.local_name(f)
        if c.type != r.type:
            findings.append(Finding(Reason.ELABORATION_CHANGED, f"{name} : {r.type}  became  {name} : {c.type}", name))
        elif (c.transparent or r.transparent) and (c.transparent != r.transparent or cand.print(f) != ref.print(f)):
            # A definition built on a target (Program's wrapper around an
            # obligation, a use of a Defined target) may print differently;
            # anything else must not.
            if c.transparent != r.transparent or not _depends_on(ref, f, proven):
                findings.append(Finding(Reason.ELABORATION_CHANGED, f"the definition of {name} differs from the original's", name))
    if len(proven) < len(cmp.changes):
        findings.append(Finding(Reason.INCOMPLETE, f"{len(cmp.changes)} proof(s) changed, but Coq counts {len(proven)} "
                                "admitted constant(s) of the original as proven"))
    return findings, proven | added


def _depends_on(acc: Account, constant: str, targets: set[str]) -> bool:
    """Whether ``constant`` rests on one of ``targets`` (admitted constants in ``acc``'s module)."""
    axioms, _ = parse_assumptions(acc.queries.ask_text(f"Print Assumptions {constant}."))
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


def _check_assumptions(acc: Account, subjects: set[str], policy: AxiomPolicy
                       ) -> tuple[list[Finding], dict[str, tuple[str, ...]]]:
    """Rule 4 on each subject constant."""
    findings: list[Finding] = []
    report: dict[str, tuple[str, ...]] = {}
    allowed = None
    if policy.allowed is not None:
        allowed = {r for r in (_resolve(acc, a) for a in policy.allowed) if r} | set(policy.library)
    for f in sorted(subjects):
        name = acc.local_name(f)
        axioms, unsafe = parse_assumptions(acc.queries.ask_text(f"Print Assumptions {f}."))
        fulls = [acc.full_name(p) for p in axioms]
        report[name] = tuple(acc.local_name(x) if x.startswith(acc.module + ".") else x for x in fulls)
        for u in unsafe:
            findings.append(Finding(Reason.UNSAFE_ASSUMPTION, u, name))
        for printed, full in zip(axioms, fulls):
            shown = acc.local_name(full)
            if full in acc.conjectures or full in policy.admitted:
                findings.append(Finding(Reason.ADMITTED_DEPENDENCY, f"relies on {shown}, which is admitted", name))
            elif printed not in acc.axioms:
                findings.append(Finding(Reason.AXIOM_NOT_ALLOWED, f"relies on {shown}, which Coq records neither as "
                                        "an Axiom nor as a Parameter", name))
            elif allowed is not None and full not in allowed:
                findings.append(Finding(Reason.AXIOM_NOT_ALLOWED, f"relies on the axiom {full}, which is not allowed", name))
    return findings, report


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
) -> Verdict:
    """Judge ``candidate`` (the whole new text of ``file_name``) against ``original``.

    ``targets``: names of proofs the candidate must complete (each must be
    among the changed proofs); ``coqchk``: also re-check in ``coqchk``.
    """
    cmp = compare(candidate, original)
    findings = list(cmp.findings)
    names = tuple(ch.name for ch in cmp.changes)
    if cmp.candidate is not None and not cmp.changes and not findings:
        findings.append(Finding(Reason.INCOMPLETE, "no proof differs from the original: nothing was proven"))
    for t in targets or ():
        if not any(t in (ch.original.name, ch.original.qualname) for ch in cmp.changes):
            findings.append(Finding(Reason.INCOMPLETE, f"the proof of {t} is not among the changed proofs", t))
    if findings:
        return Verdict(False, tuple(findings), names)
    stem = _module_stem(file_name)
    workers = 2 + sum(not ch.original.is_hole for ch in cmp.changes)
    with tempfile.TemporaryDirectory(prefix="proofmend-audit-") as tmp, ThreadPoolExecutor(workers) as pool:
        fc = pool.submit(compile_module, project, candidate, stem, Path(tmp) / "candidate", limits)
        ref, ref_findings = _reference(project, cmp, stem, Path(tmp), limits, pool)
        cand = fc.result()
        secs = cand.seconds
        if cand.rc is None:
            return Verdict(False, (Finding(Reason.COMPILE_TIMEOUT, f"coqc took longer than {limits.timeout_s:g} s"),), names, compile_seconds=secs)
        if cand.rc != 0:
            _, line, message = _error_offset(cand, candidate)
            return Verdict(False, (Finding(Reason.COMPILE_FAILED, message, line=line),), names, compile_seconds=secs)
        findings += ref_findings
        if ref is None or findings:
            return Verdict(False, tuple(findings), names, compile_seconds=secs)
        accounts = [pool.submit(open_account, c, limits) for c in (cand, ref)]
        try:
            acc_c, acc_r = accounts[0].result(), accounts[1].result()
        except (QueryError, ProverError) as e:
            for a in accounts:
                if a.exception() is None:
                    a.result().close()
            return Verdict(False, (Finding(Reason.AUDIT_FAILED, f"Coq could not be asked about the compiled file: {e}"),), names, compile_seconds=secs)
        try:
            more, subjects = _compare_accounts(acc_c, acc_r, cmp)
            findings += more
            more, assumptions = _check_assumptions(acc_c, subjects, policy)
            findings += more
        except (QueryError, ProverError) as e:
            findings.append(Finding(Reason.AUDIT_FAILED, f"a query failed: {e}"))
            assumptions = {}
        finally:
            acc_c.close()
            acc_r.close()
        kernel = None
        if coqchk:
            kc = run_coqchk(cand, limits)
            kernel = kc.axioms
            if not kc.ok:
                findings.append(Finding(Reason.COQCHK_FAILED, kc.message))
            for u in kc.unsafe:
                if any(u.endswith(" " + f) for f in subjects):
                    findings.append(Finding(Reason.UNSAFE_ASSUMPTION, f"coqchk: {u}"))
    return Verdict(not findings, tuple(findings), names, assumptions, secs, kernel)


