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
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from ..provers.coq.audit import AxiomPolicy, Verdict, admitted_names, audit
from ..provers.coq.batch import parse_source, read_source, run_coqc
from ..provers.coq.locator import CoqDocument, ProofItem, Terminator, parse_document
from ..provers.coq.project import (
    CoqProject, dependencies, dependencies_of, dependency_order, parse_project_file, project_for,
)
from ..provers.coq.scan import scan_proofs
from ..provers.coq.sentences import code_tokens
from ..provers.errors import InputError
from ..provers.limits import Limits
from .config import AgentConfig
from .loop import HoleJob, HoleResult, HoleSolver
from .trajectory import Trace


class Progress(Protocol):
    """What the agent reports while it works (the CLI draws it; tests ignore it)."""

    def file_started(self, file: str, holes: int) -> None: ...
    def hole_started(self, file: str, theorem: str) -> None: ...
    def hole_done(self, result: HoleResult) -> None: ...


class NoProgress:
    def file_started(self, file: str, holes: int) -> None:
        pass

    def hole_started(self, file: str, theorem: str) -> None:
        pass

    def hole_done(self, result: HoleResult) -> None:
        pass


@dataclass
class FileReport:
    path: Path  # the user's file
    original_text: str
    new_text: str  # with every audited fix applied
    holes: list[HoleResult] = field(default_factory=list)
    fixes: dict[int, str] = field(default_factory=dict)  # proof index -> new body text
    error: str | None = None  # why the file could not be worked on (if it could not)

    @property
    def changed(self) -> bool:
        return self.new_text != self.original_text


IGNORED = shutil.ignore_patterns("*.vo", "*.vok", "*.vos", "*.glob", ".*.aux", ".git", "__pycache__",
                                 ".venv", "*.cm*", "*.o", "node_modules", ".lia.cache", ".nia.cache")


class Workspace:
    """A private copy of the project's tree where all compiling happens."""

    def __init__(self, project: CoqProject, single_file: Path | None = None):
        self.user_project = project
        self.tmp = Path(tempfile.mkdtemp(prefix="proofmend-ws-"))
        self.root = self.tmp / "project"
        if project.project_file is not None:
            shutil.copytree(project.root, self.root, ignore=IGNORED, symlinks=True)
            self.project = _relocate(project, self.root)
        else:
            self.root.mkdir()
            assert single_file is not None
            shutil.copy2(single_file, self.root / single_file.name)
            self.project = CoqProject(self.root, (), project.args, (self.root / single_file.name,), None)

    def path(self, user_file: Path) -> Path:
        return self.root / user_file.resolve().relative_to(self.user_project.root)

    def close(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


def _relocate(project: CoqProject, new_root: Path) -> CoqProject:
    assert project.project_file is not None
    moved = parse_project_file(new_root / project.project_file.relative_to(project.root))
    files = tuple(new_root / f.relative_to(project.root) for f in project.files if _inside(f, project.root))
    return CoqProject(moved.root, moved.loadpaths, moved.args, files, moved.project_file)


def _inside(p: Path, root: Path) -> bool:
    try:
        p.resolve().relative_to(root.resolve())
        return True
    except ValueError:
        return False


def compose(doc: CoqDocument, bodies: dict[int, str]) -> str:
    """``doc.text`` with the bodies (statement end → terminator end) of some proofs replaced."""
    out = []
    pos = 0
    for i, p in enumerate(doc.proofs):
        if i in bodies:
            out.append(doc.text[pos : p.body_start])
            out.append(bodies[i])
            pos = p.body_end
    out.append(doc.text[pos:])
    return "".join(out)


ADMITTED_BODY = "\nAdmitted."


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
                 progress: Progress | None = None, theorem: str | None = None):
        self.ws = ws
        self.config = config
        self.model = model
        self.trace = trace or Trace(None)
        self.progress = progress or NoProgress()
        self.theorem = theorem
        self.limits = Limits(timeout_s=config.compile_timeout_s, memory_mb=config.memory_mb)
        self._build_lock = threading.Lock()
        self._built: set[Path] = set()

    # ------------------------------------------------------------ building
    def build(self, ws_file: Path) -> None:
        """Compile ``ws_file`` in the workspace, admitting proofs that fail, so dependents can load it."""
        with self._build_lock:
            if ws_file in self._built:
                return
            text = read_source(ws_file)
            rc, _, _ = run_coqc(self.ws.project, ws_file, self.limits)
            if rc != 0:
                doc = parse_source(ws_file, text)
                scan = scan_proofs(self.ws.project, doc, self.limits)
                patched = compose(doc, {i: ADMITTED_BODY for i in scan.failing})
                ws_file.write_text(patched, encoding="utf-8")
                run_coqc(self.ws.project, ws_file, self.limits)
                ws_file.write_text(text, encoding="utf-8")
            self._built.add(ws_file)

    def build_dependencies(self, ws_file: Path) -> None:
        for f in dependencies_of(self.ws.project, ws_file)[0]:
            self.build(f)

    # ------------------------------------------------------------ one file
    def mend_file(self, user_file: Path) -> FileReport:
        ws_file = self.ws.path(user_file)
        text = read_source(ws_file)
        doc = parse_source(user_file, text)
        display = os.path.relpath(user_file, Path.cwd()) if _inside(user_file, Path.cwd()) else str(user_file)
        report = FileReport(user_file, text, text)
        self.build_dependencies(ws_file)
        scan = scan_proofs(self.ws.project, doc, self.limits)
        targets = [i for i, p in enumerate(doc.proofs) if p.is_hole or i in scan.failing]
        if self.theorem:
            targets = [i for i in targets if self.theorem in (doc.proofs[i].name, doc.proofs[i].qualname)]
        self.progress.file_started(display, len(targets))
        policy = AxiomPolicy(
            frozenset(self.config.allowed_axioms) if self.config.allowed_axioms is not None else None,
            admitted_names(self.ws.project),
        )
        solver = HoleSolver(self.ws.project, self.config, self.model, self.trace)
        fixes: dict[int, str] = {}
        for i in targets:
            p = doc.proofs[i]
            name = p.qualname or p.name or f"{p.keyword} at line {doc.line_of(p.statement.start)}"
            line = doc.line_of(p.statement.start)
            self.progress.hole_started(display, name)
            if scan.stopped_at is not None and p.statement.start >= scan.stopped_at:
                res = HoleResult(display, name, line, "skipped", "prefix_error", 0, None, 0.0,
                                 error=f"line {scan.outside_line}: {scan.outside_error}")
                report.holes.append(res)
                self.progress.hole_done(res)
                continue
            others = {j: ADMITTED_BODY for j in scan.failing if j != i and j not in fixes}
            base_bodies = {**others, **fixes}
            baseline = compose(doc, base_bodies)
            base_doc = parse_document(baseline)
            bp = base_doc.proofs[i]
            solver.scope_names = _scope_names(base_doc, i)
            kind = "failing" if i in scan.failing and not p.is_hole else (p.hole_kind or "failing")
            job = HoleJob(
                file=display, theorem=name, line=line, kind=kind,
                prefix=baseline[: bp.body_start], statement=bp.statement.text, opener=_opener(p),
                stale=_stale_sentences(p) if kind != "admitted" or len(p.body) > 2 else (),
                error=scan.failing[i].message if i in scan.failing else None,
                local_context=baseline[: bp.statement.start],
                closer="Defined." if p.terminator_kind is Terminator.DEFINED else "Qed.",
            )

            def verify(body: str, _i=i, _base=base_bodies, _baseline=baseline) -> Verdict:
                candidate = compose(doc, {**_base, _i: "\n" + body})
                return audit(candidate, _baseline, self.ws.project, ws_file.name, self.limits, policy)

            res = solver.solve(job, verify)
            if res.status == "fixed" and res.proof is not None:
                fixes[i] = "\n" + res.proof
            report.holes.append(res)
            self.progress.hole_done(res)
        report.fixes = fixes
        report.new_text = compose(doc, fixes)
        # The mended text replaces the workspace copy; it is recompiled (failing
        # proofs admitted) when a dependent needs it, before that dependent.
        ws_file.write_text(report.new_text, encoding="utf-8")
        with self._build_lock:
            self._built.discard(ws_file)
        return report


def _scope_names(doc: CoqDocument, upto: int) -> list[str]:
    return [p.name for p in doc.proofs[:upto] if p.name and not p.is_hole]


@dataclass
class RunReport:
    files: list[FileReport]
    seconds: float

    @property
    def holes(self) -> list[HoleResult]:
        return [h for f in self.files for h in f.holes]

    def to_json(self) -> dict:
        holes = [h.to_json() for h in self.holes]
        return {"holes": holes, "summary": {"total": len(holes), "fixed": sum(h["status"] == "fixed" for h in holes),
                                            "seconds": round(self.seconds, 3)}}


def resolve_targets(path: Path, theorem: str | None = None) -> tuple[CoqProject, list[Path]]:
    """The project and the files (in dependency order) a run on ``path`` visits; bad input raises."""
    project = project_for(path)
    if path.is_dir():
        files = dependency_order(project, list(project.files))
    else:
        files = [path.resolve()]
    docs = [parse_source(f, read_source(f)) for f in files]
    if theorem is not None and not any(p.name == theorem or p.qualname == theorem for d in docs for p in d.proofs):
        raise InputError(f"no proof of a theorem named {theorem!r} in {path}")
    return project, files


def mend_path(path: Path, config: AgentConfig, model=None, theorem: str | None = None, jobs: int = 1,
              trace: Trace | None = None, progress: Progress | None = None) -> RunReport:
    """Mend a .v file or a project directory; returns reports (nothing written)."""
    t0 = time.monotonic()
    path = Path(path)
    project, files = resolve_targets(path, theorem)
    ws = Workspace(project, path.resolve() if path.is_file() else None)
    try:
        mender = Mender(ws, config, model, trace, progress, theorem)
        if jobs <= 1 or len(files) <= 1:
            reports = [mender.mend_file(f) for f in files]
        else:
            reports = _parallel(mender, project, files, jobs)
    finally:
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
    if model is None and not config.offline:
        from .models import make_model

        model = make_model(config.model, _model_settings(config))
    report = mend_path(Path(path), config, model=model, theorem=theorem, trace=trace)
    return report.files[0]


def _model_settings(config: AgentConfig):
    from .models import ModelSettings

    return ModelSettings(temperature=config.temperature, max_tokens=config.max_tokens, api_base=config.api_base)


def write_back(report: FileReport) -> bool:
    """Replace the user's proof bodies with the audited fixes, atomically.

    Refuses (returns False) when the file changed on disk since it was read.
    """
    if not report.fixes:
        return False
    current = report.path.read_bytes().decode("utf-8")
    if current != report.original_text:
        raise InputError(f"{report.path} changed on disk while it was being mended; not written")
    fd, tmp = tempfile.mkstemp(prefix=f".{report.path.name}.", suffix=".tmp", dir=report.path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(report.new_text.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        shutil.copymode(report.path, tmp)
        os.replace(tmp, report.path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return True
