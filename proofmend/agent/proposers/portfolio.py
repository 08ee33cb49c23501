"""Proposers as a portfolio: each drafts candidate bodies for a hole; the solver audits them.

A proposer is a generator: it yields a candidate proof body and is sent back
the verdict of the one accept step (:meth:`HoleSolver.accept`), so a model
can hear why its candidate was refused.  The solver runs the configured
sequence (``AgentConfig.strategy``) and stops at the first accepted body.

Adding a proposer is one class (here or in its own file) and one name in
:data:`PROPOSERS`.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from ..hole import Candidates, Hole
from .llm import LLMProposer
from .stale import StaleProofRepairer
from .stepsearch import StepSearchProposer

class StaleProposer:
    """Replays the old proof of a hole that broke, mending what no longer runs."""

    name = "stale"

    def applies(self, hole: Hole) -> bool:
        return bool(hole.job.stale) and hole.config.stale_repair

    def propose(self, hole: Hole, time_s: float) -> Candidates:
        changes = hole.job.changes
        if changes is not None:  # what changed is what the search should unfold and apply first
            cmap = changes.map
            hole.search.unfoldable[:0] = [d for d in cmap.changed_definitions() if d not in hole.search.unfoldable]
            fresh = list(cmap.renames().values()) + [c for r in cmap.removed for c in r.candidate_names()[:4]]
            hole.search.lemmas[:0] = [n for n in dict.fromkeys(fresh) if n not in hole.search.lemmas]
        rep = StaleProofRepairer(
            hole.session, hole.search, hole.scope_names + hole.search.lemmas,
            on_check=lambda text, r: hole.on_check(text, r, 0.0), old=list(hole.job.stale), changes=changes,
        ).propose(hole.start, time_s=time_s)
        hole.trace.emit("stale_repair", theorem=hole.job.theorem, exit=rep.exit, kept=rep.kept,
                        repaired=rep.repaired, dropped=rep.dropped, notes=list(rep.notes),
                        seconds=round(rep.seconds, 3))
        if rep.script is None:
            hole.notes.append(f"stale-proof repair: {rep.exit}")
            return
        yield from hole.offer("stale-proof repair", rep.script)


class SearchProposer:
    """The built-in best-first tactic search from the start of the proof."""

    name = "search"

    def applies(self, hole: Hole) -> bool:
        return True

    def propose(self, hole: Hole, time_s: float) -> Candidates:
        """Search; a proof refused for what it rests on (an admitted lemma) sends the search on without it."""
        end = time.monotonic() + time_s
        refused: set[tuple[str, ...]] = set()
        while True:
            sr = hole.search.propose(hole.start, time_s=max(0.0, end - time.monotonic()))
            hole.trace.emit("search", theorem=hole.job.theorem, exit=sr.exit, nodes=sr.nodes, tries=sr.tries,
                            seconds=round(sr.seconds, 3))
            if sr.script is None:
                hole.notes.append(f"search: {sr.exit} after {sr.nodes} node(s), {sr.tries} tactic(s)")
                return
            if tuple(sr.script) in refused:
                return  # nothing left to leave out: the same proof again
            refused.add(tuple(sr.script))
            if (yield from hole.offer("search result", sr.script)):
                return
            avoid = hole.premises_to_avoid(sr.script)
            if not avoid or end - time.monotonic() < 0.5:
                return
            hole.trace.emit("search_avoids", theorem=hole.job.theorem, lemmas=sorted(avoid))
            hole.search.ban(avoid)


#: name -> factory of a proposer (``AgentConfig.strategy`` lists names from here)
PROPOSERS: dict[str, Callable[[], object]] = {
    "stale": StaleProposer,
    "search": SearchProposer,
    "llm": LLMProposer,
    "llm-search": StepSearchProposer,
}
