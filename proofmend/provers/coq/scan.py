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

from ..limits import Limits
from . import xmlproto as wire
from .idetop import IdeTopProcess
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


def scan_proofs(project: CoqProject, doc: CoqDocument, limits: Limits = Limits(), timeout: float = 600.0,
                tactic_timeout: float = 60.0) -> ScanResult:
    adapter = wire.ProtocolAdapter()
    t0 = time.monotonic()
    owner: dict[int, int] = {}  # sentence start offset -> proof index (body and terminator)
    stmt_of: dict[int, int] = {}
    for pi, p in enumerate(doc.proofs):
        stmt_of[p.statement.start] = pi
        for s in p.body:
            owner[s.start] = pi
        owner[p.terminator.start] = pi
    failing: dict[int, ProofFailure] = {}
    proc = IdeTopProcess(project, limits)
    try:
        about = proc.call(adapter.about(), 30)
        if about.ok:
            adapter = wire.adapter_for(wire.decode_protocol_version(about.value))  # type: ignore[arg-type]
        init = proc.call(adapter.init(), 30)
        tip = int(init.value.find("state_id").get("val"))  # type: ignore[union-attr]
        state_start: dict[int, int] = {}  # state id -> sentence start offset
        skip_until: int | None = None
        for s in doc.sentences:
            if time.monotonic() - t0 > timeout:
                return ScanResult(failing, "scan timed out", doc.line_of(s.start), s.start, time.monotonic() - t0)
            if skip_until is not None:
                if s.start < skip_until:
                    continue
                skip_until = None
            pi = owner.get(s.start)
            r = proc.call(adapter.add(s.text, tip), tactic_timeout)
            err = None
            if r.ok:
                new = wire.decode_add(r.value)  # type: ignore[arg-type]
                state_start[new] = s.start
                if pi is not None or s.start in stmt_of:
                    g = proc.call(adapter.goal(), tactic_timeout)
                    if not g.ok:
                        err = g.value
                if err is None:
                    tip = new
                    continue
            else:
                err = r.value
            f: wire.Failure = err  # type: ignore[assignment]
            # Which sentence failed?  The failure names the last good state.
            later = sorted(st for st in state_start if st > f.state_id)
            bad_start = state_start[later[0]] if later else s.start
            proc.call(adapter.edit_at(f.state_id or tip), 30)
            tip = f.state_id or tip
            bad_owner = owner.get(bad_start)
            if bad_owner is None:
                return ScanResult(failing, f.message, doc.line_of(bad_start), bad_start, time.monotonic() - t0)
            if bad_owner != pi and pi is not None and bad_owner in failing:
                bad_owner = pi
            p = doc.proofs[bad_owner]
            failing[bad_owner] = ProofFailure(bad_owner, f.message, doc.line_of(bad_start))
            r2 = proc.call(adapter.add("Admitted.", tip), tactic_timeout)
            if not r2.ok:
                return ScanResult(failing, r2.value.message, doc.line_of(bad_start), bad_start, time.monotonic() - t0)  # type: ignore[union-attr]
            tip = wire.decode_add(r2.value)  # type: ignore[arg-type]
            for st in [st for st in state_start if st > (f.state_id or 0)]:
                del state_start[st]
            skip_until = p.terminator.end
        st = proc.call(adapter.status(True), timeout)
        if not st.ok:
            f = st.value  # type: ignore[assignment]
            later = sorted(x for x in state_start if x > f.state_id)
            bad = state_start[later[0]] if later else None
            line = doc.line_of(bad) if bad is not None else 0
            return ScanResult(failing, f.message, line, bad, time.monotonic() - t0)
        return ScanResult(failing, None, 0, None, time.monotonic() - t0)
    finally:
        proc.close()
