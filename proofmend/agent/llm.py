"""The LLM proposer: a whole-proof draft, then repair rounds fed by errors and goals.

Each round asks ``samples`` replies.  A reply is hostile input: it is read as
text, checked statically (no vernacular, no admit) before it ever reaches the
prover, then run in the live session from the proof's start.  A reply that
checks but leaves goals goes to the tactic search; a failing one keeps its
longest checked prefix, and the next round may ask only for the rest.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from ..provers.coq.audit import static_body_problems
from ..provers.coq.sentences import SplitError, split_sentences
from ..provers.results import Checkpoint, TacticError, TacticOk
from .extract import extract_proof
from .loop import Exit, Stop
from .render import render_text_body
from .models import ModelCallError, ModelConfigError, ModelError, ReplayExhausted
from .prompting import clean_error, messages_for_draft, messages_for_repair


@dataclass
class Attempt:
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


class LLMProposer:
    def __init__(self, solver, session, search, start: Checkpoint, job, verify, budget):
        self.solver = solver
        self.session = session
        self.search = search
        self.start = start
        self.job = job
        self.verify = verify
        self.budget = budget
        self.config = solver.config
        self.model = solver.model
        self.sample_counter = 0
        self._prefix = ""  # the checked prefix the model is asked to continue

    # ------------------------------------------------------------ context
    def context(self) -> dict:
        from .retrieval import retrieve, scope_items

        before = self.job.local_context or self.job.prefix
        local = before[-self.config.context_chars:]
        items = scope_items(before)
        defs, lemmas = retrieve(self.job.statement, local, [(name, text) for _, name, text in items])
        return {
            "prover": "coq",
            "file": self.job.file,
            "theorem": self.job.theorem,
            "statement": self.job.statement,
            "local_context": local,
            "definitions": defs,
            "lemmas": lemmas,
            "stale_proof": "\n".join(self.job.stale) if self.job.stale else None,
            "hints": [f"The old proof fails: {clean_error(self.job.error)}"] if self.job.error else [],
        }

    # ------------------------------------------------------------ model calls
    def ask(self, messages: list[dict]) -> str:
        self.budget.check_attempts()
        sample = self.config.sample_index * 1000 + self.sample_counter
        self.sample_counter += 1
        try:
            c = self.model.complete(messages, sample=sample)
        except ReplayExhausted as e:
            raise Stop(Exit.MODEL_EXHAUSTED, str(e)) from None
        except (ModelCallError, ModelConfigError, ModelError) as e:
            raise Stop(Exit.MODEL_ERROR, str(e)) from None
        self.budget.charge(c.tokens_in, c.tokens_out, c.cost_usd)
        self.budget.attempts += 1
        self.solver.trace.emit("model_call", messages=messages, reply=c.content, tokens_in=c.tokens_in,
                               tokens_out=c.tokens_out, cost_usd=c.cost_usd, seconds=round(c.seconds, 3),
                               cached=c.cached, sample=sample)
        return c.content

    # ------------------------------------------------------------ one candidate
    def try_body(self, body: str) -> tuple[str | None, Attempt | None]:
        """Check one candidate; (accepted full body, None) or (None, the failed attempt)."""
        tactics, opener = strip_opener(body)
        problems = static_body_problems(tactics)
        if problems:
            why = "Rejected before running: " + "; ".join(problems)
            self.solver.trace.emit("check", theorem=self.job.theorem, proof=tactics, ok=False, error=why,
                                   goals="", seconds=0.0)
            return None, Attempt(tactics, why, "", "", "")
        t0 = time.monotonic()
        r = self.session.run(tactics, at=self.start)
        self.solver._check_event(self.job, tactics, r, time.monotonic() - t0)
        full_tactics = tactics
        if isinstance(r, TacticOk) and not r.finished and self.config.search_after_model:
            sr = self.search.search(r.checkpoint, time_s=min(self.budget.left(), self.config.search.time_s / 2))
            if sr.script is not None:
                full_tactics = tactics.rstrip() + "\n" + "\n".join(sr.script)
                r = self.session.run(full_tactics, at=self.start)
        if isinstance(r, TacticOk) and r.finished:
            full = render_text_body(self.job.opener, full_tactics, self.job.closer)
            verdict = self.solver._accept(self.job, full, self.verify, "model", self.session)
            if verdict.accepted:
                return full, None
            return None, Attempt(tactics, "The proof was rejected: " + "; ".join(str(f) for f in verdict.findings), "", "", tactics)
        if isinstance(r, TacticOk):
            return None, Attempt(tactics, "The proof is incomplete: goals remain after the last tactic.",
                                 "after the last tactic", r.goals.render(), tactics)
        return None, self._attempt_from_error(tactics, r)

    def _attempt_from_error(self, tactics: str, r: TacticError) -> Attempt:
        line = tactics.count("\n", 0, r.start) + 1
        snippet = tactics[r.start : r.end].strip() or r.sentence.strip()
        return Attempt(tactics, clean_error(r.message), f"line {line} of the proof, at `{snippet[:80]}`",
                       r.goals.render() if r.goals else "", r.checked)

    # ------------------------------------------------------------ the rounds
    def run(self) -> str:
        ctx = self.context()
        messages = messages_for_draft(ctx)
        while True:
            best: Attempt | None = None
            for _ in range(self.config.samples):
                reply = self.ask(messages)
                body = extract_proof(reply, "coq")
                if self._prefix and not body.lstrip().startswith(self._prefix.strip()[:40]):
                    body = self._prefix.rstrip() + "\n" + body
                accepted, attempt = self.try_body(body)
                if accepted is not None:
                    return accepted
                if best is None or len(attempt.checked) > len(best.checked):
                    best = attempt
            assert best is not None
            if not self.config.repair_rounds:
                continue  # independent samples: every round is a fresh draft
            cont = self.config.continue_from_prefix and bool(best.checked.strip())
            self._prefix = best.checked if cont else ""
            messages = messages_for_repair({
                **ctx,
                "attempt": best.body,
                "error": best.error,
                "error_location": best.location,
                "goals": best.goals,
                "checked_prefix": best.checked,
                "continue_from_prefix": cont,
            })
