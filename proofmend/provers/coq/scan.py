"""Find every failing proof of a file in one pass of a live session.

``coqc`` stops at the first error.  Here the file is fed sentence by sentence;
when a proof body fails, the proof is closed with ``Admitted.`` in the session
and the scan goes on, so each failing proof is found with its error.  An error
outside proof bodies (a statement or definition that no longer checks) stops
the scan: nothing after it can be judged.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from ..deadline import Deadline, DeadlineReached
from ..errors import ProverCrashError
from ..limits import Limits
from . import xmlproto as wire
from .livedoc import LiveDocument, LoadError
from .locator import CoqDocument
from .project import CoqProject


@dataclass(frozen=True)
class ProofFailure:
    index: int  # index into doc.proofs
    message: str
    line: int


@dataclass(frozen=True)
class ScanResult:
    failing: dict[int, ProofFailure] = field(default_factory=dict)
    outside_error: str | None = None
    outside_line: int = 0
    stopped_at: int | None = None  # offset where the scan had to stop
    seconds: float = 0.0
    timed_out: bool = False  # stopped by the deadline, not by an error


def scan_proofs(project: CoqProject, doc: CoqDocument, limits: Limits = Limits(), deadline: Deadline | None = None,
                document: LiveDocument | None = None) -> ScanResult:
    """Every failing proof of ``doc``.  With ``document``, the scan loads the file into it and leaves it there.

    A failing proof is loaded as its statement followed by ``Admitted.``, just
    as the agent's baselines write it, so that parking at a hole afterwards
    reuses everything the scan loaded.  Each sentence may take up to
    ``limits.timeout_s``; the whole scan stops at ``deadline`` (``timed_out``).
    """
    scan = ProofScan(project, doc, limits, document)
    try:
        return scan.upto(len(doc.text), deadline)
    finally:
        if document is None:
            scan.live.close()


class ProofScan:
    """The failing-proof scan of one file, in steps: up to an offset, and later on from there.

    Between steps the live document may serve other work (a hole parked in
    it); a step first brings it back to what the scan had loaded — kept where
    it still is, otherwise loaded again with the earlier proofs admitted (they
    were checked already).  ``budget_s`` bounds the time of all steps
    together; a step may also be given a deadline of its own.
    """

    def __init__(self, project: CoqProject, doc: CoqDocument, limits: Limits = Limits(),
                 document: LiveDocument | None = None, budget_s: float | None = None):
        self.doc = doc
        self.limits = limits
        self.live = document or LiveDocument(project, limits)
        self.budget_s = budget_s
        self.failing: dict[int, ProofFailure] = {}
        self.outside_error: str | None = None
        self.outside_line = 0
        self.stopped_at: int | None = None
        self.timed_out = False
        self.seconds = 0.0
        self.done = False  # the whole file scanned (or the scan stopped)
        self._next = 0  # the next sentence (index into doc.sentences)
        self._owner: dict[int, int] = {}  # sentence start offset -> proof index (body and terminator)
        self._stmt_of: dict[int, int] = {}
        for pi, p in enumerate(doc.proofs):
            self._stmt_of[p.statement.start] = pi
            for sent in p.body:
                self._owner[sent.start] = pi
            self._owner[p.terminator.start] = pi
        self._depth_of_stmt: dict[int, int] = {}  # proof index -> chain length just after its statement
        self._start_of: dict[int, int] = {}  # state id -> sentence start offset
        # What the scan has loaded, as text (a failing proof as its statement and "Admitted."), and the
        # document's chain as the scan left it: to come back after other work.
        self._pieces: list[str] = []
        self._cursor = 0
        self._pieces_at_stmt: dict[int, int] = {}
        self._chain: list[tuple[str, int]] | None = None

    def result(self) -> ScanResult:
        return ScanResult(dict(self.failing), self.outside_error, self.outside_line, self.stopped_at, self.seconds,
                          self.timed_out)

    def _stop(self, message: str, offset: int | None, timed_out: bool = False) -> None:
        self.outside_error = message
        self.outside_line = self.doc.line_of(offset) if offset is not None else 0
        self.stopped_at = offset
        self.timed_out = timed_out
        self.done = True

    def upto(self, offset: int, deadline: Deadline | None = None) -> ScanResult:
        """Scan every sentence that starts before ``offset`` (the whole file: ``len(doc.text)``)."""
        if self.done:
            return self.result()
        t0 = time.monotonic()
        deadline = deadline or Deadline.never()
        if self.budget_s is not None:
            deadline = deadline.sooner(self.budget_s - self.seconds)
        sentences = self.doc.sentences
        live = self.live
        try:
            live.deadline = deadline
            self._come_back(deadline)
            while self._next < len(sentences) and sentences[self._next].start < offset:
                s = sentences[self._next]
                self._next += 1
                if not self._scan(s):
                    return self.result()
            if self._next >= len(sentences):
                self.done = True
            self._settle()
            return self.result()
        except DeadlineReached:
            s = sentences[min(max(self._next - 1, 0), len(sentences) - 1)] if sentences else None
            self._stop(f"the file was not loaded up to here in time ({deadline.describe()})",
                       s.start if s is not None else 0, timed_out=True)
            return self.result()
        except BaseException:
            live.close()
            raise
        finally:
            self.seconds += time.monotonic() - t0
            self._chain = list(live.chain)
            live.deadline = Deadline.never()  # the scan's, not the next work's

    def _come_back(self, deadline: Deadline) -> None:
        """Put the document back where the last step left it (loading again what other work dropped)."""
        live = self.live
        if self._chain is None:
            live.start()
            return
        n = len(self._chain)
        if live.alive and live.chain[:n] == self._chain:
            if len(live.chain) > n:
                live.back_to(n)
            return
        try:
            live.sync("".join(self._pieces), deadline)
        except LoadError as e:  # it loaded before: the prover is not what it was
            raise ProverCrashError(f"the text scanned so far no longer loads: {e.message}") from None
        self._depth_of_stmt.clear()  # the states the scan knew are gone
        self._start_of.clear()

    def _loaded(self, s_end: int) -> None:
        self._pieces.append(self.doc.text[self._cursor : s_end])
        self._cursor = s_end

    def _scan(self, s) -> bool:
        """Add sentence ``s``; False when the scan had to stop (an error outside proofs)."""
        live, doc = self.live, self.doc
        tactic_timeout = self.limits.timeout_s
        pi = self._owner.get(s.start)
        r = live.add(s.text, s.text, tactic_timeout)
        err = None
        if r.ok:
            self._start_of[live.tip] = s.start
            self._loaded(s.end)
            if s.start in self._stmt_of:
                self._depth_of_stmt[self._stmt_of[s.start]] = len(live.chain)
                self._pieces_at_stmt[self._stmt_of[s.start]] = len(self._pieces)
            if pi is not None or s.start in self._stmt_of:
                g = live.call(live.adapter.goal(), tactic_timeout)
                if not g.ok:
                    err = g.value
            if err is None:
                return True
        else:
            err = r.value
        f: wire.Failure = err  # type: ignore[assignment]
        # Which sentence failed?  Coq refusing to add it (a syntax error) names it; an error found when
        # running names the last good state.
        later = sorted(st for st in self._start_of if st > f.state_id) if r.ok else []
        bad_start = self._start_of[later[0]] if later else s.start
        bad_owner = self._owner.get(bad_start)
        if bad_owner is None:
            live.back_to(live.good_depth(f.state_id))
            self._stop(f.message, bad_start)
            return False
        if bad_owner != pi and pi is not None and bad_owner in self.failing:
            bad_owner = pi
        p = doc.proofs[bad_owner]
        self.failing[bad_owner] = ProofFailure(bad_owner, f.message, doc.line_of(bad_start))
        # Back to the statement, then "Admitted." in place of the whole body.
        live.back_to(self._depth_of_stmt.get(bad_owner, len(live.chain)))
        for st in [st for st in self._start_of if st > live.tip]:
            del self._start_of[st]
        r2 = live.add("Admitted.", "Admitted.", tactic_timeout)
        if not r2.ok:
            self._stop(r2.value.message, bad_start)  # type: ignore[union-attr]
            return False
        del self._pieces[self._pieces_at_stmt.get(bad_owner, len(self._pieces)):]
        self._pieces.append("\nAdmitted.")
        self._cursor = p.terminator.end
        self._next = next((k for k, x in enumerate(doc.sentences) if x.start >= p.terminator.end), len(doc.sentences))
        return True

    def _settle(self) -> None:
        """Force what was added so far: an error the prover reports only now stops the scan where it was."""
        live = self.live
        st = live.call(live.adapter.status(True), self.limits.timeout_s)
        if not st.ok:
            f = st.value  # type: ignore[assignment]
            later = sorted(x for x in self._start_of if x > f.state_id)
            bad = self._start_of[later[0]] if later else None
            live.back_to(live.good_depth(f.state_id))
            self._stop(f.message, bad)
            if bad is None:
                self.outside_line = 0
