"""The change map: what a change did to the names a proof may use, as data.

Computed by :mod:`.changes` from Coq's answers in the two environments (the
version before the change and the one after); read by the stale-proof repair
(:mod:`.staleedit`, used by :mod:`..proposers.stale`) and shown to a model (its lines, :meth:`ChangeMap.lines`).
Names are fully qualified (``Calc.Base.add_zero_r``); :func:`short` gives the
part a proof writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .coqtypes import Restatement, compare, parse_type


def spellings(full: str) -> list[str]:
    """Ways a proof may write ``full``, shortest first (``add_0_l``, ``Nat.add_0_l``, …, the full name):
    which of them names it depends on what the file imports."""
    parts = full.split(".")
    return [".".join(parts[k:]) for k in range(len(parts) - 1, -1, -1)]


def short(full: str, module: str | None = None) -> str:
    """``full`` as a proof in ``module`` (or anywhere it is imported) writes it: the part after the module."""
    if module and full.startswith(module + "."):
        return full[len(module) + 1 :]
    return full.rsplit(".", 1)[-1]


@dataclass(frozen=True)
class Renamed:
    old: str
    new: str
    kind: str  # "lemma", "definition", "inductive", "constructor", "field"
    type: str  # the new type

    def to_json(self) -> dict:
        return {"old": self.old, "new": self.new, "kind": self.kind, "type": self.type}


@dataclass(frozen=True)
class Candidate:
    name: str
    type: str


@dataclass(frozen=True)
class Removed:
    name: str
    kind: str
    type: str  # its type before the change
    candidates: tuple[Candidate, ...] = ()  # new names whose statements come closest, best first

    def candidate_names(self) -> list[str]:
        """The candidates as a proof may write them (each in its spellings, shortest first)."""
        return [s for c in self.candidates for s in spellings(c.name)[:3]]

    def to_json(self) -> dict:
        return {"name": self.name, "kind": self.kind, "type": self.type,
                "candidates": [{"name": c.name, "type": c.type} for c in self.candidates]}


@dataclass(frozen=True)
class Restated:
    """A lemma (or definition) whose statement changed, possibly under a new name."""

    name: str  # before the change
    new_name: str  # after it (the same unless renamed too)
    kind: str
    old_type: str
    new_type: str
    section_variables: tuple[str, ...] = ()  # binders that are section variables (not written inside the section)

    @property
    def how(self) -> Restatement:
        return compare(parse_type(self.old_type), parse_type(self.new_type))

    def differences(self) -> list[str]:
        """What changed in the statement, in words."""
        r = self.how
        assert r.old is not None and r.new is not None
        out = []
        if r.permuted:
            out.append("arguments in another order")
        for i in r.added:
            b = r.new.binders[i]
            out.append(f"new argument `{b.name} : {b.type}`" if b.name else f"new hypothesis `{b.type}`")
        for i in r.removed:
            b = r.old.binders[i]
            out.append(f"argument `{b.name} : {b.type}` removed" if b.name else f"hypothesis `{b.type}` removed")
        for name, old, new in r.implicit_changed:
            out.append(f"`{name}` is now {'implicit' if new else 'explicit'}")
        if r.conclusion_changed:
            out.append("conclusion changed")
        return out

    def call_example(self) -> str | None:
        """``foo a b`` becomes ``bar b a``: an application of the old one written for the new one."""
        from .coqtypes import reargue

        r = self.how
        if not r.calls_change or r.old is None:
            return None
        hyps = iter(range(1, len(r.old.binders) + 1))
        names = [b.name or f"H{next(hyps)}" for b in r.old.binders]
        args = [names[i] for i in r.old.explicit]
        new = reargue(r, args)
        if new is None:
            return None
        return f"{' '.join([short(self.name), *args])} ~> {' '.join([short(self.new_name), *new])}"

    def to_json(self) -> dict:
        r = self.how
        assert r.old is not None and r.new is not None

        def b(t, i):
            x = t.binders[i]
            return {"name": x.name, "type": x.type, "implicit": x.implicit or None}

        return {"name": self.name, "new_name": self.new_name, "kind": self.kind,
                "old_type": self.old_type, "new_type": self.new_type,
                "arguments": [None if m is None else m for m in r.mapping],
                "added": [b(r.new, i) for i in r.added], "removed": [b(r.old, i) for i in r.removed],
                "implicits": [{"name": n, "old": o or None, "new": w or None} for n, o, w in r.implicit_changed],
                "permuted": r.permuted, "conclusion_changed": r.conclusion_changed,
                "call": self.call_example(), "section_variables": list(self.section_variables)}


@dataclass(frozen=True)
class InductiveChange:
    name: str  # before the change
    new_name: str
    kind: str  # "inductive" | "record"
    old: tuple[str, ...]  # constructors (or fields), in order, before
    new: tuple[str, ...]  # after, in order
    renamed: tuple[tuple[str, str], ...] = ()  # (old, new) short names
    changed: tuple[str, ...] = ()  # kept under their name, with another type

    @property
    def added(self) -> tuple[str, ...]:
        back = {n for _, n in self.renamed}
        return tuple(c for c in self.new if c not in self.old and c not in back)

    @property
    def removed(self) -> tuple[str, ...]:
        gone = {o for o, _ in self.renamed}
        return tuple(c for c in self.old if c not in self.new and c not in gone)

    @property
    def reordered(self) -> bool:
        ren = dict(self.renamed)
        kept = [ren.get(c, c) for c in self.old if ren.get(c, c) in self.new]
        return kept != [c for c in self.new if c in kept]

    def position(self) -> list[int | None]:
        """For each new constructor, the index of the old one it is (None: new)."""
        ren = dict(self.renamed)
        where = {ren.get(c, c): i for i, c in enumerate(self.old)}
        return [where.get(c) for c in self.new]

    def to_json(self) -> dict:
        word = "fields" if self.kind == "record" else "constructors"
        return {"name": self.name, "new_name": self.new_name, "kind": self.kind, f"old_{word}": list(self.old),
                f"new_{word}": list(self.new), "added": list(self.added), "removed": list(self.removed),
                "renamed": [list(p) for p in self.renamed], "reordered": self.reordered, "changed": list(self.changed)}


@dataclass(frozen=True)
class DefinitionChange:
    name: str
    old: str  # its body as Coq prints it, before
    new: str
    type_changed: bool = False

    def to_json(self) -> dict:
        return {"name": self.name, "old": self.old, "new": self.new, "type_changed": self.type_changed}


@dataclass(frozen=True)
class NotationChange:
    notation: str
    old: str | None  # its interpretation before (None: did not exist)
    new: str | None

    def to_json(self) -> dict:
        return {"notation": self.notation, "old": self.old, "new": self.new}


@dataclass(frozen=True)
class SectionVariableChange:
    name: str
    old_type: str | None  # None: added
    new_type: str | None  # None: removed
    lemmas: tuple[str, ...] = ()  # whose statements it changed

    def to_json(self) -> dict:
        return {"name": self.name, "old_type": self.old_type, "new_type": self.new_type, "lemmas": list(self.lemmas)}


@dataclass(frozen=True)
class ChangeMap:
    renamed: tuple[Renamed, ...] = ()
    removed: tuple[Removed, ...] = ()
    restated: tuple[Restated, ...] = ()
    inductives: tuple[InductiveChange, ...] = ()
    definitions: tuple[DefinitionChange, ...] = ()
    notations: tuple[NotationChange, ...] = ()
    section_variables: tuple[SectionVariableChange, ...] = ()
    added: tuple[str, ...] = ()
    modules: tuple[str, ...] = ()  # the modules compared
    notes: tuple[str, ...] = field(default=())  # what could not be compared, and why

    @property
    def empty(self) -> bool:
        return not (self.renamed or self.removed or self.restated or self.inductives or self.definitions
                    or self.notations or self.section_variables)

    # ------------------------------------------------------------ lookups by the name a proof writes
    def renames(self) -> dict[str, str]:
        """Short old name -> short new name, for every renamed name (constructors and fields too)."""
        out = {short(r.old): short(r.new) for r in self.renamed}
        out.update({short(r.name): short(r.new_name) for r in self.restated if r.new_name != r.name})
        for ind in self.inductives:
            out.update(dict(ind.renamed))
            if ind.new_name != ind.name:
                out[short(ind.name)] = short(ind.new_name)
        return {o: n for o, n in out.items() if o != n}

    def restated_by_short(self) -> dict[str, Restated]:
        return {short(r.name): r for r in self.restated}

    def removed_by_short(self) -> dict[str, Removed]:
        return {short(r.name): r for r in self.removed}

    def changed_definitions(self) -> list[str]:
        return [short(d.name) for d in self.definitions]

    # ------------------------------------------------------------ output
    def to_json(self) -> dict:
        return {"modules": list(self.modules),
                "renamed": [r.to_json() for r in self.renamed],
                "removed": [r.to_json() for r in self.removed],
                "restated": [r.to_json() for r in self.restated],
                "inductives": [i.to_json() for i in self.inductives],
                "definitions": [d.to_json() for d in self.definitions],
                "notations": [n.to_json() for n in self.notations],
                "section_variables": [s.to_json() for s in self.section_variables],
                "added": list(self.added), "notes": list(self.notes)}

    def lines(self, limit: int = 40) -> list[str]:
        """One sentence per change, for people and models (short names)."""
        out: list[str] = []
        for r in self.renamed:
            out.append(f"`{short(r.old)}` was renamed `{short(r.new)}` ({r.kind}; same statement)")
        for r in self.restated:
            head = (f"`{short(r.name)}` was renamed `{short(r.new_name)}` and restated" if r.new_name != r.name
                    else f"`{short(r.name)}` was restated")
            line = f"{head}: it was `{r.old_type}`, it is `{r.new_type}`"
            diff = r.differences()
            if diff:
                line += f" ({'; '.join(diff)})"
            call = r.call_example()
            if call and call.split(" ~> ")[0] != call.split(" ~> ")[1]:
                line += f"; where the old one was called `{call.split(' ~> ')[0]}`, write `{call.split(' ~> ')[1]}`"
            out.append(line)
        for r in self.removed:
            line = f"`{short(r.name)}` was removed (it was `{r.type}`)"
            if r.candidates:
                line += "; closest now: " + ", ".join(f"`{short(c.name)} : {c.type}`" for c in r.candidates[:3])
            out.append(line)
        for i in self.inductives:
            word = "field" if i.kind == "record" else "constructor"
            parts = []
            if i.new_name != i.name:
                parts.append(f"renamed `{short(i.new_name)}`")
            if i.added:
                parts.append(f"new {word}s " + ", ".join(f"`{c}`" for c in i.added))
            if i.removed:
                parts.append(f"{word}s removed: " + ", ".join(f"`{c}`" for c in i.removed))
            if i.renamed:
                parts.append(", ".join(f"`{o}` renamed `{n}`" for o, n in i.renamed))
            if i.changed:
                parts.append(f"{word}s restated: " + ", ".join(f"`{c}`" for c in i.changed))
            if i.reordered:
                parts.append(f"{word}s reordered")
            out.append(f"`{short(i.name)}` ({i.kind}): " + "; ".join(parts) + f" — now {' | '.join(i.new)}")
        for d in self.definitions:
            out.append(f"the definition of `{short(d.name)}` changed{' (and its type)' if d.type_changed else ''}: "
                       f"it was `{_cut(d.old)}`, it is `{_cut(d.new)}`")
        for n in self.notations:
            if n.old is None:
                out.append(f"new notation `{n.notation}` := `{n.new}`")
            elif n.new is None:
                out.append(f"notation `{n.notation}` was removed (it was `{n.old}`)")
            else:
                out.append(f"notation `{n.notation}` changed: it was `{n.old}`, it is `{n.new}`")
        for s in self.section_variables:
            what = ("was added" if s.old_type is None else "was removed" if s.new_type is None
                    else f"changed from `{s.old_type}` to `{s.new_type}`")
            out.append(f"section variable `{s.name}` {what}" + (
                f" (statements of {', '.join(f'`{short(x)}`' for x in s.lemmas[:5])})" if s.lemmas else ""))
        if len(out) > limit:
            out = out[:limit] + [f"… and {len(out) - limit} more changes"]
        return out


def _cut(text: str, n: int = 300) -> str:
    t = " ".join(text.split())
    return t if len(t) <= n else t[: n - 1] + "…"
