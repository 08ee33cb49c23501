"""`repair PATH`: find every failing proof and hole of a file or project and mend it.

All work happens in a private copy of the project (the workspace): the user's
tree is not touched, not even by build products, until ``write_back`` replaces
proof bodies, atomically, after the audit.  Files are visited in dependency
order; a mended file is recompiled in the workspace before its dependents.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from ...provers.coq.audit import AxiomPolicy, Verdict, admitted_names, audit, prepare_reference
from ...provers.coq.audit_static import static_audit
from ...provers.coq.batch import parse_source, read_source
from ...provers.coq.locator import ADMITTED_BODY, CoqDocument, ProofItem, Terminator, parse_document
from ...provers.coq.project import CoqProject, _inside, dependencies, dependency_order, project_for
from ...provers.coq.livedoc import LiveDocument
from ...provers.coq.scan import ProofScan
from ...provers.coq.workspace import Workspace
from ...provers.coq.loaderrors import first_line, load_hint
from ...provers.coq.sentences import code_tokens
from ...provers.errors import InputError
from ..config import AgentConfig
from ..hole import HoleJob, HoleResult
from .loop import HoleSolver
from ..trajectory import Trace


class Progress(Protocol):
    """What the agent reports while it works (the CLI draws it; tests ignore it)."""

    def file_started(self, file: str, holes: int) -> None: ...
    def hole_started(self, file: str, theorem: str) -> None: ...
    def hole_done(self, result: HoleResult) -> None: ...
    def file_built(self, done: int, total: int, file: str) -> None: ...


class NoProgress:
    def file_started(self, file: str, holes: int) -> None:
        pass

    def hole_started(self, file: str, theorem: str) -> None:
        pass

    def hole_done(self, result: HoleResult) -> None:
        pass

    def file_built(self, done: int, total: int, file: str) -> None:
        pass


@dataclass
class FileReport:
    path: Path  # the user's file
    original_text: str
    new_text: str  # with every audited fix applied
    holes: list[HoleResult] = field(default_factory=list)
    fixes: dict[int, str] = field(default_factory=dict)  # proof index -> new body text
    error: str | None = None  # why the file could not be worked on (if it could not)
    read_only: str | None = None  # why the file is not the project's own to write (a link to a file outside)

    @property
    def changed(self) -> bool:
        return self.new_text != self.original_text


def _opener(p: ProofItem) -> str:
    if p.body and p.body[0].first_word == "Proof":
        return p.body[0].text
    return "Proof."


def _stale_sentences(p: ProofItem) -> tuple[str, ...]:
    out = []
    for i, s in enumerate(p.body):
        if i == 0 and s.first_word == "Proof":
            continue
        if set(code_tokens(s.text)) & {"admit", "give_up"}:
            out.append("fail.")  # the goal it left is for the repair to close
        else:
            out.append(s.text)
    return tuple(out)


class Mender:
    """Mends the files of one workspace."""

    def __init__(self, ws: Workspace, config: AgentConfig, model=None, trace: Trace | None = None,
                 progress: Progress | None = None, theorem: str | None = None, changes=None):
        self.ws = ws
        self.changes = changes  # a ``holechanges.ChangeSource``: the change behind each broken proof
        self.config = config
        self.model = model
        self.trace = trace or Trace(None)
        self.progress = progress or NoProgress()
        self.theorem = theorem
        self.limits = config.limits()

    # ------------------------------------------------------------ one file
    def mend_file(self, user_file: Path) -> FileReport:
        ws_file = self.ws.path(user_file)
        text = read_source(ws_file)
        doc = parse_source(user_file, text)
        display = os.path.relpath(user_file, Path.cwd()) if _inside(user_file, Path.cwd()) else str(user_file)
        report = FileReport(user_file, text, text)
        if not self.ws.user_project.owns(user_file):
            report.read_only = f"{user_file} is {Path(user_file).resolve()}, outside the project: only read, never written"
        failure = self.ws.ensure_dependencies(ws_file)
        if failure is not None:
            report.error = f"{display}: {self.ws.describe(failure, Path.cwd())}"
            self.progress.file_started(display, 0)
            return report
        live = LiveDocument(self.ws.project, self.limits, topfile=ws_file)
        try:
            return self._mend_in(live, user_file, ws_file, doc, display, report)
        finally:
            live.close()

    def _mend_in(self, live: LiveDocument, user_file: Path, ws_file: Path, doc: CoqDocument, display: str,
                 report: FileReport) -> FileReport:
        # The file is loaded (and its failing proofs found) up to each hole just before the work on it,
        # and past the last one afterwards, for the audit.  Loading has its own budget for the file
        # (load_timeout_s): a hole's timeout_s is the work on that hole.
        scan = ProofScan(self.ws.project, doc, self.limits, live, budget_s=self.config.load_timeout_s)
        wanted = [not self.theorem or self.theorem in (p.name, p.qualname) for p in doc.proofs]
        self.progress.file_started(display, sum(1 for i, p in enumerate(doc.proofs) if p.is_hole and wanted[i]))
        policy = self.config.axiom_policy(admitted_names(self.ws.project))
        solver = HoleSolver(self.ws.project, self.config, self.model, self.trace)
        fixes: dict[int, str] = {}
        done: set[int] = set()
        for i, p in enumerate(doc.proofs):
            # A hole is known without loading it; whether a proof fails, the scan says by loading it.
            scan.upto(p.statement.start if p.is_hole else p.terminator.end)
            if scan.stopped_at is not None and p.statement.start >= scan.stopped_at:
                break
            if not (p.is_hole or i in scan.failing) or not wanted[i]:
                continue
            if not p.is_hole:
                self.progress.file_started(display, 1)  # one more, found by the scan
            self.trace.emit("loaded", file=display, line=doc.line_of(p.statement.start), seconds=round(scan.seconds, 3))
            if not fixes and not done:
                # The audit's reference compiles beside the search, not after it (the proofs the scan has
                # not reached yet taken to check; the audit compiles it again if one does not).
                prepare_reference(self.ws.project, doc.with_bodies(_admitted_bodies(doc, scan.failing)),
                                  ws_file.name, self.limits)
            done.add(i)
            res = self._mend_hole(live, solver, user_file, doc, display, scan, fixes, i)
            if res.status == "fixed" and res.proof is not None:
                fixes[i] = _lead(doc.text[p.body_start : p.body_end]) + res.proof
            else:
                self.progress.hole_done(res)
            report.holes.append(res)
        scan.upto(len(doc.text))
        self.trace.emit("loaded", file=display, line=scan.outside_line if scan.stopped_at is not None else
                        doc.line_of(len(doc.text)), seconds=round(scan.seconds, 3), complete=scan.stopped_at is None)
        if scan.timed_out:
            report.error = (f"{display}:{scan.outside_line}: the file did not load up to here within the "
                            f"{self.config.load_timeout_s:g} s for loading it: raise --load-timeout")
        elif scan.outside_error is not None:
            report.error = f"{display}:{scan.outside_line}: {first_line(scan.outside_error)}" + load_hint(
                scan.outside_error, self.ws.project)
        for i, p in enumerate(doc.proofs):  # the holes past the point where loading stopped
            if i in done or not (p.is_hole or i in scan.failing) or not wanted[i]:
                continue
            status, exit = ("unsolved", "timeout") if scan.timed_out else ("skipped", "prefix_error")
            name = _hole_name(doc, p)
            self.progress.hole_started(display, name)
            res = HoleResult(display, name, doc.line_of(p.statement.start), status, exit, 0, None, 0.0,
                             error=f"line {scan.outside_line}: {scan.outside_error}")
            report.holes.append(res)
            self.progress.hole_done(res)
        fixes = self._audit_file(doc, scan.failing, fixes, ws_file.name, policy, report)
        for h in report.holes:
            if h.status in ("fixed", "conditional") or h.exit == "audit_rejected":
                self.progress.hole_done(h)
        report.fixes = fixes
        report.new_text = doc.with_bodies(fixes)
        # The mended text replaces the workspace copy; it is recompiled (failing
        # proofs admitted) when a dependent needs it, before that dependent.
        if fixes:
            ws_file.write_text(report.new_text, encoding="utf-8")
            self.ws.invalidate(ws_file)
        return report

    def _mend_hole(self, live: LiveDocument, solver: HoleSolver, user_file: Path, doc: CoqDocument, display: str,
                   scan: ProofScan, fixes: dict[int, str], i: int) -> HoleResult:
        """Work on proof ``i`` (a hole, or a proof the scan found failing), parked in ``live``."""
        p = doc.proofs[i]
        name = _hole_name(doc, p)
        line = doc.line_of(p.statement.start)
        self.progress.hole_started(display, name)
        others = {j: ADMITTED_BODY for j in scan.failing if j != i and j not in fixes}
        base_bodies = {**others, **fixes}
        baseline = doc.with_bodies(base_bodies)
        base_doc = parse_document(baseline)
        bp = base_doc.proofs[i]
        kind = "failing" if i in scan.failing and not p.is_hole else (p.hole_kind or "failing")
        job = HoleJob(
            file=display, theorem=name, line=line, kind=kind,
            prefix=baseline[: bp.body_start], statement=bp.statement.text, opener=_opener(p),
            stale=_stale_sentences(p) if kind != "admitted" or len(p.body) > 2 else (),
            error=scan.failing[i].message if i in scan.failing else None,
            local_context=baseline[: bp.statement.start],
            closer="Defined." if p.terminator_kind is Terminator.DEFINED else "Qed.",
            original_body=doc.text[p.body_start : p.body_end],
            scope_names=tuple(_scope_names(base_doc, i)),
        )
        lead = _lead(doc.text[p.body_start : p.body_end])

        def verify(body: str) -> Verdict:
            # Provisional: the static rules here (the proof closed at its terminator in the live
            # session already); the full audit runs once for the file, below.
            findings, _, _ = static_audit(doc.with_bodies({**base_bodies, i: lead + body}), baseline)
            return Verdict(not findings, tuple(findings), (name,))

        if self.changes is not None and job.kind == "failing" and job.stale:
            # read before the hole's time starts
            job = replace(job, changes=self.changes.for_hole(user_file, doc, i, job.prefix, list(job.stale)))
        try:
            return solver.solve(job, verify, live)
        finally:
            if job.changes is not None:
                job.changes.close()

    def _audit_file(self, doc: CoqDocument, failing, fixes: dict[int, str], file_name: str, policy: AxiomPolicy,
                    report: FileReport) -> dict[int, str]:
        """The full audit, once for all the file's fixes; one fix at a time (in order) when that fails."""
        if not fixes:
            return fixes
        t0 = time.monotonic()
        # The original as the audit sees it: the failing proofs admitted (openers and commands kept), so
        # that every target is a hole of it; the scan found them failing in the file as written.
        base = _admitted_bodies(doc, failing)
        verdict = audit(doc.with_bodies({**base, **fixes}), doc.with_bodies(base), self.ws.project, file_name,
                        self.limits, policy)
        self.trace.emit("audit", file=report.path.name, theorems=list(verdict.changed), accepted=verdict.accepted,
                        reasons=verdict.reasons, source="file", seconds=round(time.monotonic() - t0, 3))
        if verdict.accepted:
            self._mark_conditional(report, verdict.rests_on)
            return fixes
        accepted: dict[int, str] = {}
        rejected: dict[int, str] = {}
        rests_on: dict[str, tuple[str, ...]] = {}
        for i, body in fixes.items():
            t0 = time.monotonic()
            one = audit(doc.with_bodies({**base, **accepted, i: body}), doc.with_bodies({**base, **accepted}),
                        self.ws.project, file_name, self.limits, policy)
            self.trace.emit("audit", file=report.path.name, theorems=list(one.changed), accepted=one.accepted,
                            reasons=one.reasons, source="one_fix", seconds=round(time.monotonic() - t0, 3))
            if one.accepted:
                accepted[i] = body
                rests_on.update(one.rests_on)
            else:
                rejected[i] = "; ".join(str(f) for f in one.findings)[:500]
        names = {_hole_name(doc, doc.proofs[i]): why for i, why in rejected.items()}
        report.holes = [replace(h, status="unsolved", exit="audit_rejected", proof=None, error=names[h.theorem])
                        if h.status == "fixed" and h.theorem in names else h for h in report.holes]
        self._mark_conditional(report, rests_on)
        return accepted

    @staticmethod
    def _mark_conditional(report: FileReport, rests_on: dict[str, tuple[str, ...]]) -> None:
        """A proof the audit accepted on condition (``--allow-admitted``): it rests on other holes of the project."""
        resting = {k.rsplit(".", 1)[-1]: v for k, v in rests_on.items() if v}
        report.holes = [replace(h, status="conditional", exit="conditional", rests_on=resting[short],
                                error="rests on " + ", ".join(resting[short]) + ", admitted")
                        if h.status == "fixed" and (short := h.theorem.rsplit(".", 1)[-1]) in resting else h
                        for h in report.holes]


def _admitted_bodies(doc: CoqDocument, failing) -> dict[int, str]:
    """The failing proofs admitted, as the file-level audit's original has them (see ``_audit_file``)."""
    return {j: doc.proofs[j].admitted_body(doc.text) for j in failing}


def _hole_name(doc: CoqDocument, p: ProofItem) -> str:
    return p.qualname or p.name or f"{p.keyword} at line {doc.line_of(p.statement.start)}"


def _lead(body: str) -> str:
    """The whitespace between a statement and its old body (kept: a mended body starts where the old one did)."""
    lead = body[: len(body) - len(body.lstrip())]
    return lead or " "


def _scope_names(doc: CoqDocument, upto: int) -> list[str]:
    return [p.name for p in doc.proofs[:upto] if p.name and not p.is_hole]


@dataclass
class RunReport:
    files: list[FileReport]
    seconds: float

    @property
    def holes(self) -> list[HoleResult]:
        return [h for f in self.files for h in f.holes]

    @property
    def errors(self) -> list[FileReport]:
        """Files that could not be loaded (entirely, or beyond some line)."""
        return [f for f in self.files if f.error]

    @property
    def complete(self) -> bool:
        """Every hole fixed and every file loaded: nothing left undone."""
        return not self.errors and all(h.status == "fixed" for h in self.holes)

    def to_json(self) -> dict:
        holes = [h.to_json() for h in self.holes]
        errors = [{"file": str(f.path), "error": f.error} for f in self.errors]
        return {"holes": holes, "errors": errors,
                "summary": {"total": len(holes), "fixed": sum(h["status"] == "fixed" for h in holes),
                            "errors": len(errors), "seconds": round(self.seconds, 3)}}


def resolve_targets(path: Path, theorem: str | None = None) -> tuple[CoqProject, list[Path]]:
    """The project and the files (in dependency order) a run on ``path`` visits; bad input raises."""
    project = project_for(path)
    if path.is_dir():
        # The project's own files; libraries outside its folder (bound, listed or linked) are only read.
        files = dependency_order(project, [f for f in project.files if project.owns(f)])
    else:
        files = [project.find(path)]
    docs = [parse_source(f, read_source(f)) for f in files]
    if theorem is not None and not any(p.name == theorem or p.qualname == theorem for d in docs for p in d.proofs):
        raise InputError(f"no proof of a theorem named {theorem!r} in {path}")
    return project, files


def mend_path(path: Path, config: AgentConfig, model=None, theorem: str | None = None, jobs: int = 1,
              trace: Trace | None = None, progress: Progress | None = None, *,
              files: list[Path] | None = None, since: str | None = None) -> RunReport:
    """Mend a .v file or a project directory; returns reports (nothing written).

    ``files``: visit only these files of the project (still in dependency order); ``since``: the git
    revision a broken proof's change is read against (None: see ``oldenv.choose_base``).
    """
    t0 = time.monotonic()
    path = Path(path)
    project, visit = resolve_targets(path, theorem)
    if files is not None:
        only = {Path(f).resolve() for f in files}
        visit = [f for f in visit if f.resolve() in only]
    files = visit
    progress = progress or NoProgress()
    if model is None:
        model = config.make_model()
    ws = Workspace(project, path.resolve() if path.is_file() else None, config.limits(), jobs,
                   on_build=progress.file_built, use_user_build=config.use_user_build)
    changes = None
    # the change is read for the stale-proof repair and for a model's prompts
    if config.read_changes and ("stale" in config.strategy_for(model is not None) or model is not None):
        from ..changes.holechanges import ChangeSource, compiled_in

        changes = ChangeSource(project, since, config.limits(), now_vo=compiled_in(ws),
                               tactic_timeout=config.tactic_timeout_s, trace=trace)
    try:
        mender = Mender(ws, config, model, trace, progress, theorem, changes)
        if jobs <= 1 or len(files) <= 1:
            reports = [mender.mend_file(f) for f in files]
        else:
            reports = _parallel(mender, project, files, jobs)
    finally:
        if changes is not None:
            changes.close()
        ws.close()
    return RunReport(reports, time.monotonic() - t0)


def _parallel(mender: Mender, project: CoqProject, files: list[Path], jobs: int) -> list[FileReport]:
    deps = dependencies(project, files)
    done: dict[Path, FileReport] = {}
    remaining = list(files)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        while remaining:
            ready = [f for f in remaining if all(d in done for d in deps.get(f, []) if d in files)]
            if not ready:
                raise InputError("dependency cycle between project files")
            for f, rep in zip(ready, pool.map(mender.mend_file, ready)):
                done[f] = rep
            remaining = [f for f in remaining if f not in done]
    return [done[f] for f in files]


def mend_file(path: Path, config: AgentConfig, theorem: str | None = None, trace: Trace | None = None,
              project: CoqProject | None = None, model=None) -> FileReport:
    """Mend one file (the API the eval harness uses).  Nothing is written to ``path``."""
    report = mend_path(Path(path), config, model=model, theorem=theorem, trace=trace)
    return report.files[0]


def write_back(report: FileReport) -> bool:
    """Replace the user's proof bodies with the audited fixes, atomically.

    Refuses (returns False) when the file changed on disk since it was read.
    """
    if not report.fixes:
        return False
    if report.read_only:
        raise PermissionError(13, report.read_only)
    target = report.path.resolve()  # a link within the project stays a link: its file is written
    current = target.read_bytes().decode("utf-8")
    if current != report.original_text:
        raise InputError(f"{report.path} changed on disk while it was being mended; not written")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(report.new_text.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        shutil.copymode(target, tmp)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return True
