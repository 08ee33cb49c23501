"""Stale-proof repair: mend a proof that broke after a change, keeping what still fits.

Replay the old proof sentence by sentence in the live session.  Keep every
sentence that still runs.  At a failing sentence try local repairs: a missing
name replaced by the closest names in scope (by name, and by ``Search``), a
hypothesis re-bound, an intro pattern adjusted to a changed number of cases,
automation closing the goal at hand.  Then resume the rest of the old proof;
goals left at the end (a new constructor, an extra obligation) go to the
search.

With a change context (:class:`~.staleedit.ChangeContext`: the change map and
the old environment), each old sentence is also tried as written for the new
names and statements (renamed names, re-argued calls; the one that leads to
the goals the old proof had there is kept, the old text when both do), a
failing one gets the map's candidates first (the lemmas closest to a removed
one, the changed definitions unfolded, a case pattern with the new
constructor's branch), and goals the old proof did not have at that point (a
new constructor's case, a new hypothesis of a lemma) are closed by the search
where they are, so the old bullets still meet the goals they were written for.
Where no repair in place does what the old sentence did, a lemma the change
removed, or restated under the same name (its old statement known from the old
environment), is put back inside the proof: ``assert (name : old statement)``
at its start, proved by its own old proof or else by the search in the new
environment (most removed lemmas moved elsewhere or follow from what replaced
them), and the old proof replayed with the name as a hypothesis — every old
sentence that used it then runs as written.
"""

from __future__ import annotations

import difflib
import itertools
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from ...protocols import Session
from ...provers.coq.sentences import IDENT_PATTERN
from ...provers.results import Checkpoint, Goals, TacticError, TacticOk
from ..changes.coqtypes import conclusion_pattern, parse_type
from ..search import TacticSearch, hypotheses, parse_search
from ..changes.staleedit import ChangeContext, GoalsSeen, extra_goals, rearguments, repairs_for, rewrite

_NAME = rf"{IDENT_PATTERN}(?:\.{IDENT_PATTERN})*"
_MISSING = re.compile(
    rf"(?:reference|variable|constructor|hypothesis|identifier)\s+({_NAME})\s+(?:was\s+)?not\s+found"
    rf"|No such (?:hypothesis|goal|binder)[^:]*:\s*({_NAME})"
    rf"|Unbound\s+\w+\s+({_NAME})"
    rf"|({_NAME}) not found",
    re.I,
)
_IDENT = re.compile(rf"(?<![\w'.]){_NAME}")
_HYP_NAME = re.compile(r"(?:H|IH)[\w']*")
#: Errors of an application whose arguments no longer fit.
_ARGUMENTS = ("has type", "Unable to unify", "cannot be applied", "Illegal application", "not enough",
              "Not enough", "Wrong argument", "cannot be used as a hint", "Unable to find an instance")
#: Local repairs that run (without closing the goal) looked at past the first, for one that closes it.
_SCAN = 12
#: The old proof's other sentences tried in place of a failing one, nearest first.
_SIBLINGS = 10
#: Clears the context: a removed lemma's statement (closed) is proved apart from the proof's hypotheses and
#: section variables, so that its own proof can name its variables as it did.
_CLEAR = "repeat match goal with H : _ |- _ => clear H end."
_BULLET_TROUBLE = ("bullet", "No such goal", "focused", "Brackets", "No more goals", "unfocus")


@dataclass(frozen=True)
class _OldFact:
    """A lemma's statement before the change, to be put back inside the proof as a hypothesis."""

    name: str  # the hypothesis's name (the lemma's short name)
    written: str  # as the old proof writes it
    type: str  # its closed statement before the change
    candidates: tuple[str, ...]  # lemmas now that may prove it


@dataclass(frozen=True)
class StaleRepair:
    script: tuple[str, ...] | None  # the mended proof's sentences (from the start checkpoint)
    kept: int  # old sentences kept verbatim
    repaired: int  # sentences changed by a local repair
    dropped: int  # old sentences dropped
    seconds: float
    exit: str  # "proved" | "stuck" | "time"
    notes: tuple[str, ...] = ()

    @property
    def proof(self) -> str | None:
        return "\n".join(self.script) if self.script is not None else None


def missing_name(message: str) -> str | None:
    m = _MISSING.search(message)
    if not m:
        return None
    return next(g for g in m.groups() if g)


def _words(name: str) -> list[str]:
    return [w for w in re.split(r"[_']+", name.rpartition(".")[2].lower()) if w]


def rank_similar(name: str, pool: list[str], n: int = 12, near: frozenset[str] | set[str] = frozenset()) -> list[str]:
    """The names of ``pool`` most like ``name``, best first: the same words in another order first
    (``length_skipn`` → ``skipn_length``, ``app_length`` → ``length_app``: the usual renaming), then by
    spelling with the share of words in common added (half weight: ``eqA_dec`` → ``A_eq_dec`` shares one
    word of four, and ranks above the many other ``…_dec``).  Names with no word in common and little
    spelling alike are left out.  Names in ``near`` (the goal's hypotheses, the file's own names) gain a
    little: a change renames inside the project more often than it swaps in a library's namesake."""
    mine = _words(name)
    short = name.rpartition(".")[2]
    scored = []
    for p in pool:
        theirs = _words(p)
        common = len(set(mine) & set(theirs))
        ratio = difflib.SequenceMatcher(None, short, p.rpartition(".")[2]).ratio()
        if not common and ratio < 0.5:
            continue
        same = sorted(mine) == sorted(theirs)
        share = common / max(1, len(set(mine) | set(theirs)))
        # the spelling leads (eqA_dec -> A_eq_dec shares one word of four), the words in common add to it
        bonus = 0.2 if p in near else 0.0
        scored.append(((not same, -(ratio + share / 2 + bonus), len(p)), p))
    scored.sort()
    return [p for _, p in scored[:n]]


def replace_ident(sentence: str, old: str, new: str) -> str:
    return re.sub(rf"(?<![\w'.]){re.escape(old)}(?![\w'])", lambda _: new, sentence)


def replace_all(text: str, renames: dict[str, str]) -> str:
    for o, n in renames.items():
        text = replace_ident(text, o, n)
    return text


class StaleProofRepairer:
    """Repairs ``old`` (a list of tactic sentences) in ``session`` from ``start``."""

    def __init__(self, session: Session, search: TacticSearch, scope_names: list[str],
                 time_s: float = 30.0, on_check: Callable[[str, object], None] | None = None,
                 old: list[str] | None = None, changes: ChangeContext | None = None):
        self.old = list(old or [])
        self.changes = changes
        self.session = session
        self.search = search
        self.scope_names = scope_names
        self.time_s = time_s
        self.on_check = on_check or (lambda text, result: None)

    # ------------------------------------------------------------ candidates
    def similar_names(self, name: str, goals: Goals | None, cp: Checkpoint) -> list[str]:
        """Names in scope close to ``name``: hypotheses, file lemmas, Search hits."""
        pool: list[str] = []
        if goals and goals.foreground:
            pool += [n for n, _ in hypotheses(goals.foreground[0])]
        pool += self.scope_names
        near = set(pool)
        short = name.split(".")[-1]
        parts = [p for p in re.split(r"[_.']", short) if len(p) >= 3]
        for p in parts[:3]:
            try:
                out = self.session.query(f'Search "{p}".', at=cp, timeout=self.search.config.query_timeout_s)
            except Exception:
                continue
            if not out.startswith("Error"):
                pool += [n for n, _ in parse_search(out)]
        seen: set[str] = set()
        pool = [p for p in pool if p != name and not (p in seen or seen.add(p))]
        return self.by_old_statement(name, cp) + rank_similar(short, pool, near=near)

    def by_old_statement(self, name: str, cp: Checkpoint) -> list[str]:
        """Lemmas now whose conclusion is the one ``name`` had before the change (asked of the old environment)."""
        if self.changes is None:
            return []
        old_type = self.changes.old_type(name)
        if old_type is None:
            return []
        try:
            pattern = conclusion_pattern(parse_type(old_type))
        except Exception:
            return []
        if not pattern.strip("_ ()"):
            return []
        try:
            out = self.session.query(f"Search ({pattern}).", at=cp, timeout=self.search.config.query_timeout_s)
        except Exception:
            return []
        if out.startswith("Error"):
            return []
        hits = parse_search(out)
        hits.sort(key=lambda nt: (nt[1] != old_type, len(nt[1])))
        return [n for n, _ in hits[:6]]

    def siblings(self, at: int) -> list[str]:
        """The old proof's other tactic sentences, nearest to sentence ``at`` first (at most :data:`_SIBLINGS`)."""
        order = sorted(range(len(self.old)), key=lambda j: (abs(j - at), j))
        out = [self.old[j] for j in order if j != at and not _is_focus(self.old[j])
               and not self.old[j].strip().startswith(("intro", "Proof", "Qed", "Defined"))]
        return list(dict.fromkeys(out))[:_SIBLINGS]

    def fitting(self, goal, cp: Checkpoint) -> list[str]:
        """Lemmas whose conclusion has the shape of ``goal``'s (``Search`` with its variables as ``_``)."""
        local = {n for n, _ in hypotheses(goal)}
        pattern = " ".join(_IDENT.sub(lambda t: "_" if t.group(0) in local else t.group(0), goal.conclusion).split())
        if not pattern.strip("_ ()") or len(pattern) > 300:
            return []
        try:
            out = self.session.query(f"Search ({pattern}).", at=cp, timeout=self.search.config.query_timeout_s)
        except Exception:
            return []
        if out.startswith("Error"):
            return []
        hits = [(n, t) for n, t in parse_search(out) if n not in local]
        hits.sort(key=lambda nt: len(nt[1]))
        return [n for n, _ in hits[:8]]

    def lemma_types(self, sentence: str, cp: Checkpoint) -> dict[str, str]:
        """The current statements of the names ``sentence`` applies (``Check`` in the session)."""
        out: dict[str, str] = {}
        for tok in dict.fromkeys(_IDENT.findall(sentence)):
            if tok in out or len(out) >= 4:
                continue
            try:
                ans = self.session.query(f"Check {tok}.", at=cp, timeout=self.search.config.query_timeout_s)
            except Exception:
                continue
            m = re.match(r"\s*\S+\s*\n?\s*:\s*(.*)", ans, re.S)
            if m and not ans.startswith("Error") and ("forall" in m.group(1) or "->" in m.group(1)):
                out[tok.rpartition(".")[2]] = " ".join(m.group(1).split())
        return out

    def local_repairs(self, sentence: str, error: TacticError, cp: Checkpoint) -> list[str]:
        """Replacement candidates for a failing sentence, most plausible first."""
        out: list[str] = []
        msg = error.message
        name = missing_name(msg)
        goal0 = error.goals.foreground[0] if error.goals and error.goals.foreground else None
        if self.changes is not None:
            out += repairs_for(sentence, msg, self.changes.map, goal0.conclusion if goal0 else "", name,
                               self.changes.theorem)
        if any(k in msg for k in _ARGUMENTS):
            out += rearguments(sentence, self.lemma_types(sentence, cp))
        if name:
            for alt in self.similar_names(name, error.goals, cp):
                out.append(replace_ident(sentence, name, alt))
        goal = error.goals.foreground[0] if error.goals and error.goals.foreground else None
        if goal is not None:
            hyp_names = [n for n, _ in hypotheses(goal)]
            if name and "." not in name and (len(name) <= 3 or _HYP_NAME.fullmatch(name)):
                # a re-bound hypothesis or variable: try every name in the context
                out += [replace_ident(sentence, name, h) for h in hyp_names if h != name]
            for tok in _IDENT.findall(sentence):
                if _HYP_NAME.fullmatch(tok) and tok not in hyp_names:
                    for h in hyp_names:
                        if h.startswith(tok[:1]):
                            out.append(replace_ident(sentence, tok, h))
        if "pattern" in msg:
            out += pattern_variants(sentence, msg)
        m = re.match(r"\s*(rewrite|apply|eapply|exact)\s+(<-\s*)?(.*?)\.\s*$", sentence, re.S)
        if m and not name:
            tac, arrow, rest = m.group(1), m.group(2) or "", m.group(3)
            if tac == "rewrite":
                out.append(f"rewrite {'' if arrow else '<- '}{rest}.")
            if tac in ("apply", "exact"):
                out.append(f"eapply {rest}.")
                out.append(f"symmetry; apply {rest}.")
            head = _IDENT.match(rest.strip())
            if head and any(k in msg for k in _ARGUMENTS) and head.group(0) not in _local_names(goal0):
                # The name still exists but no longer fits (renamed, and the old name kept for
                # something else, or restated): its namesakes, and the lemmas whose conclusion is the goal.
                lemma = head.group(0)
                alts = self.similar_names(lemma, error.goals, cp) if goal0 is not None else []
                alts += self.fitting(goal0, cp) if goal0 is not None and tac != "rewrite" else []
                for alt in dict.fromkeys(a for a in alts if a != lemma):
                    out.append(replace_ident(sentence, lemma, alt))
        if sentence.strip().startswith("intros"):
            out.append("intros.")
        seen: set[str] = set()
        return [c for c in out if c.strip() != sentence.strip() and not (c in seen or seen.add(c))]

    def propose(self, at: Checkpoint, time_s: float) -> StaleRepair:
        """The ``Proposer`` interface: repair the old proof given at construction."""
        self.time_s = time_s
        return self.repair(self.old, at)

    # ------------------------------------------------------------ the change
    def _seen(self, i: int) -> GoalsSeen | None:
        """The goals the old proof had after its sentence ``i``, in the old environment (None: unknown)."""
        if self.changes is None or i >= len(self.changes.old_goals):
            return None
        return self.changes.old_goals[i]

    def _conclusions(self, goals: Goals, seen: GoalsSeen) -> tuple[list[str], list[str]]:
        """The old proof's goals there, written for the new names, and ``goals``'s, spacing collapsed."""
        renames = self.changes.map.renames() if self.changes else {}
        return ([" ".join(replace_all(c, renames).split()) for c in seen.conclusions],
                [" ".join(g.conclusion.split()) for g in goals.foreground])

    def _closeness(self, goals: Goals, seen: GoalsSeen) -> tuple:
        renames = self.changes.map.renames() if self.changes else {}
        old, now = self._conclusions(goals, seen)
        same = sum(1 for c in now if c in old)
        ratio = difflib.SequenceMatcher(None, " | ".join(old), " | ".join(now)).ratio()
        first = goals.foreground[0].hypotheses if goals.foreground else ()
        context = " | ".join(" ".join(h.split()) for h in first)
        hyps = difflib.SequenceMatcher(None, replace_all(seen.context, renames), context).ratio()
        return (len(now) == len(old), goals.background == seen.background, same, ratio + hyps)

    def _faithful(self, after: Goals, before: Goals, i: int) -> bool:
        """Whether a repair of old sentence ``i`` that led to ``after`` (from ``before``) did what the old
        sentence did: it closed a goal, or left the goals the old proof had there (as the change renamed them)."""
        if after.done or len(after.foreground) + after.background < len(before.foreground) + before.background:
            return True
        seen = self._seen(i)
        if seen is None:
            return False
        old, now = self._conclusions(after, seen)
        return now == old

    def _as_changed(self, sentence: str, r, cp: Checkpoint, i: int, run) -> tuple[str, TacticOk] | None:
        """The sentence as written for the new names and statements, when it does better than as it was:
        the old text fails, or both run and the new text leads to the goals the old proof had there."""
        if self.changes is None or self.changes.map.empty:
            return None
        alt = rewrite(sentence, self.changes.map, self.changes.theorem)
        if alt == sentence:
            return None
        seen = self._seen(i)
        if isinstance(r, TacticOk) and seen is None:
            return None  # it still runs and nothing says it went astray: keep it
        r2 = run(alt, cp)
        if not isinstance(r2, TacticOk):
            return None
        if isinstance(r, TacticOk) and self._closeness(r2.goals, seen) <= self._closeness(r.goals, seen):
            return None
        return alt, r2

    def _align(self, i: int, cp: Checkpoint, goals: Goals, script: list[str], notes: list[str], deadline: float,
               run) -> tuple[Checkpoint, Goals]:
        """Close, where they are, the goals the old proof did not have after its sentence ``i``."""
        seen = self._seen(i)
        if seen is None or self.changes is None or len(goals.foreground) <= len(seen.conclusions):
            return cp, goals
        for k in sorted(extra_goals(seen, goals, self.changes.map), reverse=True):
            left = deadline - time.monotonic()
            if left <= 1:
                break
            opened = run(f"{k + 1}: {{", cp)
            if not isinstance(opened, TacticOk):
                break
            sr = self.search.search(opened.checkpoint, time_s=min(left, self.search.config.time_s),
                                    close_first_only=True)
            if sr.script is None:
                notes.append(f"a goal new after {self.old[i] if i < len(self.old) else i!r} was left to the end")
                break
            closed = run(" ".join(sr.script) + " }", opened.checkpoint)
            if not isinstance(closed, TacticOk):
                break
            cp, goals = closed.checkpoint, closed.goals
            script.extend([f"{k + 1}: {{", *sr.script, "}"])
            notes.append(f"search closed goal {k + 1}, new after {self.old[i] if i < len(self.old) else i!r}: "
                         f"{' '.join(sr.script)}")
        return cp, goals

    def _best_repair(self, sentence: str, error: TacticError, cp: Checkpoint, goals: Goals, deadline: float,
                     run, at: int | None = None) -> tuple[str, TacticOk] | None:
        """The first local repair that closes the goal at hand; else the first that changes the state.

        A repair that runs but leaves goals the old proof never had (``eapply`` of a lemma that
        no longer fits leaves its premises as existential goals) is kept only when nothing
        closes the goal; at most :data:`_SCAN` candidates that run are looked at past the first.
        Last, the old proof's other sentences (``at``: the failing one's index), taken only where
        one closes the goal: a branch the change made like its sibling takes the sibling's tactic.
        """
        first: tuple[str, TacticOk] | None = None
        runs = 0
        before = len(goals.foreground) + goals.background
        local = self.local_repairs(sentence, error, cp)
        others = [s for s in self.siblings(at) if s not in local and s != sentence] if at is not None else []
        for k, cand in enumerate(local + others):
            if time.monotonic() > deadline or (first is not None and runs > _SCAN):
                break
            r2 = run(cand, cp)
            if not isinstance(r2, TacticOk) or r2.goals.key() == goals.key():
                continue
            if len(r2.goals.foreground) + r2.goals.background < before or r2.goals.done:
                return cand, r2
            if k >= len(local):
                continue
            runs += 1
            if first is None:
                first = (cand, r2)
        return first

    def _finish_before(self, bullet: str, cp: Checkpoint, deadline: float, run) -> tuple[list[str], TacticOk] | None:
        """Close the goals left open before ``bullet`` with the search until the bullet runs (at most three)."""
        closing: list[str] = []
        for _ in range(3):
            left = deadline - time.monotonic()
            if left <= 1:
                return None
            sr = self.search.search(cp, time_s=min(left, self.search.config.time_s), close_first_only=True)
            if sr.script is None:
                return None
            r = run(" ".join(sr.script), cp)
            if not isinstance(r, TacticOk):
                return None
            closing += sr.script
            cp = r.checkpoint
            after = run(bullet, cp)
            if isinstance(after, TacticOk):
                return closing, after
            if "not finished" not in after.message:
                return None
        return None

    def _old_fact(self, sentence: str, error: TacticError) -> _OldFact | None:
        """A lemma whose old statement the failing ``sentence`` relied on: one the change removed (the error
        names it missing), or one it restated without renaming (the sentence uses it and the error is about
        arguments that no longer fit)."""
        if self.changes is None:
            return None
        name = missing_name(error.message)
        if name is not None:
            base = name.rpartition(".")[2]
            fact = self.changes.map.removed_by_short().get(base)
            if fact is not None and fact.type:
                return _OldFact(base, name, fact.type, tuple(fact.candidate_names()[:6]))
            return None
        if not any(k in error.message for k in _ARGUMENTS):
            return None
        restated = self.changes.map.restated_by_short()
        for tok in _IDENT.findall(sentence):
            r = restated.get(tok.rpartition(".")[2])
            if r is not None and r.new_name == r.name and r.old_type:
                # the hypothesis shadows the lemma in the old sentences; its proof sees the lemma as it is now
                return _OldFact(tok.rpartition(".")[2], tok, r.old_type, (tok,))
        return None

    def _restore(self, fact: _OldFact, at: Checkpoint, deadline: float, run) -> tuple[list[str], TacticOk] | None:
        """``assert (name : old statement)`` at ``at``, proved by its own old proof or the search; the
        sentences and the state after."""
        assert self.changes is not None  # an _OldFact comes from the change map
        name = fact.name
        stmt = replace_all(" ".join(fact.type.split()), self.changes.map.renames())
        opened = run(f"assert ({name} : {stmt}).", at)
        if not isinstance(opened, TacticOk):
            return None
        head = [f"assert ({name} : {stmt})."]
        # its own old proof first: in a section, after introducing the section's variables (the first k binders)
        own, in_section = self.changes.old_proofs.get(name, ((), False))
        if own:
            try:
                names = [b.name for b in parse_type(stmt).binders]
            except Exception:
                names = []
            lead = list(itertools.takewhile(lambda b: b is not None, names))
            for k in range(len(lead) + 1 if in_section else 1):
                body = [_CLEAR] + ([f"intros {' '.join(lead[:k])}."] if k else []) + list(own)
                closed = run("{ " + " ".join(body) + " }", opened.checkpoint)
                if isinstance(closed, TacticOk):
                    return [*head, "{", *body, "}"], closed
                if time.monotonic() > deadline:
                    return None
        left = deadline - time.monotonic()
        if left <= 2:
            return None
        cleared = run(f"{{ {_CLEAR}", opened.checkpoint)
        if not isinstance(cleared, TacticOk):
            return None
        lemmas = self.search.lemmas
        self.search.lemmas = list(dict.fromkeys([*fact.candidates, *lemmas]))
        try:
            sr = self.search.search(cleared.checkpoint, time_s=min(left / 3, self.search.config.time_s),
                                    close_first_only=True)
        finally:
            self.search.lemmas = lemmas
        if sr.script is None:
            return None
        closed = run(" ".join(sr.script) + " }", cleared.checkpoint)
        if not isinstance(closed, TacticOk):
            return None
        return [*head, "{", _CLEAR, *sr.script, "}"], closed

    # ------------------------------------------------------------ the replay
    def repair(self, old: list[str], start: Checkpoint) -> StaleRepair:
        t0 = time.monotonic()
        deadline = t0 + self.time_s
        cp = start
        script: list[str] = []
        kept = repaired = dropped = 0
        notes: list[str] = []
        i = 0

        def done(goals: Goals) -> bool:
            return goals.done

        def run(text: str, at: Checkpoint):
            r = self.session.run(text, at=at)
            self.on_check(text, r)
            return r

        last_goals = self.session.goals(cp)
        # removed lemmas put back as hypotheses at the start (see _restore): the replay then starts after them
        base_cp, base_script, base_goals = start, [], last_goals
        restored: set[str] = set()  # tried (each once)
        put_back = 0
        while i < len(old):
            if time.monotonic() > deadline:
                return StaleRepair(None, kept, repaired, dropped, time.monotonic() - t0, "time", tuple(notes))
            if done(last_goals):
                dropped += len(old) - i
                break
            sentence = old[i]
            r = run(sentence, cp)
            chosen = self._as_changed(sentence, r, cp, i, run)
            if chosen is not None:
                text, r = chosen
                notes.append(f"{sentence!r} -> {text!r} (the change map)")
                cp, last_goals = r.checkpoint, r.goals
                script.append(text)
                repaired += 1
                i += 1
                cp, last_goals = self._align(i - 1, cp, last_goals, script, notes, deadline, run)
                continue
            if isinstance(r, TacticOk):
                cp, last_goals = r.checkpoint, r.goals
                script.append(sentence)
                kept += 1
                i += 1
                cp, last_goals = self._align(i - 1, cp, last_goals, script, notes, deadline, run)
                continue
            if _is_focus(sentence) and "not finished" in r.message:
                # The change left the goal before this bullet open (the old tactics no longer finish it):
                # the search closes it there, and the bullet and the old sentences after it stay.
                finished = self._finish_before(sentence, cp, deadline, run)
                if finished is not None:
                    closing, r = finished
                    script.extend([*closing, sentence])
                    cp, last_goals = r.checkpoint, r.goals
                    repaired += 1
                    i += 1
                    notes.append(f"search closed the goal left open before {sentence!r}: {' '.join(closing)}")
                    continue
            if any(k in r.message for k in _BULLET_TROUBLE):
                # Focus went out of step with the old proof: drop the sentence.
                dropped += 1
                i += 1
                notes.append(f"dropped {sentence!r}: {r.message.splitlines()[0]}")
                continue
            fixed = self._best_repair(sentence, r, cp, last_goals, deadline, run, i)
            fact = self._old_fact(sentence, r)
            if (fact is not None and fact.name not in restored
                    and not (fixed is not None and self._faithful(fixed[1].goals, last_goals, i))):
                # no repair in place that leads where the old proof went: the old statement put back instead
                restored.add(fact.name)
                back = self._restore(fact, base_cp, deadline, run)
                if back is not None:
                    lines, r_back = back
                    old = [replace_ident(o, fact.written, fact.name) for o in old]
                    base_cp, base_script, base_goals = r_back.checkpoint, base_script + lines, r_back.goals
                    cp, last_goals, script = base_cp, base_goals, list(base_script)
                    put_back += 1
                    kept, repaired, dropped, i = 0, put_back, 0, 0
                    notes.append(f"{fact.name} as it was before the change, put back as a hypothesis: "
                                 f"{' '.join(lines)}")
                    continue
            if fixed is not None:
                cand, r2 = fixed
                notes.append(f"{sentence!r} -> {cand!r}")
                cp, last_goals = r2.checkpoint, r2.goals
                script.append(cand)
                repaired += 1
                i += 1
                cp, last_goals = self._align(i - 1, cp, last_goals, script, notes, deadline, run)
                continue
            # Close the goal at hand with the search, then skip the old
            # sentences meant for it (up to the next bullet or brace).
            left = max(1.0, deadline - time.monotonic())
            sr = self.search.search(cp, time_s=min(left, self.search.config.time_s), close_first_only=True)
            if sr.script is None:
                return StaleRepair(None, kept, repaired, dropped, time.monotonic() - t0, "stuck",
                                   tuple(notes + [f"stuck at {sentence!r}: {r.message.splitlines()[0] if r.message else ''}"]))
            r3 = self.session.run(" ".join(sr.script), at=cp)
            assert isinstance(r3, TacticOk)
            cp, last_goals = r3.checkpoint, r3.goals
            script.extend(sr.script)
            repaired += 1
            notes.append(f"search closed the goal at {sentence!r}: {' '.join(sr.script)}")
            i += 1
            while i < len(old) and not _is_focus(old[i]):
                i += 1
                dropped += 1
        # Goals left over: close them with the search (bullets first if unfocused).
        while not done(last_goals):
            if time.monotonic() > deadline:
                return StaleRepair(None, kept, repaired, dropped, time.monotonic() - t0, "time", tuple(notes))
            if not last_goals.foreground:
                moved = False
                for t in ("}", "-", "+", "*"):
                    r = run(t, cp)
                    if isinstance(r, TacticOk):
                        cp, last_goals = r.checkpoint, r.goals
                        script.append(t)
                        moved = True
                        break
                if not moved:
                    break
                continue
            left = max(1.0, deadline - time.monotonic())
            sr = self.search.search(cp, time_s=min(left, self.search.config.time_s), close_first_only=True)
            if sr.script is None:
                return StaleRepair(None, kept, repaired, dropped, time.monotonic() - t0, "stuck",
                                   tuple(notes + ["could not close a leftover goal"]))
            r4 = self.session.run(" ".join(sr.script), at=cp)
            assert isinstance(r4, TacticOk)
            cp, last_goals = r4.checkpoint, r4.goals
            script.extend(sr.script)
            repaired += 1
        exit = "proved" if done(last_goals) else "stuck"
        return StaleRepair(tuple(script) if exit == "proved" else None, kept, repaired, dropped,
                           time.monotonic() - t0, exit, tuple(notes))


def _local_names(goal) -> set[str]:
    """The hypotheses' names of ``goal`` (none without a goal)."""
    return {n for n, _ in hypotheses(goal)} if goal is not None else set()


def _is_focus(sentence: str) -> bool:
    s = sentence.strip()
    return bool(s) and (s[0] in "-+*{}" or bool(re.match(r"\d+\s*:\s*\{", s)))



def pattern_variants(sentence: str, message: str) -> list[str]:
    """An intro pattern adjusted to a changed number of cases or components."""
    out: list[str] = []
    want = re.search(r"with\s+(\d+)\s+branch", message)
    for m in re.finditer(r"\[[^\[\]]*\]", sentence):
        pat = m.group(0)
        inner = pat[1:-1]
        branches = inner.split("|")
        variants = []
        used = set(_IDENT.findall(sentence))
        fresh = [f"x{k}" for k in range(1, 20) if f"x{k}" not in used]
        if want:
            n = int(want.group(1))
            if n > len(branches):
                extra = n - len(branches)
                variants.append("[" + "|".join(branches + [f" {fresh[k]} " for k in range(extra)]) + "]")
                variants.append("[" + "|".join(branches + [" ? "] * extra) + "]")
                variants.append("[" + "|".join(branches + [" "] * extra) + "]")
            elif n < len(branches):
                variants.append("[" + "|".join(branches[:n]) + "]")
        variants += ["[" + inner + f" | {fresh[0]} ]", "[" + inner + " | ]", "[" + "|".join(branches[:-1]) + "]"]
        for v in variants:
            out.append(sentence[: m.start()] + v + sentence[m.end():])
    m = re.search(r"\s+as\s+\[.*\]", sentence)
    if m:
        out.append(sentence[: m.start()] + sentence[m.end():])
    return out
