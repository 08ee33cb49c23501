"""A live Coq proof session over coqidetop, parked at the start of one proof.

>>> with ProofSession(project, prefix) as s:          # doctest: +SKIP
...     r = s.run("intros n. induction n; simpl; auto.")
...     if isinstance(r, TacticOk) and r.finished: ...

``prefix`` is the file text up to and including the statement (and, if present,
``Proof.``).  Candidates run from checkpoints; a failing candidate leaves the
session where it was.  A crashed or hung process is restarted and the prefix
replayed on the next call: the caller only loses the attempt that was running.
"""

from __future__ import annotations

import time

from ..errors import ProverCrashError, ProverError, ProverTimeoutError
from ..deadline import Deadline, DeadlineReached
from ..limits import Limits
from ..results import Checkpoint, Goals, TacticError, TacticOk, TacticResult
from . import xmlproto as wire
from .idetop import IdeTopProcess
from .livedoc import LiveDocument, LoadError
from .project import CoqProject
from .sentences import SplitError, split_sentences


class PrefixError(ProverError):
    """The text before the proof does not check, so no session can be parked there."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message if line is None else f"line {line}: {message}")
        self.line = line


def _byte_to_char(text: str, b: int) -> int:
    return len(text.encode("utf-8")[:b].decode("utf-8", "ignore"))


class ProofSession:
    """One coqidetop process, one proof.  Implements ``protocols.Session``."""

    def __init__(
        self,
        project: CoqProject,
        prefix: str,
        limits: Limits = Limits(),
        tactic_timeout: float = 10.0,
        load_timeout: float | None = None,
        document: LiveDocument | None = None,
        deadline: Deadline | None = None,
    ):
        """``document``: a file's live document to park in (it keeps what it has loaded); without one the
        session starts a document of its own.  Either way earlier opaque proofs are loaded as admitted."""
        self.project = project
        self.deadline = deadline or Deadline.never()  # every call obeys it (and its own cap)
        self._own_document = document is None
        self.document = document if document is not None else LiveDocument(project, limits)
        self.prefix = prefix
        self.limits = limits
        self.tactic_timeout = tactic_timeout
        self.load_timeout = load_timeout or limits.timeout_s
        self.generation = 0
        self.restarts = 0
        self._proc: IdeTopProcess | None = None
        self._adapter: wire.ProtocolAdapter = wire.ProtocolAdapter()
        self._tip = 0
        # The live document beyond the prefix: (script so far, state id) pairs,
        # each one sentence longer than the one before.  Going back to an
        # earlier state expires the later ones in coqidetop.
        self._chain: list[tuple[tuple[str, ...], int]] = []
        self.base: Checkpoint = self._start()

    # ------------------------------------------------------------ lifecycle
    def __enter__(self) -> "ProofSession":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._proc = None
        if self._own_document:
            self.document.close()

    def _start(self) -> Checkpoint:
        """Park the document at the prefix, keeping what it has already loaded."""
        self.generation += 1
        try:
            tip = self._sync()
        except BaseException:
            if self._own_document:
                self.document.close()
            raise
        self._proc = self.document.proc
        self._adapter = self.document.adapter
        self._tip = tip
        self._chain = [((), tip)]
        return Checkpoint(tip, self.generation, ())

    def _sync(self) -> int:
        try:
            return self.document.sync(self.prefix, self.deadline.sooner(self.load_timeout))
        except SplitError as e:
            raise PrefixError(str(e), self.prefix.count("\n", 0, e.offset) + 1) from None
        except LoadError as e:
            raise PrefixError(e.message, e.line) from None
        except DeadlineReached:
            if self.deadline.passed:
                raise
            raise ProverTimeoutError(f"loading the text before the proof took over {self.load_timeout:g} s") from None

    def _ensure_alive(self) -> None:
        stolen = self.document.proc is not self._proc  # another session restarted the shared document
        if self._proc is None or not self._proc.alive or stolen:
            self.close()
            self.restarts += 1
            self.base = self._start()

    def restart(self) -> None:
        """Kill the process and start afresh (prefix replayed)."""
        self.close()
        self.document.close()
        self._ensure_alive()

    # ------------------------------------------------------------ helpers
    def _call(self, xml: str, timeout: float):
        assert self._proc is not None
        try:
            r = self._proc.call(xml, self.deadline.cap(timeout))
            if not r.ok and self.deadline.passed:
                raise DeadlineReached(self.deadline.describe())  # interrupted at the deadline, not refused
            return r
        except (ProverCrashError, ProverTimeoutError):
            self.close()
            self.document.close()  # hung or dead: the next call starts it afresh
            raise

    def _goto(self, depth: int) -> None:
        """Make ``self._chain[depth]`` the tip (states after it expire in coqidetop)."""
        state = self._chain[depth][1]
        del self._chain[depth + 1 :]
        if state == self._tip:
            return
        r = self._call(self._adapter.edit_at(state), self.limits.call_timeout_s)
        if not r.ok:
            raise ProverCrashError(f"cannot return to state {state}: {r.value.message}")
        self._tip = state

    def _step(self, sentence: str, deadline: float) -> "Goals | wire.Failure":
        """Add one sentence at the tip and execute it.  On failure the tip is unchanged."""
        depth = len(self._chain) - 1
        state = self._chain[-1][1]
        r = self._call(self._adapter.add(sentence, state), max(0.05, deadline - time.monotonic()))
        if not r.ok:
            self._tip = -1  # coqidetop may have moved: force an Edit_at
            self._goto(depth)
            return r.value
        new_state = wire.decode_add(r.value)
        self._tip = new_state
        g = self._call(self._adapter.goal(), max(0.05, deadline - time.monotonic()))
        if not g.ok:
            self._goto(depth)
            return g.value
        goals = wire.decode_goals(g.value)
        if goals is None:
            # The sentence closed proof mode (Qed, Abort, ...): it is no tactic.
            self._goto(depth)
            return wire.Failure(state, "Not a tactic: the sentence leaves proof mode.")
        self._chain.append((self._chain[-1][0] + (sentence,), new_state))
        return goals

    def _reach(self, at: Checkpoint | None) -> tuple[Checkpoint, "Goals | None"]:
        """Put the tip at ``at`` (default: base), replaying its script where needed."""
        self._ensure_alive()
        script = at.script if at is not None else ()
        k = 0
        while k < len(script) and k + 1 < len(self._chain) and self._chain[k + 1][0][-1] == script[k]:
            k += 1
        self._goto(k)
        goals = None
        deadline = time.monotonic() + max(self.tactic_timeout, self.load_timeout / 10)
        for sentence in script[k:]:
            res = self._step(sentence, deadline)
            if isinstance(res, wire.Failure):
                raise ProverCrashError(f"could not rebuild a checkpoint: {res.message}")
            goals = res
        return Checkpoint(self._chain[-1][1], self.generation, script), goals

    # ------------------------------------------------------------ public API
    def goals(self, at: Checkpoint | None = None) -> Goals:
        self._reach(at)
        r = self._call(self._adapter.goal(), self.tactic_timeout)
        if not r.ok:
            raise ProverCrashError(f"Goal failed at a checked state: {r.value.message}")
        return wire.decode_goals(r.value) or Goals(())

    def run(self, tactics: str, at: Checkpoint | None = None, timeout: float | None = None) -> TacticResult:
        """Run ``tactics`` (one or more sentences) from ``at`` (default: the base).

        All or nothing: a failure keeps nothing of ``tactics`` except as the
        error's ``checked_checkpoint``, and carries the location of the failing
        part inside ``tactics``.
        """
        timeout = timeout or self.tactic_timeout
        try:
            sentences = split_sentences(tactics)
        except SplitError as e:
            start_cp, _ = self._reach(at)
            return TacticError(f"Syntax error: {e}", tactics[e.offset:].strip()[:80], e.offset, len(tactics),
                               tactics[: e.offset].rstrip(), start_cp, None)
        start_cp, _ = self._reach(at)
        if not sentences:
            return TacticOk(start_cp, self.goals(start_cp))
        last_goals: Goals | None = None
        deadline = time.monotonic() + timeout
        for s in sentences:
            res = self._step(s.text, deadline)
            if isinstance(res, wire.Failure):
                return self._error(tactics, s, res, start_cp, last_goals)
            last_goals = res
        cp = Checkpoint(self._chain[-1][1], self.generation, self._chain[-1][0])
        return TacticOk(cp, last_goals or Goals(()))

    def _error(self, tactics: str, s, failure: "wire.Failure", start_cp: Checkpoint, last_goals: Goals | None) -> TacticError:
        ls, le = failure.loc_start, failure.loc_end
        if ls is not None and le is not None and le > ls:
            a = s.start + _byte_to_char(s.text, ls)
            b = s.start + _byte_to_char(s.text, le)
        else:
            a, b = s.start, s.end
        checked_cp = Checkpoint(self._chain[-1][1], self.generation, self._chain[-1][0])
        goals = last_goals
        if goals is None:
            try:
                goals = self.goals(start_cp)
            except ProverError:
                goals = None
        return TacticError(failure.message or "error", s.text, a, b, tactics[: s.start].rstrip(), checked_cp, goals)

    def closes(self, body: str, timeout: float | None = None, assumptions_of: str | None = None) -> str | None:
        """None when ``body`` (opener, tactics, terminator) runs from the base and Coq accepts its terminator.

        ``assumptions_of``: the theorem's name; its ``Print Assumptions`` just
        after the terminator is left in :attr:`closed_assumptions` (None when
        Coq would not say).

        Otherwise Coq's message.  The terminator (``Qed.``) is where the kernel
        checks the proof term (guard conditions, universes): running it here
        finds what the tactics alone do not show, before any batch compile.
        The session is left at the base.
        """
        try:
            sentences = split_sentences(body)
        except SplitError as e:
            return f"Syntax error: {e}"
        if not sentences:
            return "empty proof"
        head, last = sentences[:-1], sentences[-1]
        r = self.run(" ".join(s.text for s in head), timeout=timeout) if head else None
        if r is not None and not isinstance(r, TacticOk):
            return r.message
        if r is not None and not r.finished:
            return "the proof is not finished before its terminator"
        deadline = time.monotonic() + (timeout or self.tactic_timeout)
        state = self._chain[-1][1]
        try:
            a = self._call(self._adapter.add(last.text, state), max(0.05, deadline - time.monotonic()))
            if not a.ok:
                return a.value.message  # type: ignore[union-attr]
            self._tip = wire.decode_add(a.value)  # type: ignore[arg-type]
            st = self._call(self._adapter.status(True), max(0.05, deadline - time.monotonic()))
            if not st.ok:
                return st.value.message or "the terminator was refused"  # type: ignore[union-attr]
            if assumptions_of:
                q = self._call(self._adapter.query(f"Print Assumptions {assumptions_of}.", self._tip),
                               max(1.0, deadline - time.monotonic()))
                self.closed_assumptions = "\n".join(m.text for m in q.messages if m.level in ("notice", "info")) \
                    if q.ok else None  # type: ignore[attr-defined]
            return None
        finally:
            if self._proc is not None:
                self._tip = -1  # force the Edit_at back
                self._goto(0)

    def query(self, command: str, at: Checkpoint | None = None, timeout: float | None = None) -> str:
        """Run a query (Search, Check, About, Print, Locate) and return its output."""
        cp, _ = self._reach(at)
        r = self._call(self._adapter.query(command, cp.state), timeout or self.tactic_timeout)
        texts = [m.text for m in r.messages if m.level in ("notice", "info", "warning")]  # type: ignore[attr-defined]
        if not r.ok:  # type: ignore[attr-defined]
            texts.append("Error: " + r.value.message)  # type: ignore[attr-defined]
        return "\n".join(texts)
