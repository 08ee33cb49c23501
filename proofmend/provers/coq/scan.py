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
from ..limits import Limits
from . import xmlproto as wire
from .livedoc import LiveDocument
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
    deadline = deadline or Deadline.never()
    tactic_timeout = limits.timeout_s
    own = document is None
    live = document or LiveDocument(project, limits)
    t0 = time.monotonic()
    owner: dict[int, int] = {}  # sentence start offset -> proof index (body and terminator)
    stmt_of: dict[int, int] = {}
    for pi, p in enumerate(doc.proofs):
        stmt_of[p.statement.start] = pi
        for s in p.body:
            owner[s.start] = pi
        owner[p.terminator.start] = pi
    failing: dict[int, ProofFailure] = {}
    try:
        live.deadline = deadline
        live.start()
        depth_of_stmt: dict[int, int] = {}  # proof index -> chain length just after its statement
        start_of: dict[int, int] = {}  # state id -> sentence start offset
        skip_until: int | None = None
        for s in doc.sentences:
            if skip_until is not None:
                if s.start < skip_until:
                    continue
                skip_until = None
            pi = owner.get(s.start)
            try:
                r = live.add(s.text, s.text, tactic_timeout)
                err = None
                if r.ok:
                    start_of[live.tip] = s.start
                    if s.start in stmt_of:
                        depth_of_stmt[stmt_of[s.start]] = len(live.chain)
                    if pi is not None or s.start in stmt_of:
                        g = live.call(live.adapter.goal(), tactic_timeout)
                        if not g.ok:
                            err = g.value
                    if err is None:
                        continue
                else:
                    err = r.value
            except DeadlineReached:
                return ScanResult(failing, f"the file was not loaded up to here in time ({deadline.describe()})",
                                  doc.line_of(s.start), s.start, time.monotonic() - t0, timed_out=True)
            f: wire.Failure = err  # type: ignore[assignment]
            # Which sentence failed?  The failure names the last good state.
            later = sorted(st for st in start_of if st > f.state_id)
            bad_start = start_of[later[0]] if later else s.start
            bad_owner = owner.get(bad_start)
            if bad_owner is None:
                live.back_to(live.good_depth(f.state_id))
                return ScanResult(failing, f.message, doc.line_of(bad_start), bad_start, time.monotonic() - t0)
            if bad_owner != pi and pi is not None and bad_owner in failing:
                bad_owner = pi
            p = doc.proofs[bad_owner]
            failing[bad_owner] = ProofFailure(bad_owner, f.message, doc.line_of(bad_start))
            # Back to the statement, then "Admitted." in place of the whole body.
            live.back_to(depth_of_stmt.get(bad_owner, len(live.chain)))
            for st in [st for st in start_of if st > live.tip]:
                del start_of[st]
            r2 = live.add("Admitted.", "Admitted.", tactic_timeout)
            if not r2.ok:
                return ScanResult(failing, r2.value.message, doc.line_of(bad_start), bad_start, time.monotonic() - t0)  # type: ignore[union-attr]
            skip_until = p.terminator.end
        st = live.call(live.adapter.status(True), tactic_timeout)
        if not st.ok:
            f = st.value  # type: ignore[assignment]
            later = sorted(x for x in start_of if x > f.state_id)
            bad = start_of[later[0]] if later else None
            line = doc.line_of(bad) if bad is not None else 0
            live.back_to(live.good_depth(f.state_id))
            return ScanResult(failing, f.message, line, bad, time.monotonic() - t0)
        return ScanResult(failing, None, 0, None, time.monotonic() - t0)
    except BaseException:
        live.close()
        raise
    finally:
        if own:
            live.close()
