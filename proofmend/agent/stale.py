"""Stale-proof repair: mend a proof that broke after a change, keeping what still fits.

Replay the old proof sentence by sentence in the live session.  Keep every
sentence that still runs.  At a failing sentence try local repairs: a missing
name replaced by the closest names in scope (by name, and by ``Search``), a
hypothesis re-bound, an intro pattern adjusted to a changed number of cases,
automation closing the goal at hand.  Then resume the rest of the old proof;
goals left at the end (a new constructor, an extra obligation) go to the
search.
"""

from __future__ import annotations

import difflib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..protocols import Session
from ..provers.results import Checkpoint, Goals, TacticError, TacticOk
from .search import TacticSearch, hypotheses, parse_search

_MISSING = re.compile(
    r"(?:reference|variable|constructor|hypothesis|identifier)\s+([A-Za-z_][\w'.]*)\s+(?:was\s+)?not\s+found"
    r"|No such (?:hypothesis|goal|binder)[^:]*:\s*([A-Za-z_][\w'.]*)"
    r"|Unbound\s+\w+\s+([A-Za-z_][\w'.]*)"
    r"|([A-Za-z_][\w'.]*) not found",
    re.I,
)
_IDENT = re.compile(r"[A-Za-z_][\w'.]*[\w']|[A-Za-z_]")
_BULLET_TROUBLE = ("bullet", "No such goal", "focused", "Brackets", "No more goals", "unfocus")


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


def replace_ident(sentence: str, old: str, new: str) -> str:
    return re.sub(rf"(?<![\w'.]){re.escape(old)}(?![\w'])", new, sentence)


class StaleProofRepairer:
    """Repairs ``old`` (a list of tactic sentences) in ``session`` from ``start``."""

    def __init__(self, session: Session, search: TacticSearch, scope_names: list[str],
                 time_s: float = 30.0, on_check: Callable[[str, object], None] | None = None,
                 old: list[str] | None = None):
        self.old = list(old or [])
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
        close = difflib.get_close_matches(short, pool, n=6, cutoff=0.5)
        # names sharing a word with the missing one come next
        share = [p for p in pool if p not in close and any(w in p for w in parts)]
        return close + share[:6]

    def local_repairs(self, sentence: str, error: TacticError, cp: Checkpoint) -> list[str]:
        """Replacement candidates for a failing sentence, most plausible first."""
        out: list[str] = []
        msg = error.message
        name = missing_name(msg)
        if name:
            for alt in self.similar_names(name, error.goals, cp):
                out.append(replace_ident(sentence, name, alt))
        goal = error.goals.foreground[0] if error.goals and error.goals.foreground else None
        if goal is not None:
            hyp_names = [n for n, _ in hypotheses(goal)]
            if name and "." not in name and (len(name) <= 3 or re.fullmatch(r"H\w*|IH\w*", name)):
                # a re-bound hypothesis or variable: try every name in the context
                out += [replace_ident(sentence, name, h) for h in hyp_names if h != name]
            for tok in _IDENT.findall(sentence):
                if re.fullmatch(r"H\w*|IH\w*", tok) and tok not in hyp_names:
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
        if sentence.strip().startswith("intros"):
            out.append("intros.")
        seen: set[str] = set()
        return [c for c in out if c.strip() != sentence.strip() and not (c in seen or seen.add(c))]

    def propose(self, at: Checkpoint, time_s: float) -> StaleRepair:
        """The ``Proposer`` interface: repair the old proof given at construction."""
        self.time_s = time_s
        return self.repair(self.old, at)

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
        while i < len(old):
            if time.monotonic() > deadline:
                return StaleRepair(None, kept, repaired, dropped, time.monotonic() - t0, "time", tuple(notes))
            if done(last_goals):
                dropped += len(old) - i
                break
            sentence = old[i]
            r = run(sentence, cp)
            if isinstance(r, TacticOk):
                cp, last_goals = r.checkpoint, r.goals
                script.append(sentence)
                kept += 1
                i += 1
                continue
            fixed = None
            if any(k in r.message for k in _BULLET_TROUBLE):
                # Focus went out of step with the old proof: drop the sentence.
                dropped += 1
                i += 1
                notes.append(f"dropped {sentence!r}: {r.message.splitlines()[0]}")
                continue
            for cand in self.local_repairs(sentence, r, cp):
                if time.monotonic() > deadline:
                    break
                r2 = run(cand, cp)
                if isinstance(r2, TacticOk) and r2.goals.key() != last_goals.key():
                    fixed = (cand, r2)
                    break
            if fixed is not None:
                cand, r2 = fixed
                notes.append(f"{sentence!r} -> {cand!r}")
                cp, last_goals = r2.checkpoint, r2.goals
                script.append(cand)
                repaired += 1
                i += 1
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
