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
from ..limits import Limits
from ..results import Checkpoint, Goals, TacticError, TacticOk, TacticResult
from . import xmlproto as wire
from .idetop import IdeTopProcess
from .project import CoqProject
from .sentences import SentenceKind, SplitError, split_sentences


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
    ):
        self.project = project
        self.prefix = prefix
        self.limits = limits
        self.tactic_timeout = tactic_timeout
        self.load_timeout = load_timeout or limits.timeout_s
        self.generation = 0
        self.restarts = 0
        self._proc: IdeTopProcess | None = None
        self._adapter: wire.ProtocolAdapter = wire.ProtocolAdapter()
        self._tip = 0
        self._base_state = 0
        self._known: dict[tuple[str, ...], int] = {}  # script -> state id, this generation
        self.base: Checkpoint = self._start()

    # ------------------------------------------------------------ lifecycle
    def __enter__(self) -> "ProofSession":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._proc is not None:
            self._proc.close()
            self._proc = None

    def _start(self) -> Checkpoint:
        try:
            sentences = split_sentences(self.prefix)
        except SplitError as e:
            raise PrefixError(str(e), self.prefix.count("\n", 0, e.offset) + 1) from None
        proc = IdeTopProcess(self.project, self.limits)
        self._proc = proc
        self.generation += 1
        self._known = {}
        try:
            about = proc.call(self._adapter.about(), 30)
            if about.ok:
                self._adapter = wire.adapter_for(wire.decode_protocol_version(about.value))  # type: ignore[arg-type]
            init = proc.call(self._adapter.init(), 30)
            if not init.ok:
                raise ProverCrashError(f"coqidetop refused Init: {init.value}")
            tip = int(init.value.find("state_id").get("val"))  # type: ignore[union-attr]
            deadline = time.monotonic() + self.load_timeout
            line_of = {}
            for s in sentences:
                r = proc.call(self._adapter.add(s.text, tip), max(1.0, deadline - time.monotonic()))
                if not r.ok:
                    raise PrefixError(r.value.message, self.prefix.count("\n", 0, s.start) + 1)  # type: ignore[union-attr]
                tip = wire.decode_add(r.value)  # type: ignore[arg-type]
                line_of[tip] = self.prefix.count("\n", 0, s.start) + 1
            st = proc.call(self._adapter.status(True), max(1.0, deadline - time.monotonic()))
            if not st.ok:
                f: wire.Failure = st.value  # type: ignore[assignment]
                raise PrefixError(f.message, line_of.get(f.state_id))
        except BaseException:
            self.close()
            raise
        self._tip = self._base_state = tip
        self._known[()] = tip
        return Checkpoint(tip, self.generation, ())

    def _ensure_alive(self) -> None:
        if self._proc is None or not self._proc.alive:
            self.close()
            self.restarts += 1
            self.base = self._start()

    def restart(self) -> None:
        """Kill the process and start afresh (prefix replayed)."""
        self.close()
        self._ensure_alive()

    # ------------------------------------------------------------ helpers
    def _call(self, xml: str, timeout: float) -> "wire.Failure | object":
        assert self._proc is not None
        try:
            return self._proc.call(xml, timeout)
        except (ProverCrashError, ProverTimeoutError):
            self.close()
            raise

    def _goto(self, state: int) -> None:
        if state == self._tip:
            return
        r = self._call(self._adapter.edit_at(state), 30)
        if not r.ok:  # type: ignore[attr-defined]
            raise ProverCrashError(f"cannot return to state {state}: {r.value.message}")  # type: ignore[attr-defined]
        self._tip = state

    def _resolve(self, at: Checkpoint | None) -> Checkpoint:
        """A checkpoint valid in the current process (replaying its script if needed)."""
        self._ensure_alive()
        if at is None or at.script == ():
            return self.base
        if at.generation == self.generation:
            return at
        state = self._known.get(at.script)
        if state is not None:
            return Checkpoint(state, self.generation, at.script)
        r = self.run(" ".join(at.script), self.base)
        if isinstance(r, TacticError):
            raise ProverCrashError(f"could not rebuild a checkpoint after a restart: {r.message}")
        return r.checkpoint

    # ------------------------------------------------------------ public API
    def goals(self, at: Checkpoint | None = None) -> Goals:
        cp = self._resolve(at)
        self._goto(cp.state)
        r = self._call(self._adapter.goal(), self.tactic_timeout)
        if not r.ok:  # type: ignore[attr-defined]
            raise ProverCrashError(f"Goal failed at a checked state: {r.value.message}")  # type: ignore[attr-defined]
        return wire.decode_goals(r.value) or Goals(())  # type: ignore[attr-defined]

    def run(self, tactics: str, at: Checkpoint | None = None, timeout: float | None = None) -> TacticResult:
        """Run ``tactics`` (one or more sentences) from ``at`` (default: the base).

        All or nothing: on failure the session stays at ``at`` and the error
        carries the location of the failing sentence inside ``tactics``.
        """
        timeout = timeout or self.tactic_timeout
        start_cp = self._resolve(at)
        try:
            sentences = split_sentences(tactics)
        except SplitError as e:
            return TacticError(f"Syntax error: {e}", tactics[e.offset:].strip()[:80], e.offset, len(tactics), tactics[: e.offset])
        if not sentences:
            return TacticOk(start_cp, self.goals(start_cp))
        self._goto(start_cp.state)
        script = list(start_cp.script)
        state = start_cp.state
        last_goals: Goals | None = None
        deadline = time.monotonic() + timeout
        for s in sentences:
            left = max(0.05, deadline - time.monotonic())
            r = self._call(self._adapter.add(s.text, state), left)
            if r.ok:  # type: ignore[attr-defined]
                new_state = wire.decode_add(r.value)  # type: ignore[attr-defined]
                self._tip = new_state
                g = self._call(self._adapter.goal(), max(0.05, deadline - time.monotonic()))
                if g.ok:  # type: ignore[attr-defined]
                    goals = wire.decode_goals(g.value)  # type: ignore[attr-defined]
                    if goals is None:
                        # The sentence closed the proof mode (Qed, Abort...): not a tactic.
                        self._goto(state)
                        return self._error(tactics, s, "Not a tactic: the sentence left proof mode.", None, None, start_cp, script, state, last_goals)
                    script.append(s.text)
                    state = new_state
                    self._known[tuple(script)] = state
                    last_goals = goals
                    continue
                failure: wire.Failure = g.value  # type: ignore[attr-defined]
                self._goto(state)
            else:
                failure = r.value  # type: ignore[attr-defined]
                self._tip = failure.state_id or state
                self._goto(state)
            return self._error(tactics, s, failure.message, failure.loc_start, failure.loc_end, start_cp, script, state, last_goals)
        cp = Checkpoint(state, self.generation, tuple(script))
        return TacticOk(cp, last_goals or Goals(()))

    def _error(self, tactics, s, message, ls, le, start_cp, script, state, last_goals) -> TacticError:
        if ls is not None and le is not None and le >= ls:
            a = s.start + _byte_to_char(s.text, ls)
            b = s.start + _byte_to_char(s.text, le)
        else:
            a, b = s.start, s.end
        checked = tactics[: s.start].rstrip()
        cp = Checkpoint(state, self.generation, tuple(script)) if state != start_cp.state else start_cp
        goals_before = last_goals if last_goals is not None else None
        if goals_before is None:
            try:
                goals_before = self.goals(start_cp)
            except ProverError:
                goals_before = None
        self._goto(start_cp.state)
        kind = s.kind
        sentence = s.text if kind is SentenceKind.COMMAND else s.text
        return TacticError(message or "error", sentence, a, b, checked, cp, goals_before)

    def query(self, command: str, at: Checkpoint | None = None, timeout: float | None = None) -> str:
        """Run a query (Search, Check, About, Print, Locate) and return its output."""
        cp = self._resolve(at)
        r = self._call(self._adapter.query(command, cp.state), timeout or self.tactic_timeout)
        texts = [m.text for m in r.messages if m.level in ("notice", "info", "warning")]  # type: ignore[attr-defined]
        if not r.ok:  # type: ignore[attr-defined]
            texts.append("Error: " + r.value.message)  # type: ignore[attr-defined]
        return "\n".join(texts)
