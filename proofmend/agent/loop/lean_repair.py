"""`repair FILE.lean`: every ``sorry`` and every failing proof of a Lean file, mended by the same loop as Coq's.

The file is opened once in Lean's language server (:class:`LiveLeanFile`);
its diagnostics say which proofs fail.  Each hole is a :class:`HoleJob` with
``prover = "lean"``, solved by :class:`HoleSolver` with the configured
proposers, parked in a :class:`LeanProofSession`.  Other failing proofs are
``sorry`` while a hole is worked on.  The accepted bodies then pass the full
Lean audit (:func:`proofmend.provers.lean.audit.audit`) together, or one by
one where that fails.  Nothing is written here (see ``repair.write_back``).
"""

from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path

from ...provers.deadline import Deadline, DeadlineReached
from ...provers.errors import InputError, ProverError, ProverNotInstalledError
from ...provers.lean.audit import Finding, Reason, Verdict, audit, body_problems, failing_decls
from ...provers.lean.locator import LeanDocument, parse_lean
from ...provers.lean.session import LiveLeanFile
from ...provers.lean.toolchain import Toolchain
from ..config import AgentConfig
from ..hole import HoleJob, HoleResult
from .loop import HoleSolver
from .repair import FileReport, NoProgress, Progress, RunReport
from ..trajectory import Trace

SORRY_BODY = " sorry"


def read_lean(path: Path) -> tuple[str, LeanDocument]:
    """The text of a ``.lean`` file and its declarations; bad input is :class:`InputError`."""
    path = Path(path)
    if path.suffix != ".lean" or not path.is_file():
        raise InputError(f"not a Lean file: {path}")
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"cannot read {path}: {getattr(e, 'strerror', None) or e}") from None
    return text, parse_lean(text, str(path))


def _display(path: Path) -> str:
    try:
        return os.path.relpath(path, Path.cwd()) if path.resolve().is_relative_to(Path.cwd()) else str(path)
    except ValueError:
        return str(path)


class LeanMender:
    """Mends the holes of one Lean file."""

    def __init__(self, config: AgentConfig, model=None, trace: Trace | None = None,
                 progress: Progress | None = None, theorem: str | None = None):
        self.config = config
        self.model = model
        self.trace = trace or Trace(None)
        self.progress = progress or NoProgress()
        self.theorem = theorem
        self.limits = config.limits()

    def mend_file(self, path: Path) -> FileReport:
        path = Path(path).resolve()
        text, doc = read_lean(path)
        display = _display(path)
        report = FileReport(path, text, text)
        live = LiveLeanFile(Toolchain.for_file(path), self.limits, path)
        try:
            return self._mend_in(live, path, doc, display, report)
        finally:
            live.close()

    def _scan(self, live: LiveLeanFile, doc: LeanDocument, deadline: Deadline):
        """Lean's diagnostics of the whole file: (failing proofs, first error outside any proof)."""
        diags = live.check(doc.text, deadline, self.config.load_timeout_s or self.config.timeout_s)
        failing = failing_decls(doc, diags)
        first_error: dict[int, str] = {}
        outside = []
        for d in sorted((d for d in diags if d.severity == "error"), key=lambda d: (d.line, d.col)):
            decl = doc.decl_at_line(d.line)
            i = doc.decls.index(decl) if decl is not None else None
            if i in failing:
                first_error.setdefault(i, d.message)
            else:
                outside.append(d)
        return failing, first_error, outside[0] if outside else None

    def _mend_in(self, live: LiveLeanFile, path: Path, doc: LeanDocument, display: str,
                 report: FileReport) -> FileReport:
        first_deadline = Deadline(self.config.timeout_s)
        load_deadline = first_deadline if self.config.load_timeout_s is None else Deadline(self.config.load_timeout_s)
        try:
            failing, errors, outside = self._scan(live, doc, load_deadline)
        except ProverNotInstalledError:
            raise  # no usable lean: the run's error (exit 2), not this file's
        except (DeadlineReached, ProverError) as e:
            report.error = f"{display}: Lean did not check the file: {e}"
            self.progress.file_started(display, 0)
            return report
        if self.config.load_timeout_s is not None:
            first_deadline = Deadline(self.config.timeout_s)
        if outside is not None:
            report.error = f"{display}:{outside.line}: {outside.message.splitlines()[0]}"
        targets = [i for i, d in enumerate(doc.decls) if d.is_proof and (d.hole or i in failing)]
        if self.theorem:
            targets = [i for i in targets if self.theorem in (doc.decls[i].name, doc.decls[i].qualname)]
        self.progress.file_started(display, len(targets))
        solver = HoleSolver(None, self.config, self.model, self.trace)
        fixes: dict[int, str] = {}
        for i in targets:
            d = doc.decls[i]
            line = doc.line_of(d.start)
            self.progress.hole_started(display, d.label)
            base_bodies = {**{j: SORRY_BODY for j in failing if j != i and j not in fixes}, **fixes}
            baseline = doc.with_bodies(base_bodies)
            bd = parse_lean(baseline).decls[i]
            assert bd.body_start is not None
            job = HoleJob(
                file=display, theorem=d.label, line=line, kind="failing" if i in failing else "sorry",
                prefix=baseline[: bd.body_start], statement=baseline[bd.start : bd.body_start],
                opener="", closer="", error=errors.get(i), local_context=baseline[: bd.start],
                scope_names=self._scope(doc, i, failing, fixes),
                prover="lean",
            )

            def verify(body: str, _label=d.label) -> Verdict:
                # Provisional: the words of the body (the live session accepted it already); the full audit
                # runs once for the file, below.
                problems = body_problems(body)
                return Verdict(not problems, tuple(Finding(Reason.FORBIDDEN_IN_BODY, p, _label) for p in problems),
                               (_label,))

            res = solver.solve(job, verify, live, first_deadline if i == targets[0] else None)
            if res.status == "fixed" and res.proof is not None:
                fixes[i] = res.proof
            else:
                self.progress.hole_done(res)
            report.holes.append(res)
        fixes = self._audit_file(doc, failing, fixes, path, report)
        for h in report.holes:
            if h.status == "fixed" or h.exit == "audit_rejected":
                self.progress.hole_done(h)
        report.fixes = fixes
        report.new_text = doc.with_bodies(fixes)
        return report

    @staticmethod
    def _scope(doc: LeanDocument, i: int, failing: set[int], fixes: dict[int, str]) -> tuple[str, ...]:
        """The names before declaration ``i`` the search may use: definitions, and theorems whose proofs are
        complete (a hole's or a failing proof's would make the new proof rest on sorry)."""
        out = []
        for j, x in enumerate(doc.decls[:i]):
            if not x.qualname:
                continue
            if x.keyword in ("def", "abbrev") or (x.is_proof and ((not x.hole and j not in failing) or j in fixes)):
                out.append(x.qualname)
        return tuple(out)

    def _audit_file(self, doc: LeanDocument, failing: set[int], fixes: dict[int, str], path: Path,
                    report: FileReport) -> dict[int, str]:
        """The full audit, once for all the file's fixes; one fix at a time (in order) when that fails."""
        if not fixes:
            return fixes
        allowed = frozenset(self.config.allowed_axioms or ())

        def judge(bodies: dict[int, str], base: dict[int, str], source: str) -> Verdict:
            t0 = time.monotonic()
            v = audit(doc.with_bodies({**base, **bodies}), doc.with_bodies(base), path, self.limits, allowed)
            self.trace.emit("audit", file=path.name, theorems=list(v.changed), accepted=v.accepted,
                            reasons=v.reasons, source=source, seconds=round(time.monotonic() - t0, 3))
            return v

        unfixed = {j: SORRY_BODY for j in failing if j not in fixes}
        if judge(fixes, unfixed, "file").accepted:
            return fixes
        accepted: dict[int, str] = {}
        rejected: dict[str, str] = {}
        for i, body in fixes.items():
            others = {j: SORRY_BODY for j in failing if j != i and j not in accepted}
            one = judge({**accepted, i: body}, {**others, **accepted}, "one_fix")
            if one.accepted:
                accepted[i] = body
            else:
                rejected[doc.decls[i].label] = "; ".join(str(f) for f in one.findings)[:500]
        report.holes = [replace(h, status="unsolved", exit="audit_rejected", proof=None, error=rejected[h.theorem])
                        if h.status == "fixed" and h.theorem in rejected else h for h in report.holes]
        return accepted


def mend_lean_path(path: Path, config: AgentConfig, model=None, theorem: str | None = None,
                   trace: Trace | None = None, progress: Progress | None = None) -> RunReport:
    """Mend a ``.lean`` file; returns the report (nothing written)."""
    t0 = time.monotonic()
    _, doc = read_lean(Path(path))
    if theorem is not None and doc.decl_named(theorem) is None:
        raise InputError(f"no declaration named {theorem!r} in {path}")
    if model is None:
        model = config.make_model()
    report = LeanMender(config, model, trace, progress, theorem).mend_file(Path(path))
    return RunReport([report], time.monotonic() - t0)
