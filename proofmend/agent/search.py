"""Offline best-first tactic search in a live session.

Nodes are proof states (checkpoints); a node's priority is the size of what is
left to prove (goal count first, then the text of the goals, then depth).
States seen before are not expanded again.  Each node first tries *closers*
(automation that may finish a goal), then *steps* (intros, induction,
destruct, rewrite/apply with hypotheses and retrieved lemmas, ...).
"""

from __future__ import annotations

import heapq
import itertools
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ..protocols import Session
from ..provers.results import Checkpoint, Goal, Goals, TacticOk
from .config import SearchConfig

CLOSERS = (
    "assumption", "reflexivity", "discriminate", "congruence", "lia", "easy", "auto",
    "tauto", "trivial", "now simpl", "simpl; lia", "simpl; auto", "eauto", "intuition",
    "auto with arith", "intuition lia", "firstorder", "nia", "f_equal; auto", "simpl; congruence",
)
HAMMER_CLOSERS = ("sauto", "hauto", "qauto")
WHOLE_PROOFS = (
    "intros; lia", "auto", "intros; auto", "intros; simpl; auto", "intros; congruence",
    "intuition", "firstorder", "intros; simpl; lia", "tauto",
)

#: Hypotheses looked up with ``Search`` in one search at most (:meth:`TacticSearch._hypothesis_steps`).
_HYPOTHESIS_QUERIES = 12
_NOT_CONSTANTS = {
    "forall", "exists", "fun", "match", "with", "end", "let", "in", "if", "then", "else", "as",
    "return", "Type", "Prop", "Set", "True", "False", "nat", "S", "O", "bool", "true", "false",
}
_UNKNOWN = re.compile(r"(?:reference|tactic)\s+([^\W\d][\w']*)\s+was not found|Unknown tactic\s+([^\W\d][\w']*)")
_TACTIC_WORDS = {"lia", "nia", "sauto", "hauto", "qauto", "psatz", "ring", "field", "lra", "nra"}
_HYP = re.compile(r"^([^\W\d][\w',\s]*?)\s*:\s*(.*)$", re.S)
_IDENT = re.compile(r"[^\W\d][\w']*")


def hypotheses(goal: Goal) -> list[tuple[str, str]]:
    """(name, type) for each hypothesis of ``goal`` (``n, m : nat`` gives two)."""
    out = []
    for h in goal.hypotheses:
        m = _HYP.match(h)
        if not m:
            continue
        names, typ = m.group(1), m.group(2)
        if ":=" in typ or typ.startswith("="):  # a local definition: name := body : type
            continue
        for n in names.split(","):
            n = n.strip()
            if n:
                out.append((n, typ.strip()))
    return out


def forall_binders(conclusion: str) -> list[str]:
    """Names bound by a leading ``forall`` of the conclusion."""
    m = re.match(r"\s*forall\s+(.*?),", conclusion, re.S)
    if not m:
        return []
    return [b for b in _IDENT.findall(re.sub(r":[^()]*", " ", m.group(1))) if b not in ("forall",)]


def goal_constants(goal: Goal) -> list[str]:
    """Global names the conclusion mentions (not bound variables or keywords)."""
    bound = {n for n, _ in hypotheses(goal)} | set(forall_binders(goal.conclusion))
    out: list[str] = []
    for tok in _IDENT.findall(goal.conclusion):
        if tok in _NOT_CONSTANTS or tok in bound or tok in out or len(tok) < 2:
            continue
        out.append(tok)
    return out


def scrutinees(text: str) -> list[str]:
    """Terms an ``if``/``match`` in ``text`` cases on (the usual next split)."""
    out: list[str] = []
    for m in re.finditer(r"\b(?:if|match)\s+(.+?)\s+(?:then|with)\b", text, re.S):
        term = " ".join(m.group(1).split())
        if term.count("(") == term.count(")") and len(term) < 80 and term not in out:
            out.append(term)
    return out


def combos_for(goal: Goal) -> list[str]:
    """Whole-goal attempts: a case split or induction followed by automation."""
    out: list[str] = []
    for n, typ in hypotheses(goal)[:4]:
        if ":" in n or typ.startswith(("forall", "Prop", "Type", "Set")) or "=" in typ or "<" in typ:
            continue
        for t in (f"destruct {n}; simpl; lia", f"destruct {n}; simpl; auto", f"induction {n}; simpl; auto",
                  f"induction {n}; simpl; lia", f"induction {n}; simpl; congruence"):
            out.append(t)
    eqs = [n for n, typ in hypotheses(goal) if "=" in typ and "<>" not in typ][:2]
    rw = "".join(f"try rewrite {h}; " for h in eqs)
    for t in scrutinees(goal.conclusion)[:2]:
        out += [f"destruct ({t}); simpl; {rw}auto", f"destruct ({t}); simpl; {rw}lia",
                f"destruct ({t}) eqn:E; simpl; {rw}congruence"]
    for h in eqs:
        out += [f"rewrite {h}; auto", f"rewrite {h}; lia", f"simpl; rewrite {h}; auto"]
    for b in forall_binders(goal.conclusion)[:3]:
        # induction before intros keeps the hypothesis general
        out += [f"induction {b}; simpl; auto", f"induction {b}; intros; simpl; auto",
                f"induction {b}; simpl; intros; try rewrite IH{b}; auto", f"induction {b}; simpl; lia",
                f"induction {b}; intros; simpl; try lia; auto", f"induction {b}; simpl; congruence"]
    for c in goal_constants(goal)[:2]:
        out += [f"unfold {c}; lia", f"unfold {c}; auto"]
    return out


def steps_for(goal: Goal, lemmas: list[str], unfoldable: list[str]) -> list[str]:
    """Non-closing tactic steps worth trying on ``goal``."""
    concl = goal.conclusion
    hyps = hypotheses(goal)
    out: list[str] = []
    if concl.lstrip().startswith(("forall", "~")) or "->" in concl:
        out.append("intros")
    for n, typ in hyps:
        if re.search(r"\b(nat|list|bool|option|positive|N|Z|tree|prod)\b", typ) or typ[:1].islower():
            out.append(f"induction {n}")
            out.append(f"destruct {n}")
    for b in forall_binders(concl)[:3]:
        out.append(f"intros until {b}; induction {b}")
    for t in scrutinees(concl)[:2]:
        out += [f"destruct ({t})", f"destruct ({t}) eqn:E"]
    if "/\\" in concl or "<->" in concl:
        out.append("split")
    if "\\/" in concl:
        out += ["left", "right"]
    if concl.lstrip().startswith("exists"):
        out.append("eexists")
    out.append("simpl")
    for n, typ in hyps:
        if "=" in typ and "<>" not in typ:
            out += [f"rewrite {n}", f"rewrite <- {n}"]
        if "/\\" in typ or "\\/" in typ or typ.lstrip().startswith("exists"):
            out.append(f"destruct {n}")
        if typ.lstrip().startswith("forall") or "->" in typ or typ == concl:
            out += [f"apply {n}", f"eapply {n}"]
        if n.startswith("H") and not typ.lstrip().startswith("forall"):
            out.append(f"inversion {n}; subst")
    for lem in lemmas[:16]:
        out += [f"apply {lem}", f"rewrite {lem}"]
    for d in unfoldable:
        if re.search(rf"\b{re.escape(d)}\b", concl):
            out.append(f"unfold {d}")
    for c in goal_constants(goal)[:4]:
        out.append(f"unfold {c}")
    if ">" in concl:
        out += ["unfold gt, ge in *", "Z.swap_greater"]
    for n, typ in hyps[:6]:
        if "=" in typ and "<>" not in typ and not typ.lstrip().startswith("forall"):
            out.append(f"injection {n}; intros; subst")
        if not typ.lstrip().startswith("forall"):
            for lem in lemmas[:3]:
                out.append(f"apply {lem} in {n}")
    out += ["subst", "f_equal", "constructor", "simpl in *", "intros; subst", "split; intros"]
    seen: set[str] = set()
    return [t for t in out if not (t in seen or seen.add(t))]


@dataclass(frozen=True)
class Tactics:
    """A prover's tactic portfolio for the search: what to try, and how a tactic is written as a step."""

    closers: tuple[str, ...]  # automation that may finish a goal
    whole_proofs: tuple[str, ...]  # tried once from the start
    combos: Callable[[Goal], list[str]]  # whole-goal attempts (a split or induction, then automation)
    steps: Callable[[Goal, list[str], list[str]], list[str]]  # non-closing steps (goal, lemmas, unfoldable)
    terminator: str = "."  # appended to a tactic to make it a step
    focus_moves: tuple[str, ...] = ("-", "+", "*", "}")  # tried where goals remain but none is focused
    lemma_search: bool = True  # the prover answers ``Search`` queries
    unknown: re.Pattern = _UNKNOWN  # an error naming a tactic the prover does not have
    missing_tactics: frozenset[str] = frozenset(_TACTIC_WORDS)  # tactics that may be missing (a library not loaded)


COQ_TACTICS = Tactics(CLOSERS, WHOLE_PROOFS, combos_for, steps_for)


@dataclass(order=True)
class Node:
    """A proof state on a search's frontier, ordered by ``priority`` (then by when it was found)."""

    priority: tuple | float
    serial: int
    checkpoint: Checkpoint = field(compare=False)
    goals: Goals = field(compare=False)
    depth: int = field(compare=False)
    calls: int = field(default=0, compare=False)  # model calls made at this node (the step search)
    failures: list = field(default_factory=list, compare=False)  # (tactic, why) tried here (the step search)


@dataclass(frozen=True)
class SearchResult:
    script: tuple[str, ...] | None  # tactic sentences from the start checkpoint
    nodes: int
    tries: int
    seconds: float
    exit: str  # "proved" | "nodes" | "time" | "exhausted"

    @property
    def proof(self) -> str | None:
        return "\n".join(self.script) if self.script is not None else None


def goals_size(goals: Goals) -> tuple[int, int]:
    """(open goals, characters of the focused goals): what is left to prove."""
    n = len(goals.foreground) + goals.background
    text = sum(len(g.conclusion) + sum(len(h) for h in g.hypotheses) for g in goals.foreground)
    return (n, text)


class TacticSearch:
    """Best-first search for a proof script in ``session``."""

    def __init__(self, session: Session, config: SearchConfig = SearchConfig(), lemmas: list[str] | None = None,
                 unfoldable: list[str] | None = None, hammer: bool = False, tactics: Tactics = COQ_TACTICS):
        self.session = session
        self.config = config
        self.tactics = tactics
        self.lemmas = list(lemmas or [])[: config.lemmas]
        self.unfoldable = list(unfoldable or [])
        self.closers = tactics.closers + (HAMMER_CLOSERS if hammer else ())
        self.tries = 0
        self.unavailable: set[str] = set()
        self.banned: set[str] = set()  # lemmas a refused proof rested on (admitted, or resting on what is)
        self._shaped = 0
        self._hyp_queries = 0
        self._takers_of: dict[str, list[str]] = {}  # Search answers by hypothesis pattern
        self._seen_constants: frozenset[str] = frozenset()
        self._discoveries = 0

    def _node_lemmas(self, goal: Goal) -> list[str]:
        """Lemmas about constants that appear only deeper in the search (after unfolding)."""
        new = frozenset(goal_constants(goal)[:4]) - self._seen_constants
        if not new or self._discoveries >= 6 or not self.tactics.lemma_search:
            return []
        self._seen_constants |= new
        self._discoveries += 1
        found = discover_lemmas(self.session, goal, limit=3, only=new, max_queries=2,
                                timeout=self.config.query_timeout_s)
        self.lemmas += [n for n in found if n not in self.lemmas and n not in self.banned]
        return []

    def ban(self, names) -> None:
        """Leave ``names`` out of the premises from now on (a proof resting on them was refused)."""
        self.banned |= set(names)
        self.lemmas = [n for n in self.lemmas if n not in self.banned]
        self.unfoldable = [n for n in self.unfoldable if n not in self.banned]

    def _shape_steps(self, goal: Goal) -> list[str]:
        """apply/rewrite with lemmas matching the goal's shape (for the first nodes)."""
        if self._shaped >= 25 or not self.tactics.lemma_search:
            return []
        self._shaped += 1
        out = []
        for lem in shape_lemmas(self.session, goal, timeout=self.config.query_timeout_s):
            if lem in self.banned:
                continue
            out += [f"apply {lem}", f"eapply {lem}", f"rewrite {lem}", f"now rewrite {lem}"]
            if lem not in self.lemmas:
                self.lemmas.append(lem)
        return out

    def _hypothesis_steps(self, goal: Goal) -> list[str]:
        """``apply L in H`` with the lemmas that take a hypothesis of ``goal``'s shape apart (an equivalence or
        an implication whose left side it matches: ``in_map_iff`` for ``H : In b (map f l)``), for the first
        nodes: ``Search`` with the hypothesis as a pattern."""
        if self._hyp_queries >= _HYPOTHESIS_QUERIES or not self.tactics.lemma_search:
            return []
        local = {n for n, _ in hypotheses(goal)}
        out: list[str] = []
        for n, typ in hypotheses(goal):
            flat = " ".join(typ.split())
            if (flat.startswith(("forall", "exists", "fun")) or flat in ("Prop", "Type", "Set") or len(flat) > 120
                    or not re.search(r"[^\W\d][\w']*\s+\S", flat) or (flat[:1].isupper() and " " not in flat)):
                continue
            if self._hyp_queries >= _HYPOTHESIS_QUERIES or len(out) >= 6:
                break
            pattern = local_pattern(flat, local)
            if not pattern.strip("_ ()") or pattern.split()[0] == "_":
                continue
            self._hyp_queries += 1
            takes = self._takers(pattern)
            out += [f"apply {name} in {n}" for name in takes if name not in self.banned and name not in local][:3]
        return out

    def _takers(self, pattern: str) -> list[str]:
        """Lemmas whose statement, past its binders, is an equivalence or an implication mentioning
        ``pattern`` (equivalences first, then the shorter): ``Search`` asked once per pattern."""
        if pattern not in self._takers_of:
            try:
                ans = self.session.query(f"Search ({pattern}).", timeout=self.config.query_timeout_s)
            except Exception:  # best effort
                return []
            if ans.startswith("Error"):
                return []
            takes: list[tuple[tuple, str]] = []
            for name, t in parse_search(ans):
                body = re.sub(r"^(forall\s[^,]*,\s*)+", "", " ".join(t.split()))
                if "<->" in body or "->" in body:
                    takes.append((("<->" not in body, len(t)), name))
            self._takers_of[pattern] = [name for _, name in sorted(takes)]
        return self._takers_of[pattern]

    def try_tactic(self, tactic: str, at: Checkpoint, timeout: float | None = None):
        self.tries += 1
        r = self.session.run(tactic + self.tactics.terminator, at=at, timeout=timeout or self.config.step_timeout_s)
        if not isinstance(r, TacticOk):
            m = self.tactics.unknown.search(r.message)
            word = m and next((g for g in m.groups() if g), None)
            if word in self.tactics.missing_tactics:
                self.unavailable.add(word)  # e.g. lia without Require Import Lia
        return r

    def available(self, tactic: str) -> bool:
        return not (self.unavailable and set(_IDENT.findall(tactic)) & self.unavailable)

    def search(self, at: Checkpoint | None = None, time_s: float | None = None, close_first_only: bool = False) -> SearchResult:
        """Search from ``at``.  With ``close_first_only``, success is closing the first goal."""
        t0 = time.monotonic()
        deadline = t0 + (time_s if time_s is not None else self.config.time_s)
        start = at or self.session.base
        goals0 = self.session.goals(start)
        if goals0.foreground:
            self._seen_constants |= frozenset(goal_constants(goals0.foreground[0])[:4])
        target = len(goals0.foreground) + goals0.background - 1 if close_first_only else 0
        start_len = len(start.script)

        def solved(g: Goals) -> bool:
            if close_first_only:
                return len(g.foreground) + g.background <= target and g.shelved == 0
            return g.done

        def result(cp: Checkpoint | None, exit: str) -> SearchResult:
            script = cp.script[start_len:] if cp is not None else None
            return SearchResult(script, nodes, self.tries, time.monotonic() - t0, exit)

        nodes = 0
        if not close_first_only:
            for whole in self.tactics.whole_proofs:
                if time.monotonic() > deadline:
                    return result(None, "time")
                r = self.try_tactic(whole, start)
                if isinstance(r, TacticOk) and solved(r.goals):
                    return result(r.checkpoint, "proved")
        counter = itertools.count()
        frontier: list[Node] = [Node((*goals_size(goals0), 0), next(counter), start, goals0, 0)]
        seen = {goals0.key()}
        while frontier:
            if time.monotonic() > deadline:
                return result(None, "time")
            if nodes >= self.config.max_nodes:
                return result(None, "nodes")
            node = heapq.heappop(frontier)
            nodes += 1
            goal = node.goals.foreground[0] if node.goals.foreground else None
            if goal is None:
                # Unfocused goals remain (inside bullets): try to move on.
                for t in self.tactics.focus_moves:
                    r = self.session.run(t, at=node.checkpoint)
                    if isinstance(r, TacticOk):
                        self._push(frontier, seen, counter, r, node.depth, solved)
                        break
                continue
            before = len(node.goals.foreground) + node.goals.background
            shaped = self._shape_steps(goal)
            for closer in (*self.closers, *self.tactics.combos(goal), *shaped):
                if not self.available(closer):
                    continue
                if time.monotonic() > deadline:
                    return result(None, "time")
                r = self.try_tactic(closer, node.checkpoint, self.config.closer_timeout_s)
                if isinstance(r, TacticOk) and len(r.goals.foreground) + r.goals.background < before:
                    if solved(r.goals):
                        return result(r.checkpoint, "proved")
                    self._push(frontier, seen, counter, r, node.depth, solved)
                    break  # the first goal is closed: continue from there
            else:
                if node.depth >= self.config.max_depth:
                    continue
                self._node_lemmas(goal)
                for step in (*self.tactics.steps(goal, self.lemmas, self.unfoldable), *self._hypothesis_steps(goal)):
                    if not self.available(step):
                        continue
                    if time.monotonic() > deadline:
                        return result(None, "time")
                    r = self.try_tactic(step, node.checkpoint)
                    if isinstance(r, TacticOk):
                        if solved(r.goals):
                            return result(r.checkpoint, "proved")
                        self._push(frontier, seen, counter, r, node.depth + 1, solved)
        return result(None, "exhausted")

    def propose(self, at: Checkpoint, time_s: float) -> SearchResult:
        """The ``Proposer`` interface: search the whole proof from ``at``."""
        return self.search(at, time_s=time_s)

    def _push(self, frontier, seen, counter, r: TacticOk, depth: int, solved) -> None:
        key = r.goals.key()
        if key in seen:
            return
        seen.add(key)
        heapq.heappush(frontier, Node((*goals_size(r.goals), depth), next(counter), r.checkpoint, r.goals, depth))


_SEARCH_HIT = re.compile(r"^([^\W\d][\w'.]*)\s*:", re.M)


def parse_search(output: str) -> list[tuple[str, str]]:
    """(name, statement) entries of ``Search`` output."""
    entries: list[tuple[str, str]] = []
    for line in output.splitlines():
        m = _SEARCH_HIT.match(line)
        if m and not line.startswith(" "):
            entries.append((m.group(1), line[m.end():].strip()))
        elif entries and line.startswith(" "):
            name, typ = entries[-1]
            entries[-1] = (name, typ + " " + line.strip())
    return entries


def local_pattern(text: str, local: set[str]) -> str:
    """``text`` as a ``Search`` pattern: the names in ``local`` (hypotheses, bound variables) become ``_``."""
    return _IDENT.sub(lambda m: "_" if m.group(0) in local else m.group(0), text)


def goal_pattern(goal: Goal) -> str | None:
    """The conclusion as a ``Search`` pattern: local names become ``_``."""
    concl = " ".join(goal.conclusion.split())
    if re.search(r"\b(forall|exists|fun|let|match)\b", concl) or len(concl) > 200:
        return None
    local = {n for n, _ in hypotheses(goal)}
    pat = local_pattern(concl, local)
    return pat if pat.strip("_ ()") else None


def shape_lemmas(session: Session, goal: Goal, limit: int = 6, timeout: float = 5.0) -> list[str]:
    """Lemmas whose conclusion matches the goal's shape (``Search (pattern)``), most specific first."""
    pat = goal_pattern(goal)
    if pat is None:
        return []
    try:
        out = session.query(f"Search ({pat}).", timeout=timeout)
    except Exception:  # best effort
        return []
    if out.startswith("Error"):
        return []
    hits = parse_search(out)
    hits.sort(key=lambda nt: len(nt[1]))
    return [n for n, _ in hits[:limit]]


def discover_lemmas(session: Session, goal: Goal, limit: int = 12, local_names: set[str] | None = None,
                    only: frozenset[str] | None = None, max_queries: int = 9, timeout: float = 5.0) -> list[str]:
    """Lemmas from ``Search`` on the constants of ``goal``, most related first.

    Related = mentions more of the goal's constants, then has a shorter statement.
    """
    consts = goal_constants(goal)[:5]
    pairs = [f"Search {a} {b}." for a, b in itertools.combinations(consts, 2)
             if only is None or a in only or b in only][:6]
    singles = [f"Search {a}." for a in consts[:3] if only is None or a in only]
    queries = (pairs + singles if only is None else singles + pairs)[:max_queries]
    scored: dict[str, tuple] = {}
    for q in queries:
        try:
            out = session.query(q, timeout=timeout)
        except Exception:  # a query is best effort; the prover layer restarts on crashes
            continue
        if out.startswith("Error"):
            continue
        for name, typ in parse_search(out):
            if name in (local_names or set()) or name in consts or "forall" not in typ and "=" not in typ:
                continue
            words = set(_IDENT.findall(typ))
            hits = sum(1 for c in consts if c in words)
            score = (-hits, len(typ), name)
            if name not in scored or score < scored[name]:
                scored[name] = score
    return [n for n, _ in sorted(scored.items(), key=lambda kv: kv[1])][:limit]
