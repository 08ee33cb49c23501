"""The model inside the search: a best-first search over proof states where the model proposes next tactics.

At a node (a proof state in the live session) the model is asked, in one
call (``prompts/step.j2``), for ``search.suggestions`` alternative next
tactics for the first goal; the prompt shows the goals, the theorem, the
retrieved definitions and lemmas, the tactics that led to the node and the
tactics already tried there with why they failed.  The built-in tactics of
the offline search (closers, whole-goal combinations, steps) are candidates at
the same node.  Every suggestion is hostile input: it is checked statically
(tactics only, no admit) and one that fails the check never reaches Coq.
Each candidate runs in the live session from the node's checkpoint; a state
seen before anywhere in the search is dropped, so a suggestion that loops or
changes nothing leads nowhere and is reported as such at the next call.
Small models often write a sequence where alternatives were asked for: a line
that fails at the node is also tried after the state the line before it led
to (``chained`` in the trajectory).

Score of a new state (lower is expanded first)::

    cost = goals + size / 1000 + 0.3 * depth + prior

``goals`` counts the open goals (focused and not), ``size`` the characters of
the focused goals, ``depth`` the steps from the start of the proof.
``prior`` ranks the step that reached the state:

- a model suggestion, where the server returns log-probabilities: the mean
  negative log-probability of the tokens of its line, capped at 2 (a
  suggestion the model is sure of costs ~0);
- a model suggestion without log-probabilities: 0.15 per place in the reply
  (the model lists its best first);
- a built-in step: 0.6; a built-in closer that closes a goal: 0 (as in the
  offline search, the first closer that closes the node's first goal is kept
  and the node's other candidates are not tried).

A node whose suggestions all lead nowhere (refused, failing, or to a state
seen before) is asked again at once, the failures listed, up to
``search.step_node_calls`` calls at one node.  Model calls are counted against
the hole's ``attempts``; when a later proposer in the strategy also uses the
model, the step search keeps half of the calls left (and half of the time)
for it.  Once its calls are spent (or the model stops answering) it goes on
with the built-in candidates for at most ``search.time_s`` more seconds.
"""

from __future__ import annotations

import heapq
import itertools
import math
import os
import re
import time
from dataclasses import dataclass

from ...provers.coq.audit_static import static_body_problems
from ...provers.coq.sentences import SplitError, split_sentences
from ...provers.deadline import DeadlineReached
from ...provers.results import Checkpoint, Goals, TacticError, TacticOk
from .extract import first_fenced_block
from ..hole import MODEL_PROPOSERS, Candidates, Hole, Stop
from .llm import ask
from .prompting import clean_error, messages_for_step
from .retrieval import retrieve, scope_items
from ..search import Node, goals_size

STEP_CONTEXT_TOKENS = 800  # definitions and lemmas shown in a step prompt (it is sent once per node)

BUILTIN_PRIOR = 0.6
RANK_PRIOR = 0.15
LOGPROB_CAP = 2.0
_LEADING = re.compile(r"^\s*(?:\d+[.)]\s+|[-+*•]+\s+|[-+*]+(?=\s*$))")
_NOT_STEPS = {"Qed", "Defined", "Save", "Admitted", "Abort"}


@dataclass(frozen=True)
class Suggestion:
    tactic: str  # one line of the reply: a tactic sentence (or a few), ending with a period
    prior: float  # see the module docstring


def _line_spans(content: str) -> list[tuple[int, int, str]]:
    """(start, end, text) of the lines to read suggestions from: those of the first fenced block, else all."""
    block = first_fenced_block(content)
    lines = []
    offset = 0
    inside = block is None
    fence_seen = 0
    for raw in content.splitlines(keepends=True):
        start, end = offset, offset + len(raw.rstrip("\n"))
        offset += len(raw)
        if raw.lstrip().startswith(("```", "~~~")):
            fence_seen += 1
            if fence_seen == 1 and block is not None:
                inside = True
                continue
            if fence_seen == 2 and block is not None:
                break
            continue
        if inside:
            lines.append((start, end, content[start:end]))
    return lines


def _mean_logprob(logprobs: tuple[tuple[str, float], ...], start: int, end: int) -> float | None:
    """Mean log-probability of the tokens overlapping characters [start, end) of the reply."""
    pos, values = 0, []
    for token, lp in logprobs:
        t_end = pos + len(token)
        if t_end > start and pos < end and token.strip():
            values.append(lp)
        pos = t_end
        if pos >= end:
            break
    finite = [v for v in values if math.isfinite(v)]
    return sum(finite) / len(finite) if finite else None


def parse_suggestions(content: str, k: int, logprobs: tuple[tuple[str, float], ...] | None = None) -> list[Suggestion]:
    """The alternative next tactics of a reply: one per line, numbering and bullets dropped, at most ``k``.

    Log-probabilities are used only where their tokens spell the reply.
    """
    use_lp = logprobs is not None and "".join(t for t, _ in logprobs) == content
    out: list[Suggestion] = []
    seen: set[str] = set()
    for start, end, text in _line_spans(content):
        tactic = _LEADING.sub("", text).strip().strip("`").strip()
        if not tactic or tactic.startswith("(*") or tactic in ("{", "}"):
            continue
        if not tactic.endswith("."):
            tactic += "."
        if tactic in ("Proof.",) or tactic in seen:
            continue
        seen.add(tactic)
        if use_lp:
            mean = _mean_logprob(logprobs, start, end)  # type: ignore[arg-type]
            prior = min(LOGPROB_CAP, -mean) if mean is not None else RANK_PRIOR * len(out)
        else:
            prior = RANK_PRIOR * len(out)
        out.append(Suggestion(tactic, max(0.0, prior)))
        if len(out) >= k:
            break
    return out


def refusal(tactic: str) -> str | None:
    """Why a suggested tactic may not run at all (vernacular, admit, a proof terminator), or None."""
    problems = static_body_problems(tactic)
    if problems:
        return "; ".join(problems)
    try:
        sentences = split_sentences(tactic)
    except SplitError as e:
        return f"does not parse: {e}"
    for s in sentences:
        if s.first_word in _NOT_STEPS:
            return f"'{s.first_word}' is not a tactic"
    return None


def cost_of(goals: Goals, depth: int, prior: float) -> float:
    """The score of a state (see the module docstring): lower is expanded first."""
    n, size = goals_size(goals)
    return n + size / 1000 + 0.3 * depth + prior


class StepSearch:
    """One run of the step search on a hole (see the module docstring)."""

    def __init__(self, hole: Hole, time_s: float, max_calls: int):
        self.hole = hole
        self.search = hole.search  # the shared offline search: its lemma pool and tactic availability
        self.config = hole.config.search
        self.ends = time.monotonic() + time_s
        self.max_calls = max_calls
        self.calls = 0
        self.nodes = 0
        self.counts = {"suggested": 0, "refused": 0, "failed": 0, "chained": 0, "seen": 0, "new": 0, "closed": 0}
        self.model_stop: Stop | None = None
        self.spent_at: float | None = None  # when the last model call was made (or the model stopped answering)
        self.start_len = len(hole.start.script)
        self._ctx: dict | None = None
        self._serial = itertools.count()

    # ------------------------------------------------------------ helpers
    def left(self) -> float:
        ends = self.ends
        if self.spent_at is not None:  # no model calls left: a built-in search's time more, at most
            ends = min(ends, self.spent_at + self.config.time_s)
        return min(ends - time.monotonic(), self.hole.budget.left())

    def _script(self, cp: Checkpoint) -> tuple[str, ...]:
        return tuple(cp.script[self.start_len:])

    def _base_context(self) -> dict:
        """What every step prompt of the hole shows: no file text, only the definitions and lemmas retrieved for it."""
        if self._ctx is None:
            job = self.hole.job
            items = scope_items(job.local_context or job.prefix)
            defs, lemmas = retrieve(job.statement, "", [(name, text) for _, name, text in items],
                                    budget_tokens=STEP_CONTEXT_TOKENS)
            self._ctx = {"file": os.path.basename(job.file), "theorem": job.theorem, "statement": job.statement,
                         "definitions": defs, "lemmas": lemmas,
                         "stale_proof": "\n".join(job.stale) if job.stale else None,
                         "changes": job.changes.lines() if job.changes is not None else []}
        return self._ctx

    def _ask(self, node: Node) -> list[Suggestion]:
        """One model call at ``node``; [] when the calls are spent or the model cannot answer."""
        if self.model_stop is not None or self.calls >= self.max_calls:
            if self.spent_at is None:
                self.spent_at = time.monotonic()
            return []
        self.hole.budget.check()  # time, tokens, cost
        k = self.config.suggestions
        ctx = {**self._base_context(), "script": "\n".join(self._script(node.checkpoint)),
               "goals": node.goals.render(limit=3)[:3000], "n_goals": len(node.goals.foreground),
               "failures": node.failures[-8:], "k": k}
        sample = self.hole.config.sample_index * 1000 + 500 + self.calls
        try:
            reply = ask(self.hole, messages_for_step(ctx), sample, max_tokens=self.config.suggestion_tokens,
                        logprobs=True)
        except Stop as stop:  # the model cannot answer: go on with the built-in candidates
            self.model_stop = stop
            self.spent_at = time.monotonic()
            self.hole.notes.append(f"llm-search: {stop.message}")
            return []
        self.calls += 1
        node.calls += 1
        if self.calls >= self.max_calls:
            self.spent_at = time.monotonic()
        suggestions = parse_suggestions(reply.content, k, reply.logprobs)
        self.hole.trace.emit("suggestions", theorem=self.hole.job.theorem, depth=node.depth,
                             tactics=[[x.tactic, round(x.prior, 3)] for x in suggestions],
                             logprobs=reply.logprobs is not None)
        return suggestions

    # ------------------------------------------------------------ the search
    def run(self) -> Candidates:
        """Yield each complete script found (as a body to audit) until one is accepted or the budget ends."""
        hole = self.hole
        goals0 = hole.session.goals(hole.start)
        frontier: list[Node] = [Node(cost_of(goals0, 0, 0.0), next(self._serial), hole.start, goals0, 0)]
        seen = {goals0.key()}
        exit = "exhausted"
        try:
            while frontier:
                if self.left() <= 0:
                    exit = "time"
                    break
                if self.nodes >= self.config.max_nodes:
                    exit = "nodes"
                    break
                node = heapq.heappop(frontier)
                self.nodes += 1
                for cp in self._expand(node, frontier, seen):
                    if (yield from hole.offer("llm-search result", self._script(cp))):
                        exit = "proved"
                        return
        except GeneratorExit:  # the solver closes the proposer once it accepted a body
            exit = "proved"
            raise
        except DeadlineReached:
            exit = "time"
            if self.model_stop is not None:  # the model stopped first: that is the exit to name
                raise self.model_stop from None
            raise
        finally:
            if exit == "exhausted" and self.left() <= 0:
                exit = "time"
            hole.trace.emit("step_search", theorem=hole.job.theorem, exit=exit, nodes=self.nodes, calls=self.calls,
                            **self.counts)
            if exit != "proved":
                hole.notes.append(f"llm-search: {exit} after {self.nodes} node(s), {self.calls} model call(s)")
        if self.model_stop is not None:
            raise self.model_stop

    def _run(self, tactic: str, at: Checkpoint, timeout: float):
        return self.search.try_tactic(tactic.rstrip(".").rstrip(), at, min(timeout, max(0.05, self.left())))

    def _expand(self, node: Node, frontier: list[Node], seen: set):
        """Try the candidates at ``node``, pushing new states; yields checkpoints where the proof is complete."""
        goal = node.goals.foreground[0] if node.goals.foreground else None
        if goal is None:  # unfocused goals only (inside a bullet or braces): move on
            for t in ("-", "+", "*", "}"):
                r = self.hole.session.run(t, at=node.checkpoint)
                if isinstance(r, TacticOk):
                    if r.goals.done:
                        yield r.checkpoint
                    elif r.goals.key() not in seen:
                        seen.add(r.goals.key())
                        self._push(frontier, r, node.depth, 0.0)
                    break
            return
        before = len(node.goals.foreground) + node.goals.background
        for closer in (*self.search.closers, *self.search.tactics.combos(goal)):
            if not self.search.available(closer) or self.left() <= 0:
                continue
            r = self._run(closer, node.checkpoint, self.config.closer_timeout_s)
            if isinstance(r, TacticOk) and len(r.goals.foreground) + r.goals.background < before:
                if r.goals.done:
                    yield r.checkpoint
                elif r.goals.key() not in seen:
                    seen.add(r.goals.key())
                    self._push(frontier, r, node.depth, 0.0)
                return  # the first goal is closed: continue from there
        if node.depth >= self.config.step_max_depth:
            return
        # the model's suggestions; asked again at once, with the failures listed, while they lead nowhere
        while node.calls < self.config.step_node_calls:
            suggestions = self._ask(node)
            if not suggestions:
                break
            fresh = 0
            chain: tuple[TacticOk, int] | None = None  # the state the previous line led to, and its depth
            for s in suggestions:
                if self.left() <= 0:
                    break
                new, chain = yield from self._suggestion(node, s, frontier, seen, chain)
                fresh += new
            if fresh:
                break
        for step in self.search.tactics.steps(goal, self.search.lemmas, self.search.unfoldable):
            if not self.search.available(step) or self.left() <= 0:
                continue
            r = self._run(step, node.checkpoint, self.config.step_timeout_s)
            if isinstance(r, TacticOk):
                if r.goals.done:
                    yield r.checkpoint
                elif r.goals.key() not in seen:
                    seen.add(r.goals.key())
                    self._push(frontier, r, node.depth + 1, BUILTIN_PRIOR)

    def _suggestion(self, node: Node, s: Suggestion, frontier: list[Node], seen: set,
                    chain: tuple[TacticOk, int] | None):
        """Run one suggestion at ``node`` (unless refused), else after the previous line's state.

        Returns (1 if it led to a new state else 0, the state it reached with its depth, for the next line).
        """
        self.counts["suggested"] += 1
        why = refusal(s.tactic)
        if why is not None:
            self.counts["refused"] += 1
            node.failures.append((s.tactic, f"refused: {why}"))
            self.hole.trace.emit("check", theorem=self.hole.job.theorem, proof=s.tactic, ok=False,
                                 error=f"refused before running: {why}", goals="", seconds=0.0)
            return 0, chain
        r = self._check(s.tactic, node.checkpoint)
        depth = node.depth + 1
        if isinstance(r, TacticError):
            node.failures.append((s.tactic, clean_error(r.message, 300).replace("\n", " ")))
            if chain is not None:  # small models write a sequence where alternatives were asked: follow it
                r = self._check(s.tactic, chain[0].checkpoint)
                depth = chain[1] + 1
                if isinstance(r, TacticOk):
                    self.counts["chained"] += 1
            if isinstance(r, TacticError):
                self.counts["failed"] += 1
                return 0, chain
        if r.goals.done:
            self.counts["closed"] += 1
            yield r.checkpoint
            return 0, None
        if r.goals.key() in seen:
            self.counts["seen"] += 1
            node.failures.append((s.tactic, "no progress: it leads to a proof state already tried"))
            return 0, chain
        seen.add(r.goals.key())
        self.counts["new"] += 1
        self._push(frontier, r, depth, s.prior)
        return 1, (r, depth)

    def _check(self, tactic: str, at: Checkpoint):
        """One suggestion run in the live session (and reported to the trajectory)."""
        t0 = time.monotonic()
        r = self.hole.session.run(tactic, at=at, timeout=min(self.config.step_timeout_s, max(0.05, self.left())))
        self.hole.on_check(tactic, r, time.monotonic() - t0)
        return r

    def _push(self, frontier: list[Node], r: TacticOk, depth: int, prior: float) -> None:
        heapq.heappush(frontier, Node(cost_of(r.goals, depth, prior), next(self._serial), r.checkpoint, r.goals, depth))


class StepSearchProposer:
    """``llm-search``: the model proposes next tactics inside a best-first search (see the module docstring)."""

    name = "llm-search"

    def applies(self, hole: Hole) -> bool:
        return hole.model is not None

    def propose(self, hole: Hole, time_s: float) -> Candidates:
        strategy = hole.config.strategy_for(True)
        later = strategy[strategy.index(self.name) + 1:] if self.name in strategy else ()
        left = max(0, hole.config.attempts - hole.budget.attempts)  # a hole started again after a prover crash has fewer
        calls = (left + 1) // 2 if any(p in MODEL_PROPOSERS for p in later) else left
        yield from StepSearch(hole, time_s, calls).run()

