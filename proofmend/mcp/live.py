"""Live Coq documents kept across tool calls: one private workspace per project, one ``coqidetop`` per file.

Each project gets a :class:`~proofmend.provers.coq.workspace.Workspace` (the
sources copied, the user's up-to-date build linked, the rest compiled there)
the first time one of its files is used.  Before each call the sources a file
requires are compared with the workspace's copies; a changed one is copied
again and recompiled before use, and every live document that loaded it starts
afresh.  Each file has one :class:`~proofmend.provers.coq.livedoc.LiveDocument`
that calls share (under the file's lock: calls on one file run one at a
time, calls on different files at once); parking it at a proof reuses
everything already loaded, so a call after the first costs milliseconds.  A
prover that died is started again by the next call.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..agent.proposers.llm import strip_opener
from ..provers.coq.livedoc import LiveDocument
from ..provers.coq.locator import ADMITTED_BODY, CoqDocument, head_words, parse_document
from ..provers.coq.project import CoqProject, project_for
from ..provers.coq.scan import ScanResult, scan_proofs
from ..provers.coq.sentences import SplitError, split_sentences
from ..provers.coq.session import PrefixError, ProofSession
from ..provers.coq.workspace import Workspace
from ..provers.deadline import Deadline, DeadlineReached
from ..provers.errors import InputError, ProverError
from ..provers.limits import Limits
from ..provers.results import TacticOk
from .files import ProjectFiles, ToolFailure


@dataclass
class _Space:
    """A project's workspace and what its copies were made from."""

    ws: Workspace
    lock: threading.Lock = field(default_factory=threading.Lock)
    stamps: dict[Path, tuple[int, int]] = field(default_factory=dict)  # user source -> (mtime_ns, size) copied
    versions: dict[Path, int] = field(default_factory=dict)  # workspace source -> times its copy changed

    def refresh(self, user_file: Path) -> Path:
        """Copy again whatever ``user_file`` and its requirements changed into; compile what it requires."""
        ws_file = self.ws.path(user_file)
        self._copy(ws_file)  # first: what it requires is read from its copy
        for f in self.ws.needed(ws_file):
            self._copy(f)
        failure = self.ws.ensure_dependencies(ws_file)
        if failure is not None:
            raise ToolFailure("dependency_error", self.ws.describe(failure, self.ws.user_project.root))
        return ws_file

    def _copy(self, ws_file: Path) -> None:
        """Bring the workspace copy of a source up to date with the user's file (it and its dependents rebuilt)."""
        user = self.ws.user_path(ws_file)
        try:
            st = user.stat()
        except OSError:
            return
        stamp = (st.st_mtime_ns, st.st_size)
        if self.stamps.get(user) == stamp:
            return
        data = user.read_bytes()
        if not ws_file.exists() or ws_file.read_bytes() != data:
            ws_file.parent.mkdir(parents=True, exist_ok=True)
            ws_file.write_bytes(data)
            self.ws.invalidate(ws_file)
            self.versions[ws_file] = self.versions.get(ws_file, 0) + 1
        self.stamps[user] = stamp

    def dependency_versions(self, ws_file: Path) -> tuple[int, ...]:
        return tuple(self.versions.get(f, 0) for f in self.ws.needed(ws_file))


@dataclass
class _FileState:
    lock: threading.Lock = field(default_factory=threading.Lock)
    live: LiveDocument | None = None
    loaded_with: tuple[int, ...] = ()  # the dependencies' versions the document was started with
    scan: tuple[str, ScanResult] | None = None  # the last scan and the text it was made of


class LiveFiles:
    """Workspaces and live documents of the project's files, shared by every call."""

    def __init__(self, files: ProjectFiles, limits: Limits, tactic_timeout: float):
        self.files = files
        self.limits = limits
        self.tactic_timeout = tactic_timeout
        self._lock = threading.Lock()
        self._spaces: dict[tuple[Path, Path | None], _Space] = {}
        self._states: dict[Path, _FileState] = {}

    def close(self) -> None:
        with self._lock:
            for state in self._states.values():
                if state.live is not None:
                    state.live.close()
            for space in self._spaces.values():
                space.ws.close()
            self._states.clear()
            self._spaces.clear()

    def _space(self, path: Path) -> _Space:
        project = project_for(path)
        key = (project.root, project.project_file) if project.project_file is not None else (path, None)
        with self._lock:
            if key not in self._spaces:
                single = path if project.project_file is None else None
                self._spaces[key] = _Space(Workspace(project, single, self.limits))
            return self._spaces[key]

    def space_for(self, path: Path) -> tuple[CoqProject, Path]:
        """The workspace project ``path`` is built in (requirements compiled), and the file's copy there."""
        with _as_tool_failures(Deadline.never()):
            space = self._space(path)
            with space.lock:
                return space.ws.project, space.refresh(path)

    @contextmanager
    def open(self, path: Path, deadline: Deadline) -> Iterator["OpenFile"]:
        """``path`` as saved now (read and split first: a file that does not parse is never loaded), its live
        document held for this call alone."""
        text, doc = self.files.read(path)
        with _as_tool_failures(deadline):
            space = self._space(path)
            with space.lock:
                ws_file = space.refresh(path)
                loaded_with = space.dependency_versions(ws_file)
            with self._lock:
                state = self._states.setdefault(path, _FileState())
            if not state.lock.acquire(timeout=max(0.0, deadline.left())):
                raise ToolFailure("timeout", "another call on this file was still running when the deadline passed")
            try:
                if state.live is None or state.loaded_with != loaded_with:
                    if state.live is not None:
                        state.live.close()
                    state.live = LiveDocument(space.ws.project, self.limits, ws_file)
                    state.loaded_with, state.scan = loaded_with, None
                yield OpenFile(self, state, space.ws.project, text, doc, deadline)
            finally:
                state.lock.release()

@contextmanager
def _as_tool_failures(deadline: Deadline) -> Iterator[None]:
    """The prover layer's failures as tool errors (a dead prover is started again by the next call)."""
    try:
        yield
    except DeadlineReached:
        raise ToolFailure("timeout", f"the call's deadline passed ({deadline.describe()})") from None
    except ProverError as e:
        raise ToolFailure("prover_error", f"the prover failed: {e}; it is started again on the next call") from None
    except InputError as e:
        raise ToolFailure("bad_arguments", str(e)) from None


class OpenFile:
    """One file's live document during one call: parked at a proof or at the end of the file."""

    def __init__(self, owner: LiveFiles, state: _FileState, project: CoqProject, text: str, doc: CoqDocument,
                 deadline: Deadline):
        self.owner = owner
        self.state = state
        self.project = project
        self.text = text
        self.doc = doc
        self.deadline = deadline

    @property
    def live(self) -> LiveDocument:
        assert self.state.live is not None
        return self.state.live

    def scan(self) -> ScanResult:
        """Every failing proof of the text (kept until the text or a requirement changes)."""
        if self.state.scan is None or self.state.scan[0] != self.text:
            result = scan_proofs(self.project, self.doc, self.owner.limits, self.deadline, document=self.live)
            if result.timed_out:
                raise DeadlineReached(self.deadline.describe())
            self.state.scan = (self.text, result)
        return self.state.scan[1]

    def _baseline(self) -> tuple[str, CoqDocument]:
        """The text with the proofs known to fail admitted (as the repair loads it)."""
        if self.state.scan is None or self.state.scan[0] != self.text or not self.state.scan[1].failing:
            return self.text, self.doc
        text = self.doc.with_bodies({i: ADMITTED_BODY for i in self.state.scan[1].failing})
        return text, parse_document(text)

    def _parked(self, prefix_of: Callable[[str, CoqDocument], str]) -> ProofSession:
        """A session parked at ``prefix_of(text, doc)``: when that does not load, the file is scanned once and
        the proofs that fail are admitted (as the repair loads a file)."""
        scanned = self.state.scan is not None and self.state.scan[0] == self.text
        while True:
            text, doc = self._baseline()
            try:
                return ProofSession(self.project, prefix_of(text, doc), self.owner.limits, self.owner.tactic_timeout,
                                    document=self.live, deadline=self.deadline)
            except PrefixError as e:
                if scanned:
                    raise ToolFailure("load_error", f"the file does not load up to there: {e}") from None
                self.scan()
                scanned = True

    def at_proof(self, index: int) -> tuple[ProofSession, TacticOk, int]:
        """A session at the start of proof ``index`` (its opener run), that state, and the opener's length in the body."""
        p = self.doc.proofs[index]
        opener = p.body[0].text if p.body and p.body[0].first_word == "Proof" else "Proof."
        session = self._parked(lambda text, doc: text[: doc.proofs[index].body_start])
        opened = session.run(opener)
        if not isinstance(opened, TacticOk):
            raise ToolFailure("load_error", f"'{opener}' does not run: {opened.message}")
        skip = 1 if p.body and p.body[0].first_word == "Proof" else 0
        return session, opened, skip

    def at_end(self) -> ProofSession:
        """A session after the whole file (failing proofs admitted)."""
        return self._parked(lambda text, doc: text)


def tactics_of(script: str) -> str:
    """A script's tactics: a leading ``Proof ...`` sentence and a trailing ``Qed.``/``Defined.`` left out."""
    tactics, _ = strip_opener(script.strip())
    try:
        sentences = split_sentences(tactics)
    except SplitError:
        return tactics  # running it reports where it does not parse
    if sentences and head_words(sentences[-1]) in (["Qed"], ["Defined"]):
        return tactics[: sentences[-1].start].rstrip()
    return tactics
