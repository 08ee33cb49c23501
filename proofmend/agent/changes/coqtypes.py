"""Types as Coq prints them, read as telescopes: the arguments a lemma takes and what it concludes.

``forall (A : Type) {n : nat} (l : list A), P l -> length l = n`` is the
binders ``A``, ``{n}``, ``l`` and the unnamed hypothesis ``P l``, then the
conclusion ``length l = n``.  Two statements are compared as telescopes: which
argument of the old one is which argument of the new one (by name, then by
type), which were added or removed, which became implicit, whether the
conclusion changed.  From that comparison, an application of the old lemma
(``foo a b``) is rewritten into an application of the new one.

Only the printed text is read (Coq prints every type in one regular form);
nothing here guesses at what a name means.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ...provers.coq.sentences import IDENT_PATTERN

#: A name, possibly qualified (``Nat.add_comm``, ``Base.θ``).
QUALID = re.compile(rf"{IDENT_PATTERN}(?:\.{IDENT_PATTERN})*")
_NAME = re.compile(IDENT_PATTERN)
_OPEN = {"(": ")", "[": "]", "{": "}"}
_CLOSE = {")", "]", "}"}
#: Words after which the rest of a type is one term (its ``->`` are not the lemma's own).
_TERM_BINDERS = ("exists", "exists2", "fun", "let", "∃", "λ", "fix", "cofix")


@dataclass(frozen=True)
class Binder:
    """One argument of a lemma: a named binder, or a hypothesis (``name`` None)."""

    name: str | None
    type: str
    implicit: str = ""  # "" explicit, "{}" maximal implicit, "[]" non-maximal implicit

    @property
    def explicit(self) -> bool:
        return not self.implicit


@dataclass(frozen=True)
class Telescope:
    binders: tuple[Binder, ...]
    conclusion: str

    @property
    def explicit(self) -> list[int]:
        """Indices of the explicit binders, in order."""
        return [i for i, b in enumerate(self.binders) if b.explicit]

    def normal(self) -> str:
        """The statement up to the names of its binders (``forall x, P x`` and ``forall y, P y`` agree)."""
        return normal_form(self)


def _scan(text: str):
    """(index, char, depth) for each character outside strings; brackets and ``match … end`` nest."""
    depth = 0
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            j = text.find('"', i + 1)
            i = n if j < 0 else j + 1
            continue
        if c in _OPEN:
            depth += 1
        elif c in _CLOSE:
            depth = max(0, depth - 1)
        elif c.isalpha() and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] in "_'.")):
            m = _NAME.match(text, i)
            word = m.group(0) if m else c
            if word == "match":
                depth += 1
            elif word == "end":
                depth = max(0, depth - 1)
            yield i, word, depth
            i += len(word)
            continue
        yield i, c, depth
        i += 1


def split_top(text: str, sep: str) -> list[str]:
    """``text`` split at each ``sep`` outside brackets, strings and ``match … end``."""
    parts, start = [], 0
    skip_to = -1
    for i, tok, depth in _scan(text):
        if i < skip_to or depth != 0:
            continue
        if text.startswith(sep, i) and not (sep == "->" and i > 0 and text[i - 1] == "<"):
            parts.append(text[start:i])
            start = i + len(sep)
            skip_to = start
    parts.append(text[start:])
    return parts


def _strip_parens(text: str) -> str:
    t = text.strip()
    while t.startswith("(") and t.endswith(")") and _matching(t, 0) == len(t) - 1:
        t = t[1:-1].strip()
    return t


def _matching(text: str, i: int) -> int:
    """Index of the bracket closing the one at ``i`` (-1 if none)."""
    for j, tok, depth in _scan(text[i:]):
        if j > 0 and depth == 0 and tok in _CLOSE:
            return i + j
    return -1


def _binder_groups(text: str) -> list[tuple[list[str], str, str]] | None:
    """(names, type, implicit) of each group of a ``forall`` binder list; None when it is not one."""
    t = text.strip()
    groups: list[tuple[list[str], str, str]] = []
    if not t:
        return None
    if t[0] not in "([{`":
        names, sep, typ = t.partition(":")
        if not sep:  # forall x y, ... (types left out)
            names, typ = t, "_"
        ns = names.split()
        if not ns or not all(_NAME.fullmatch(n) or n == "_" for n in ns):
            return None
        return [(ns, typ.strip(), "")]
    i = 0
    while i < len(t):
        if t[i].isspace():
            i += 1
            continue
        tick = t[i] == "`"
        j = i + 1 if tick else i
        if j >= len(t) or t[j] not in _OPEN:
            return None
        end = _matching(t, j)
        if end < 0:
            return None
        inner = t[j + 1 : end]
        implicit = {"(": "", "{": "{}", "[": "[]"}[t[j]]
        if ":=" in split_top(inner, ":=")[0] or len(split_top(inner, ":=")) > 1:
            i = end + 1  # a local definition in the binders: not an argument
            continue
        names, sep, typ = inner.partition(":")
        ns = names.split()
        if tick and not sep:  # `{Foo A}: an anonymous instance
            groups.append(([], inner.strip(), implicit))
        elif not sep or not ns or not all(_NAME.fullmatch(n) or n == "_" for n in ns):
            return None
        else:
            groups.append((ns, typ.strip(), implicit))
        i = end + 1
    return groups


def parse_type(text: str) -> Telescope:
    """The telescope of a type as Coq prints it (``forall … , … -> …``)."""
    binders: list[Binder] = []
    t = " ".join(text.split())
    while True:
        t = _strip_parens(t)
        if t.startswith(("forall ", "∀ ")):
            rest = t.split(" ", 1)[1]
            head, *tail = split_top(rest, ",")
            groups = _binder_groups(head) if tail else None
            if groups is None:
                break
            for names, typ, implicit in groups:
                if not names:
                    binders.append(Binder(None, typ, implicit))
                for n in names:
                    binders.append(Binder(None if n == "_" else n, typ, implicit))
            t = ",".join(tail).strip()
            continue
        first = _NAME.match(t)
        if first and first.group(0) in _TERM_BINDERS:
            break
        parts = split_top(t, "->")
        if len(parts) < 2:
            break
        binders.append(Binder(None, parts[0].strip()))
        t = "->".join(parts[1:]).strip()
    return Telescope(tuple(binders), t.strip())


def substitute(text: str, mapping: dict[str, str]) -> str:
    """``text`` with each name in ``mapping`` replaced (whole names; a qualified name by its last part too)."""
    if not mapping:
        return text

    def repl(m: re.Match) -> str:
        tok = m.group(0)
        if tok in mapping:
            return mapping[tok]
        head, _, last = tok.rpartition(".")
        if head and last in mapping and "." not in mapping[last]:
            return f"{head}.{mapping[last]}"
        return tok

    return _outside_strings(text, lambda s: _QUALID_B.sub(repl, s))


_QUALID_B = re.compile(rf"(?<![\w'.]){IDENT_PATTERN}(?:\.{IDENT_PATTERN})*(?![\w'])")


def _outside_strings(text: str, f) -> str:
    parts = re.split(r'("(?:[^"]|"")*")', text)
    return "".join(p if k % 2 else f(p) for k, p in enumerate(parts))


def normal_form(t: Telescope) -> str:
    """The telescope with each binder's name replaced by its position."""
    names: dict[str, str] = {}
    out = []
    for k, b in enumerate(t.binders):
        out.append(f"{b.implicit or '()'}:{substitute(b.type, names)}")
        if b.name:
            names[b.name] = f"#{k}"
    return " | ".join(out) + " ⊢ " + substitute(t.conclusion, names)


def conclusion_pattern(t: Telescope) -> str:
    """The conclusion as a ``Search`` pattern: the lemma's own variables become ``_``."""
    bound = {b.name: "_" for b in t.binders if b.name}
    return substitute(t.conclusion, bound)


# ------------------------------------------------------------------ comparing two statements


@dataclass(frozen=True)
class Restatement:
    """How a lemma's arguments changed, as telescopes compared."""

    mapping: tuple[int | None, ...]  # for each new binder, the old binder it is (None: added)
    removed: tuple[int, ...]  # old binders with no new counterpart
    implicit_changed: tuple[tuple[str, str, str], ...] = ()  # (name, old implicit, new implicit)
    conclusion_changed: bool = False
    old: Telescope | None = field(default=None, compare=False)
    new: Telescope | None = field(default=None, compare=False)

    @property
    def added(self) -> tuple[int, ...]:
        return tuple(i for i, m in enumerate(self.mapping) if m is None)

    @property
    def permuted(self) -> bool:
        """Whether the explicit arguments kept come in another order."""
        assert self.new is not None and self.old is not None
        kept = [m for i, m in enumerate(self.mapping) if m is not None and self.new.binders[i].explicit
                and self.old.binders[m].explicit]
        return kept != sorted(kept)

    @property
    def calls_change(self) -> bool:
        """Whether an application of the old lemma must be written differently."""
        return self.permuted or bool(self.added or self.removed or self.implicit_changed)


def compare(old: Telescope, new: Telescope) -> Restatement:
    """Which binder of ``new`` each binder of ``old`` became: same name first, then same type."""
    mapping: list[int | None] = [None] * len(new.binders)
    used: set[int] = set()
    # Variables renamed in the new statement are read under their old names.
    rename: dict[str, str] = {}

    def same_type(o: Binder, n: Binder) -> bool:
        return " ".join(substitute(n.type, rename).split()) == " ".join(o.type.split())

    for j, nb in enumerate(new.binders):  # named, same name and type
        if nb.name is None:
            continue
        for i, ob in enumerate(old.binders):
            if i not in used and ob.name == nb.name and same_type(ob, nb):
                mapping[j] = i
                used.add(i)
                break
    for j, nb in enumerate(new.binders):  # named, same name (its type changed) or same type (renamed)
        if mapping[j] is not None or nb.name is None:
            continue
        cands = [i for i, ob in enumerate(old.binders) if i not in used and ob.name == nb.name]
        cands = cands or [i for i, ob in enumerate(old.binders)
                          if i not in used and ob.name is not None and ob.name not in {b.name for b in new.binders}
                          and same_type(ob, nb)]
        if cands:
            mapping[j] = cands[0]
            used.add(cands[0])
            if old.binders[cands[0]].name != nb.name:
                rename[nb.name] = old.binders[cands[0]].name  # type: ignore[index]
    for j, nb in enumerate(new.binders):  # hypotheses: same type, in order
        if mapping[j] is not None or nb.name is not None:
            continue
        for i, ob in enumerate(old.binders):
            if i not in used and ob.name is None and same_type(ob, nb):
                mapping[j] = i
                used.add(i)
                break
    removed = tuple(i for i in range(len(old.binders)) if i not in used)
    implicit = tuple((nb.name or f"#{j + 1}", old.binders[m].implicit, nb.implicit)
                     for j, (nb, m) in enumerate(zip(new.binders, mapping))
                     if m is not None and old.binders[m].implicit != nb.implicit)
    concl = " ".join(substitute(new.conclusion, rename).split()) != " ".join(old.conclusion.split())
    return Restatement(tuple(mapping), removed, implicit, concl, old, new)


# ------------------------------------------------------------------ applications


def reargue(r: Restatement, args: list[str], explicit_all: bool = False) -> list[str] | None:
    """The arguments of a call of the new lemma, from those of a call of the old one.

    ``args`` are the old call's arguments (the explicit ones; every one with
    ``@``).  An added argument becomes ``_``; a removed one is dropped; one
    that became implicit is passed by name (``(x := a)``); trailing ``_``
    are left out; one for a binder the new lemma no longer has is dropped.
    None when an argument cannot be placed.
    """
    assert r.old is not None and r.new is not None
    old_pos = list(range(len(r.old.binders))) if explicit_all else r.old.explicit
    given = {old_pos[k]: a for k, a in enumerate(args) if k < len(old_pos)}
    if len(args) > len(old_pos):
        return None  # more arguments than the old lemma takes (its conclusion applied further)
    new_pos = list(range(len(r.new.binders))) if explicit_all else r.new.explicit
    out: list[str] = []
    named: list[str] = []
    placed = set()
    for j in new_pos:
        m = r.mapping[j]
        out.append(given[m] if m is not None and m in given else "_")
        if m is not None and m in given:
            placed.add(m)
    if not explicit_all:
        for j, m in enumerate(r.mapping):
            b = r.new.binders[j]
            if m is not None and m in given and m not in placed and not b.explicit:
                if b.name is None:
                    return None
                named.append(f"({b.name} := {given[m]})")
                placed.add(m)
    # an argument given for a binder the new lemma no longer has is dropped
    while out and out[-1] == "_":
        out.pop()
    return named + out
