"""A live Lean proof session: one proof of a file, checked through Lean's language server.

>>> live = LiveLeanFile(Toolchain.for_file(path), limits, path)      # doctest: +SKIP
>>> with LeanProofSession(live, head) as s:
...     r = s.run("intro n\\ninduction n <;> simp_all")

``head`` is the file text up to and including the target's ``:=`` (the
declarations before it as they should be seen).  A script is a list of
*steps*: a tactic line with the lines that continue it (more indented lines,
``|`` alternatives, ``<;>``).  The session's document is ``head`` followed by
``by`` and the script; nothing after the target is sent, so each run
re-elaborates only the target (the server keeps what comes before).

Checkpoints are scripts: Lean has no state ids to return to, so going back is
sending the shorter script again.  A step the prover refuses is a
:class:`TacticError` (the earliest error inside the proof, placed in the
given text); a proof that checks with goals left is :class:`TacticOk` with
the goals ``$/lean/plainGoal`` reports after the last step.  A dead or hung
server is an exception (``errors``); the next call starts a fresh one.
"""

from __future__ import annotations

import itertools
import re
import textwrap
from dataclasses import replace
from pathlib import Path

from ..deadline import Deadline, DeadlineReached
from ..diagnostics import Diagnostic
from ..errors import ProverError, ProverTimeoutError
from ..limits import Limits
from ..results import Checkpoint, Goal, Goals, TacticError, TacticOk, TacticResult
from ..errors import InputError
from .locator import parse_lean
from .server import LeanServer
from .toolchain import NO_CORE_LIBRARY, Toolchain, no_core_library

__all__ = ["LeanPrefixError", "LeanProofSession", "LiveLeanFile", "parse_goal", "split_steps"]

SORRY_WARNING = "declaration uses 'sorry'"
UNSOLVED = "unsolved goals"
#: Lean's bound on the target's elaboration in a session (its default is 200000)
HEARTBEATS = 50000
#: the least wall-clock time a check is given before the server is stopped
MIN_WALL_S = 5.0
#: a marker step after the script: the goals before it are the goals the script leaves
_PROBE = "skip"


class LeanPrefixError(ProverError):
    """The text before the proof does not check, so no session can be parked there."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message if line is None else f"line {line}: {message}")
        self.line = line


class LiveLeanFile:
    """One file open in a (lazily started) language server; a dead server is replaced on the next call."""

    def __init__(self, toolchain: Toolchain, limits: Limits, path: Path):
        self.toolchain = toolchain
        self.limits = limits
        self.uri = Path(path).resolve().as_uri()
        self.server: LeanServer | None = None
        self.starts = 0

    def _ready(self, text: str, deadline: Deadline) -> LeanServer:
        if self.server is not None and not self.server.alive:
            self.server.close()
            self.server = None
        if self.server is None:
            self.server = LeanServer(self.toolchain, self.limits, deadline)
            self.starts += 1
            self.server.open(self.uri, text)
        else:
            self.server.change(self.uri, text)
        return self.server

    def check(self, text: str, deadline: Deadline, timeout: float | None = None) -> list[Diagnostic]:
        """Lean's diagnostics of ``text`` (the document becomes ``text``)."""
        server = self._ready(text, deadline)
        diags = server.diagnostics(self.uri, deadline, timeout)
        if any(d.line == 1 and d.message.startswith(NO_CORE_LIBRARY) for d in diags):
            raise no_core_library()
        return diags

    def goals_at(self, line: int, col: int, deadline: Deadline, timeout: float | None = None) -> list[str] | None:
        assert self.server is not None
        return self.server.plain_goal(self.uri, line, col, deadline, timeout)

    def close(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None


def split_steps(text: str) -> list[str]:
    """Top-level steps of tactic text: a line at the least indentation starts one, deeper lines continue it."""
    lines = textwrap.dedent(text.strip("\n")).split("\n")
    steps: list[list[str]] = []
    for ln in lines:
        stripped = ln.strip()
        if not stripped:
            continue
        top = not ln[:1].isspace()
        continues = stripped.startswith(("|", "<;>", "<|>")) or stripped.startswith("--")
        if top and not (continues and steps):
            steps.append([ln.rstrip()])
        elif steps:
            steps[-1].append(ln.rstrip())
        else:
            steps.append([ln.rstrip()])
    return ["\n".join(s) for s in steps]


def parse_goal(text: str) -> Goal:
    """A goal as ``plainGoal`` prints it: ``case`` line, hypotheses, ``⊢ conclusion``."""
    lines = text.strip("\n").split("\n")
    hyps: list[str] = []
    concl: list[str] = []
    in_concl = False
    for ln in lines:
        if in_concl:
            concl.append(ln.strip())
        elif ln.startswith("⊢"):
            in_concl = True
            concl.append(ln[1:].strip())
        elif ln.startswith("case ") and not hyps:
            continue
        elif ln[:1].isspace() and hyps:
            hyps[-1] += " " + ln.strip()
        elif ln.strip():
            hyps.append(ln.strip())
    return Goal(tuple(hyps), " ".join(concl))


def _goals_from_message(message: str) -> Goals:
    """The goals an ``unsolved goals`` error lists (blank lines between goals)."""
    body = message.split("\n", 1)[1] if "\n" in message else ""
    chunks, cur = [], []
    for ln in body.split("\n"):
        if not ln.strip() and cur and any(c.startswith("⊢") for c in cur):
            chunks.append("\n".join(cur))
            cur = []
        elif ln.strip():
            cur.append(ln)
    if cur:
        chunks.append("\n".join(cur))
    return Goals(tuple(parse_goal(c) for c in chunks))


class LeanProofSession:
    """One proof of a file in a live Lean server.  Implements ``protocols.Session``."""

    prover = "lean"

    def __init__(self, live: LiveLeanFile, head: str, tactic_timeout: float = 10.0,
                 load_timeout: float | None = None, deadline: Deadline | None = None,
                 heartbeats: int | None = HEARTBEATS):
        """``heartbeats``: Lean's own bound on the target's elaboration (``set_option maxHeartbeats N in``,
        in the session's text only), so that a runaway tactic fails inside Lean instead of hanging it."""
        self.live = live
        head = head.rstrip()
        self._decl_start, column = _target_start(head)
        self.indent = " " * column + "  "
        if heartbeats:
            head = head[: self._decl_start] + f"set_option maxHeartbeats {heartbeats} in\n" + head[self._decl_start :]
        self.head = head
        self._before = head[: self._decl_start]
        self.tactic_timeout = tactic_timeout
        self.load_timeout = load_timeout or live.limits.timeout_s
        self.deadline = deadline or Deadline.never()
        self._ids = itertools.count(1)
        self._decl_line = self._before.count("\n") + 1  # the target's first line (its set_option)
        self._proof_line = self.head.count("\n") + 2  # the first line of the script
        self.generation = 0
        self.base = self._start()

    # ------------------------------------------------------------ lifecycle
    def __enter__(self) -> "LeanProofSession":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """The live file stays open for the next proof of the file (its owner closes it)."""

    def _start(self) -> Checkpoint:
        """Check the text before the proof: errors there are a :class:`LeanPrefixError`."""
        self.generation += 1
        text, _ = self._text(())
        try:
            diags = self.live.check(text, self.deadline, self.load_timeout)
        except DeadlineReached:
            raise
        except ProverTimeoutError:
            raise ProverTimeoutError(f"loading the text before the proof took over {self.load_timeout:g} s") from None
        # The probe ('skip') cannot fail: any other error is in the text before the proof or in the statement.
        before = [d for d in diags if d.severity == "error" and not d.message.startswith(UNSOLVED)]
        if before:
            first = min(before, key=lambda d: (d.line, d.col))
            raise LeanPrefixError(first.message.split("\n")[0], first.line)
        return Checkpoint(0, self.generation, ())

    # ------------------------------------------------------------ the document
    def _text(self, script: tuple[str, ...], probe: bool = True) -> tuple[str, list[tuple[int, int]]]:
        """The document for ``script`` and the 1-based line span of each step."""
        lines = [self.head + " by"]
        by_line = self.head.count("\n") + 1  # the head may span many lines: spans are the document's lines
        spans = []
        for step in script:
            first = by_line + len(lines)
            lines += [self.indent + ln if ln.strip() else "" for ln in step.split("\n")]
            spans.append((first, by_line + len(lines) - 1))
        if probe:
            lines.append(self.indent + _PROBE)
        return "\n".join(lines) + "\n", spans

    def _timed_out(self, tactics: str, start: Checkpoint, timeout: float | None) -> TacticError:
        """A step that did not finish in time (the server was stopped; the next call starts a fresh one)."""
        t = self._wall(timeout)
        return TacticError(f"Timeout: the tactics did not finish within {t:g} s", tactics, 0, len(tactics), "",
                           start, None)

    def _wall(self, timeout: float | None) -> float:
        """Seconds one check may take: Lean's heartbeats bound the work; the wall clock only catches a server
        that stopped answering (never under MIN_WALL_S: stopping the server costs reloading the file)."""
        return max(timeout or self.tactic_timeout, MIN_WALL_S)

    def _check(self, script: tuple[str, ...], timeout: float | None):
        text, spans = self._text(script)
        diags = self.live.check(text, self.deadline, self._wall(timeout))
        mine = [d for d in diags if d.line >= self._decl_line]  # the text before was checked at the start
        return text, spans, mine

    def _goals_after(self, text: str, diags: list[Diagnostic], timeout: float | None) -> Goals:
        """The goals the script leaves: those before the probe step."""
        errors = [d for d in diags if d.severity == "error"]
        if not errors:
            return Goals(())
        probe_line = text.rstrip("\n").count("\n") + 1
        try:
            found = self.live.goals_at(probe_line, len(self.indent), self.deadline, self._wall(timeout))
        except ProverError:
            found = None
        if found is not None:
            return Goals(tuple(parse_goal(g) for g in found))
        unsolved = next((d for d in errors if d.message.startswith(UNSOLVED)), None)
        return _goals_from_message(unsolved.message) if unsolved else Goals(())

    # ------------------------------------------------------------ protocols.Session
    def run(self, tactics: str, at: Checkpoint | None = None, timeout: float | None = None) -> TacticResult:
        """Run ``tactics`` after ``at``'s script; all or nothing."""
        start = at or self.base
        steps = tuple(split_steps(tactics))
        script = start.script + steps
        try:
            text, spans, diags = self._check(script, timeout)
        except ProverTimeoutError:
            return self._timed_out(tactics, start, timeout)
        errors = [d for d in diags if d.severity == "error" and not d.message.startswith(UNSOLVED)]
        sorry = [d for d in diags if d.severity == "warning" and SORRY_WARNING in d.message]
        if not errors and sorry:
            errors = [Diagnostic("error", "the proof uses sorry", sorry[0].line, sorry[0].col, sorry[0].line,
                                 sorry[0].col)]
        if errors:
            first = min(errors, key=lambda d: (d.line, d.col))
            return self._error(tactics, steps, start, spans, name_unknown_tactic(first, text), timeout)
        goals = self._goals_after(text, diags, timeout)
        return TacticOk(Checkpoint(next(self._ids), self.generation, script), goals)

    def _error(self, tactics: str, steps: tuple[str, ...], start: Checkpoint, spans, err: Diagnostic,
               timeout: float | None) -> TacticError:
        own = spans[len(start.script):]
        k = next((i for i, (a, b) in enumerate(own) if a <= err.line <= b), None)
        if k is None:  # before the new steps (cannot happen for a checked start) or at the probe: the last one
            k = max(0, len(steps) - 1) if err.line >= (own[-1][0] if own else 0) else 0
        offsets = _step_offsets(tactics, steps)
        a, b = offsets[k] if k < len(offsets) else (0, len(tactics))
        checked_script = start.script + steps[:k]
        checked_cp = Checkpoint(next(self._ids), self.generation, checked_script)
        goals: Goals | None
        try:
            goals = self.goals(checked_cp, timeout) if k > 0 else self.goals(start, timeout)
        except ProverError:
            goals = None
        return TacticError(err.message, steps[k] if k < len(steps) else tactics, a, b, tactics[:a].rstrip(),
                           checked_cp, goals)

    def goals(self, at: Checkpoint | None = None, timeout: float | None = None) -> Goals:
        script = (at or self.base).script
        text, _, diags = self._check(script, timeout)
        return self._goals_after(text, diags, timeout)

    def closes(self, body: str, timeout: float | None = None) -> str | None:
        """None when ``body`` (the text after ``:=``) proves the target with no error and no sorry; else why not."""
        text = self.head + (body if body[:1].isspace() else " " + body).rstrip() + "\n"
        try:
            diags = self.live.check(text, self.deadline, self._wall(timeout))
        except ProverTimeoutError:
            return f"Timeout: the proof did not check within {self._wall(timeout):g} s"
        mine = [d for d in diags if d.line >= self._decl_line]
        errors = [d for d in mine if d.severity == "error"]
        if errors:
            return min(errors, key=lambda d: (d.line, d.col)).message
        if any(SORRY_WARNING in d.message for d in mine):
            return "the proof uses sorry"
        return None

    def query(self, command: str, at: Checkpoint | None = None, timeout: float | None = None) -> str:
        """The messages of a ``#`` command (``#check``, ``#print``, ...) run before the target; else an error."""
        command = command.strip()
        if not command.startswith("#") or "\n" in command:
            return "Error: only a one-line # command (#check, #print, #reduce) can be run here"
        text = self._before.rstrip() + "\n\n" + command + "\n"
        line = text.rstrip("\n").count("\n") + 1
        diags = self.live.check(text, self.deadline, self._wall(timeout))
        out = [d for d in diags if d.line == line]
        return "\n".join(("Error: " if d.severity == "error" else "") + d.message for d in out)


_WORD = re.compile(r"[A-Za-z_][\w.?!']*")


def name_unknown_tactic(d: Diagnostic, text: str) -> Diagnostic:
    """Lean's bare ``unknown tactic`` (a parse error) with the word it stopped at: ``unknown tactic 'omega'``.

    The position is at the word or one character into it (the 2021 build); the word is what a search
    needs to leave the tactic out from then on, and what a model needs to hear."""
    if d.message.strip() != "unknown tactic":
        return d
    lines = text.split("\n")
    src = lines[d.line - 1] if 0 < d.line <= len(lines) else ""
    word = next((m.group() for m in _WORD.finditer(src) if m.start() <= d.col <= m.end()), None)
    return replace(d, message=f"unknown tactic '{word}'") if word else d


def _target_start(head: str) -> tuple[int, int]:
    """(offset, column) where the target's declaration starts in ``head`` (its modifiers and doc comment included)."""
    try:
        doc = parse_lean(head + " sorry\n")
    except InputError:
        doc = None
    if doc is None or not doc.decls:
        start = head.rfind("\n", 0, len(head)) + 1
        return start, 0
    d = doc.decls[-1]
    line_start = head.rfind("\n", 0, d.start) + 1
    return line_start, d.start - line_start


def _step_offsets(tactics: str, steps: tuple[str, ...]) -> list[tuple[int, int]]:
    """Character spans of each step's first line inside ``tactics`` (best effort)."""
    out, pos = [], 0
    for s in steps:
        first = s.split("\n")[0].strip()
        i = tactics.find(first, pos)
        if i < 0:
            out.append((pos, len(tactics)))
            continue
        end = i + len(first)
        rest = s.split("\n")[1:]
        for ln in rest:
            j = tactics.find(ln.strip(), end)
            if j >= 0:
                end = j + len(ln.strip())
        out.append((i, end))
        pos = end
    return out
