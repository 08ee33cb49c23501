"""The LLM proposer: a whole-proof draft, then repair rounds fed by errors and goals.

Each round asks ``samples`` replies.  A reply is hostile input: it is read as
text, checked statically (no vernacular, no admit) before it ever reaches the
prover, then run in the live session from the proof's start.  A reply that
checks but leaves goals goes to the tactic search; a failing one keeps its
longest checked prefix, and the next round may ask only for the rest.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from ...protocols import Completion
from ...provers.coq.audit_static import static_body_problems
from ...provers.coq.sentences import SplitError, split_sentences
from ...provers.lean.audit import body_problems as lean_body_problems
from ...provers.results import TacticError, TacticOk
from .extract import extract_proof
from ..hole import Candidates, Exit, Hole, Stop
from .lean_tactics import render_lean_text
from ..models import ModelCallError, ModelConfigError, ModelError, ReplayExhausted
from .prompting import clean_error, feedback, messages_for_draft, messages_for_repair
from .render import render_text_body


@dataclass(frozen=True)
class DraftFailure:
    """Why a model's candidate did not make it, as the next prompt tells it."""

    body: str  # tactic text as run (no opener, no terminator)
    error: str
    location: str
    goals: str
    checked: str  # the prefix that ran


def strip_opener(body: str) -> tuple[str, str | None]:
    """Split a leading ``Proof ...`` sentence off a body."""
    try:
        ss = split_sentences(body)
    except SplitError:
        return body, None
    if ss and ss[0].first_word == "Proof":
        return body[ss[0].end :].strip("\n"), ss[0].text
    return body, None


def context(hole: Hole) -> dict:
    """What the prompts are filled with for ``hole``."""
    from .retrieval import retrieve, scope_items

    job, config = hole.job, hole.config
    before = job.local_context or job.prefix
    local = before[-config.context_chars:]
    items = scope_items(before)
    defs, lemmas = retrieve(job.statement, local, [(name, text) for _, name, text in items])
    return {
        "prover": job.prover,
        "file": os.path.basename(job.file),  # never an absolute or temporary path: prompts (and the cache) stay stable
        "theorem": job.theorem,
        "statement": job.statement,
        "local_context": local,
        "definitions": defs,
        "lemmas": lemmas,
        "stale_proof": "\n".join(job.stale) if job.stale else None,
        "changes": job.changes.lines() if job.changes is not None else [],
        "hints": [feedback("old_proof", clean_error(job.error))] if job.error else [],
    }


def ask(hole: Hole, messages: list[dict], sample: int, **options) -> Completion:
    """One model call for ``hole``: through the model's cache, charged to the hole's budget, in its trace.

    A model that cannot answer ends the hole with a named exit (:class:`Stop`);
    the call is bounded by the hole's deadline.  ``options`` go to
    :meth:`Model.complete` (``max_tokens``, ``logprobs``).
    """
    try:
        c = hole.model.complete(messages, sample=sample, timeout_s=max(1.0, hole.budget.left()),  # type: ignore[union-attr]
                                **options)
    except ReplayExhausted as e:
        raise Stop(Exit.MODEL_EXHAUSTED, str(e)) from None
    except (ModelCallError, ModelConfigError, ModelError) as e:
        if hole.budget.left() <= 0:
            raise Stop(Exit.TIMEOUT, f"no proof within {hole.config.timeout_s:g} s (the model did not answer in time)") from None
        raise Stop(Exit.MODEL_ERROR, str(e)) from None
    hole.budget.charge(c.tokens_in, c.tokens_out, c.cost_usd)
    hole.budget.attempts += 1
    hole.trace.emit("model_call", messages=messages, reply=c.content, tokens_in=c.tokens_in,
                    tokens_out=c.tokens_out, cost_usd=c.cost_usd, seconds=round(c.seconds, 3),
                    cached=c.cached, sample=sample)
    return c


class LLMProposer:
    """Whole-proof drafts from a model, then repair rounds fed by the error, its place and the goals there."""

    name = "llm"

    def applies(self, hole: Hole) -> bool:
        return hole.model is not None

    # ------------------------------------------------------------ model calls
    def _ask(self, hole: Hole, messages: list[dict]) -> str:
        hole.budget.check_attempts()
        sample = hole.config.sample_index * 1000 + self._samples
        self._samples += 1
        return ask(hole, messages, sample).content

    # ------------------------------------------------------------ one candidate
    def _run(self, hole: Hole, body: str) -> tuple[str | None, DraftFailure | None]:
        """Run one reply in the session: (a full body to audit, None) or (None, why it failed)."""
        lean = hole.job.prover == "lean"
        tactics, _ = (body, None) if lean else strip_opener(body)
        problems = lean_body_problems(tactics) if lean else static_body_problems(tactics)
        if problems:  # hostile or malformed: never reaches the prover
            why = feedback("static", "; ".join(problems))
            hole.trace.emit("check", theorem=hole.job.theorem, proof=tactics, ok=False, error=why, goals="", seconds=0.0)
            return None, DraftFailure(tactics, why, "", "", "")
        t0 = time.monotonic()
        r = hole.session.run(tactics, at=hole.start)
        hole.on_check(tactics, r, time.monotonic() - t0)
        full_tactics = tactics
        if isinstance(r, TacticOk) and not r.finished and hole.config.search_after_model:
            sr = hole.search.search(r.checkpoint, time_s=min(hole.budget.left(), hole.config.search.time_s / 2))
            if sr.script is not None:
                full_tactics = tactics.rstrip() + "\n" + "\n".join(sr.script)
                r = hole.session.run(full_tactics, at=hole.start)
        if isinstance(r, TacticOk) and r.finished:
            if lean:
                return render_lean_text(full_tactics, hole.session.indent), None
            return render_text_body(hole.job.opener, full_tactics, hole.job.closer), None
        if isinstance(r, TacticOk):
            return None, DraftFailure(tactics, feedback("incomplete"), feedback("after_last"), r.goals.render(), tactics)
        return None, self._failure(tactics, r)

    @staticmethod
    def _failure(tactics: str, r: TacticError) -> DraftFailure:
        line = tactics.count("\n", 0, r.start) + 1
        snippet = tactics[r.start : r.end].strip() or r.sentence.strip()
        return DraftFailure(tactics, clean_error(r.message), feedback("at", snippet[:80], line),
                            r.goals.render() if r.goals else "", r.checked)

    # ------------------------------------------------------------ the rounds
    def propose(self, hole: Hole, time_s: float) -> Candidates:
        self._samples = 0
        prefix = ""  # the checked prefix the model is asked to continue
        ctx = context(hole)
        messages = messages_for_draft(ctx)
        config = hole.config
        while True:  # ends when the budget stops it (attempts, time, tokens, cost) or the model runs out
            best: DraftFailure | None = None
            for _ in range(config.samples):
                body = extract_proof(self._ask(hole, messages), hole.job.prover)
                if prefix and not body.lstrip().startswith(prefix.strip()[:40]):
                    body = prefix.rstrip() + "\n" + body
                full, failure = self._run(hole, body)
                if full is not None:
                    verdict = yield full
                    if verdict.accepted:
                        return
                    tactics, _ = (body, None) if hole.job.prover == "lean" else strip_opener(body)
                    # A complete proof that was refused is no prefix to go on from: the next draft starts afresh.
                    failure = DraftFailure(tactics, feedback("audit", "; ".join(str(f) for f in verdict.findings)),
                                           "", "", "")
                assert failure is not None
                if best is None or len(failure.checked) > len(best.checked):
                    best = failure
            assert best is not None
            if not config.repair_rounds:
                continue  # independent samples: every round is a fresh draft
            cont = config.continue_from_prefix and bool(best.checked.strip())
            prefix = best.checked if cont else ""
            messages = messages_for_repair({
                **ctx,
                "attempt": best.body,
                "error": best.error,
                "error_location": best.location,
                "goals": best.goals,
                "checked_prefix": best.checked,
                "continue_from_prefix": cont,
            })
