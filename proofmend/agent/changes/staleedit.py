"""Editing an old proof with the change map: names, arguments, case patterns, goals that are new.

What the stale-proof repair (:mod:`..proposers.stale`) asks of a change:

- :func:`rewrite` — a sentence written for the old names and statements,
  written for the new ones: renamed names replaced, applications of a restated
  lemma re-argued (``double_le n m H`` → ``double_le m n H``);
- :func:`repairs_for` — more candidates for a sentence that fails: the new
  lemmas closest to a removed one, the changed definitions unfolded first, a
  case pattern with a branch where the new constructor is;
- :func:`extra_goals` — which goals after a sentence have no counterpart in
  the old proof's run at the same point (the old environment's goals), so that
  the search closes them where they are and the old proof's bullets still fit
  the goals they were written for.

:class:`ChangeContext` carries what a hole knows of its change: the map, and
the old environment parked at the old theorem (its goals along the old proof,
and its answers to ``Check``/``About``/``Print``).  Without git there is no old
environment: the map is empty and the repair works from the error and the
current environment (:func:`rearguments` tries the arguments of a failing
application in the orders the lemma's current statement allows).
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ...provers.coq.sentences import IDENT_PATTERN
from ...provers.results import Goals
from .changemap import ChangeMap, Restated, short, spellings
from .coqtypes import QUALID, parse_type, reargue, substitute

_QUALID_TOKEN = re.compile(rf"(@?)((?<![\w'.]){IDENT_PATTERN}(?:\.{IDENT_PATTERN})*)(?![\w'])")
#: Words that end the arguments of an application inside a tactic.
_STOP_WORDS = {"in", "with", "as", "by", "at", "using", "eqn", "into", "from", "then", "else", "end", "if",
               "match", "fun", "forall", "exists", "let", "return"}


@dataclass(frozen=True)
class GoalsSeen:
    """The goals the old proof had after one of its sentences (in the old environment)."""

    conclusions: tuple[str, ...]  # focused goals
    background: int = 0
    context: str = ""  # the first goal's hypotheses

    @classmethod
    def of(cls, goals: Goals) -> "GoalsSeen":
        first = goals.foreground[0].hypotheses if goals.foreground else ()
        return cls(tuple(" ".join(g.conclusion.split()) for g in goals.foreground), goals.background,
                   " | ".join(" ".join(h.split()) for h in first))


@dataclass
class ChangeContext:
    """What a hole knows of the change that broke it."""

    map: ChangeMap
    base: str = ""  # the revision compared with, in words ("" without git)
    theorem: str = ""  # the broken proof's theorem (its own statement may be among the changes)
    old_goals: list[GoalsSeen | None] = field(default_factory=list)  # after each old sentence (None: not run)
    old_query: Callable[[str], str | None] | None = None  # Check/About/Print in the old environment
    # the proofs, at the base, of the lemmas the change removed or restated: short name -> (tactic sentences, in a section)
    old_proofs: dict[str, tuple[tuple[str, ...], bool]] = field(default_factory=dict)
    closers: list[Callable[[], None]] = field(default_factory=list)

    def lines(self) -> list[str]:
        return self.map.lines()

    def old_type(self, name: str) -> str | None:
        """The statement ``name`` had before the change (``Check`` in the old environment)."""
        if self.old_query is None:
            return None
        out = self.old_query(f"Check {name}.")
        if not out or out.startswith("Error"):
            return None
        m = re.match(r"\s*\S+\s*\n?\s*:\s*(.*)", out, re.S)
        return " ".join(m.group(1).split()) if m else None

    def close(self) -> None:
        for c in self.closers:
            try:
                c()
            except Exception:  # closing is best effort
                pass
        self.closers.clear()


# ------------------------------------------------------------------ sentences


def _outside_strings_and_comments(text: str, f: Callable[[str], str]) -> str:
    parts = re.split(r'("(?:[^"]|"")*"|\(\*.*?\*\))', text, flags=re.S)
    return "".join(p if k % 2 else f(p) for k, p in enumerate(parts))


def rename(sentence: str, renames: dict[str, str]) -> str:
    """``sentence`` with each renamed name replaced (a qualified use keeps its qualifier)."""
    if not renames:
        return sentence

    def repl(m: re.Match) -> str:
        at, tok = m.group(1), m.group(2)
        head, _, last = tok.rpartition(".")
        if last in renames:
            return at + (f"{head}.{renames[last]}" if head else renames[last])
        return m.group(0)

    return _outside_strings_and_comments(sentence, lambda s: _QUALID_TOKEN.sub(repl, s))


def _replace_name(sentence: str, old: str, new: str) -> str:
    """Each use of ``old`` (written alone or qualified) replaced by ``new`` as written."""

    def repl(m: re.Match) -> str:
        at, tok = m.group(1), m.group(2)
        return at + new if tok.rpartition(".")[2] == old else m.group(0)

    return _outside_strings_and_comments(sentence, lambda s: _QUALID_TOKEN.sub(repl, s))


@dataclass(frozen=True)
class Application:
    start: int  # of the name (or its '@')
    end: int  # after the last argument
    name: str  # as written
    args: tuple[str, ...]
    explicit_all: bool  # written with '@'


def applications(sentence: str, names: set[str]) -> list[Application]:
    """Where ``sentence`` applies one of ``names`` (short names; qualified uses count), with its arguments."""
    out = []
    for m in _QUALID_TOKEN.finditer(sentence):
        tok = m.group(2)
        if tok.rpartition(".")[2] not in names:
            continue
        args, pos = _arguments(sentence, m.end())
        out.append(Application(m.start(), pos, tok, tuple(args), bool(m.group(1))))
    return out


def _arguments(text: str, i: int) -> tuple[list[str], int]:
    args: list[str] = []
    end = i
    while True:
        j = i
        while j < len(text) and text[j].isspace():
            j += 1
        if j >= len(text):
            break
        c = text[j]
        if c == "(":
            depth, k = 0, j
            while k < len(text):
                depth += {"(": 1, ")": -1}.get(text[k], 0)
                k += 1
                if depth == 0:
                    break
            if depth:
                break
            inner = text[j + 1 : k - 1]
            if re.match(rf"\s*{IDENT_PATTERN}\s*:=", inner):
                break  # a named argument: the call is written by name from here on
            args.append(text[j:k])
            i = end = k
            continue
        m = re.match(rf"{IDENT_PATTERN}(?:\.{IDENT_PATTERN})*|\d+|_", text[j:])
        if not m or m.group(0) in _STOP_WORDS:
            break
        nxt = text[j + m.end() : j + m.end() + 1]
        if nxt == ":" or (m.group(0)[-1:] == "." and nxt in ("", " ", "\n")):
            break
        args.append(m.group(0))
        i = end = j + m.end()
    return args, end


def reargued(sentence: str, restated: dict[str, Restated]) -> str:
    """``sentence`` with each application of a restated lemma written for its new statement."""
    apps = [a for a in applications(sentence, set(restated)) if a.args]
    for a in sorted(apps, key=lambda a: a.start, reverse=True):
        r = restated[a.name.rpartition(".")[2]]
        how = r.how
        if not how.calls_change:
            continue
        new_args = reargue(how, list(a.args), explicit_all=a.explicit_all)
        if new_args is None:
            continue
        head = ("@" if a.explicit_all else "") + a.name
        sentence = sentence[: a.start] + " ".join([head, *new_args]) + sentence[a.end:]
    return sentence


_INTROS = re.compile(rf"^(\s*intros?\s+)((?:{IDENT_PATTERN}|\?|_)(?:\s+(?:{IDENT_PATTERN}|\?|_))*)(\s*\.\s*)$")


def reintro(sentence: str, cmap: ChangeMap, theorem: str) -> str:
    """``intros a b H.`` for a theorem whose own arguments moved: each name given to the argument it named."""
    r = cmap.restated_by_short().get(short(theorem)) if theorem else None
    m = _INTROS.match(sentence)
    if r is None or m is None:
        return sentence
    how = r.how
    assert how.new is not None
    names = m.group(2).split()
    out: list[str] = []
    for j, old_i in enumerate(how.mapping):
        if all(k is None or k >= len(names) for k in how.mapping[j:]):
            break
        out.append(names[old_i] if old_i is not None and old_i < len(names) else "?")
    if not out or out == names:
        return sentence
    return m.group(1) + " ".join(out) + m.group(3)


def record_patterns(sentence: str, cmap: ChangeMap) -> str:
    """A pattern ``[x y]`` naming a changed record's old fields, naming the same fields now."""
    for ind in cmap.inductives:
        if ind.kind != "record" or len(ind.old) == len(ind.new) and not ind.reordered:
            continue
        for pm in re.finditer(r"\[([^\[\]|]*)\]", sentence):
            names = pm.group(1).split()
            if len(names) != len(ind.old):
                continue
            new = [names[i] if i is not None else "?" for i in ind.position()]
            return sentence[: pm.start()] + "[" + " ".join(new) + "]" + sentence[pm.end():]
    return sentence


def rewrite(sentence: str, cmap: ChangeMap, theorem: str = "") -> str:
    """``sentence`` written for the new names and statements (``theorem``: the one the proof is of)."""
    out = reargued(sentence, cmap.restated_by_short())
    out = rename(out, cmap.renames())
    out = record_patterns(out, cmap)
    return reintro(out, cmap, theorem)


# ------------------------------------------------------------------ candidates at a failing sentence


def removed_candidates(sentence: str, cmap: ChangeMap, missing: str | None) -> list[str]:
    """The sentence with a removed name replaced by each of the closest new lemmas."""
    out = []
    gone = cmap.removed_by_short()
    names = [missing.rpartition(".")[2]] if missing else []
    names += [t.rpartition(".")[2] for t in QUALID.findall(sentence) if t.rpartition(".")[2] in gone]
    for name in dict.fromkeys(names):
        r = gone.get(name)
        if r is None:
            continue
        for c in r.candidates:
            for spelling in spellings(c.name)[:3]:
                out.append(_replace_name(sentence, name, spelling))
    return out


def unfold_candidates(sentence: str, cmap: ChangeMap, goal_text: str) -> list[str]:
    """The sentence after unfolding the changed definitions it or the goal mentions."""
    words = set(QUALID.findall(sentence + " " + goal_text))
    words |= {w.rpartition(".")[2] for w in words}
    defs = [d for d in cmap.changed_definitions() if d in words]
    out = []
    s = sentence.strip()
    for d in defs:
        out += [f"unfold {d} in *; {s}", f"unfold {d}; {s}", f"unfold {d} in *; simpl in *; {s}"]
    if defs:
        out.append(f"unfold {', '.join(defs)} in *; {s}")
    return out


_BRANCHES = re.compile(r"(?:Expects a disjunctive pattern with|expects)\s+(\d+)\s+branch")


def pattern_candidates(sentence: str, message: str, cmap: ChangeMap) -> list[str]:
    """An intro pattern with a branch where each new constructor is (and the old branches where theirs are)."""
    m = _BRANCHES.search(message)
    if not m:
        return []
    want = int(m.group(1))
    out = []
    for pm in re.finditer(r"\[([^\[\]]*)\]", sentence):
        branches = pm.group(1).split("|")
        for ind in cmap.inductives:
            if ind.kind != "inductive" or len(ind.new) != want or len(ind.old) != len(branches):
                continue
            for filler in (" ", " ? "):
                new = [branches[i] if i is not None else filler for i in ind.position()]
                out.append(sentence[: pm.start()] + "[" + "|".join(new) + "]" + sentence[pm.end():])
    return out


def repairs_for(sentence: str, message: str, cmap: ChangeMap, goal_text: str, missing: str | None,
                theorem: str = "") -> list[str]:
    """Candidates the map suggests for a sentence that fails, most plausible first."""
    out = []
    fixed = rewrite(sentence, cmap, theorem)
    if fixed != sentence:
        out.append(fixed)
    out += pattern_candidates(fixed, message, cmap)
    out += removed_candidates(fixed, cmap, missing)
    out += unfold_candidates(fixed, cmap, goal_text)
    return list(dict.fromkeys(c for c in out if c.strip() != sentence.strip()))


def rearguments(sentence: str, lemma_types: dict[str, str], limit: int = 24) -> list[str]:
    """Without an old statement: the explicit arguments of each application in the orders the lemma's
    current statement has room for (a permutation, a ``_`` where it now takes more)."""
    out = []
    apps = [a for a in applications(sentence, set(lemma_types)) if a.args and not a.explicit_all]
    for a in apps:
        try:
            tele = parse_type(lemma_types[a.name.rpartition(".")[2]])
        except Exception:
            continue
        n_explicit = len(tele.explicit)
        args = list(a.args)
        variants = []
        # arguments trade places with those of the same kind: variables of one type, hypotheses
        places = tele.explicit[: len(args)]
        groups: dict[tuple, list[int]] = {}
        for k, b in enumerate(places):
            kind = ("hypothesis",) if b is None or tele.binders[b].name is None else ("variable", tele.binders[b].type)
            groups.setdefault(kind, []).append(k)
        orders = [list(itertools.permutations(ks)) for ks in groups.values()]
        for choice in itertools.islice(itertools.product(*orders), limit + 1):
            v = list(args)
            for ks, perm in zip(groups.values(), choice):
                for k, src in zip(ks, perm):
                    v[k] = args[src]
            if v != args:
                variants.append(v)
        if len(args) <= 4:
            variants += [list(p) for p in itertools.permutations(args) if list(p) != args and list(p) not in variants]
        if n_explicit > len(args):
            for k in range(len(args) + 1):
                variants.append(args[:k] + ["_"] + args[k:])
        if n_explicit < len(args):
            for k in range(len(args)):
                variants.append(args[:k] + args[k + 1:])
        for v in variants[:limit]:
            out.append(sentence[: a.start] + " ".join([a.name, *v]) + sentence[a.end:])
    return out


# ------------------------------------------------------------------ goals the old proof did not have


def _similar(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio()


def extra_goals(seen: GoalsSeen, now: Goals, cmap: ChangeMap) -> list[int]:
    """Indices of the focused goals ``now`` that have no counterpart among those ``seen`` in the old run.

    Goals are paired in order by their conclusions (the old ones read with the
    renames applied): each old goal takes the first later goal that is the
    same, or failing that the most similar one left; what no old goal took is
    new.  Empty when there are no more goals than before.
    """
    concl = [" ".join(g.conclusion.split()) for g in now.foreground]
    if len(concl) <= len(seen.conclusions):
        return []
    renames = cmap.renames()
    old = [substitute(c, renames) for c in seen.conclusions]
    extra_n = len(concl) - len(old)
    # order-preserving alignment that skips exactly extra_n new goals, maximising similarity
    best: dict[tuple[int, int], tuple[float, tuple[int, ...]]] = {}

    def go(i: int, j: int) -> tuple[float, tuple[int, ...]]:
        if (i, j) in best:
            return best[(i, j)]
        if i == len(old):
            r = (0.0, tuple(range(j, len(concl))))
        elif len(concl) - j == len(old) - i:
            r = (sum(_similar(old[i + k], concl[j + k]) for k in range(len(old) - i)), ())
        else:
            take_score, take_skip = go(i + 1, j + 1)
            take = (_similar(old[i], concl[j]) + take_score, take_skip)
            skip_score, skip_rest = go(i, j + 1)
            skip = (skip_score, (j,) + skip_rest)
            r = take if take[0] >= skip[0] else skip
        best[(i, j)] = r
        return r

    _, skipped = go(0, 0)
    return list(skipped)[:extra_n] if len(skipped) >= extra_n else list(range(len(old), len(concl)))

