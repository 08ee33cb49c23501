"""The change map between two environments, from Coq's answers (not from a text diff).

Both environments load the same modules (the files a change touched, each in
its version); ``Search _ inside M`` lists what each defines, ``About`` says
what each name is, ``Print`` gives definitions, inductives and records, and
``Search`` in the new environment finds what comes closest to a name that is
gone.  Then:

- a name in both whose statement differs is *restated* (how its arguments
  moved: :mod:`.coqtypes`); a transparent one whose body differs is a
  *changed definition*;
- a name only before with a name only after of the same statement is
  *renamed* (inductives: the same constructors, up to their names);
- a name only before that nothing renames is *removed*, with the new lemmas
  whose statements come closest;
- an inductive's constructors (a record's fields) are compared in order:
  added, removed, renamed (same type, same place), reordered, restated;
- notations (``Locate`` of each notation the files declare) and section
  variables (the binders they add to the section's lemmas) are compared too.

Every comparison of statements reads them with the renames found so far
applied, so a lemma about a renamed definition is not reported restated.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field, replace

from ...provers.coq.sentences import IDENT_PATTERN, SplitError, split_sentences, strip_comments
from .changemap import (Candidate, ChangeMap, DefinitionChange, InductiveChange, NotationChange, Removed, Renamed,
                        Restated, SectionVariableChange, short)
from .coqtypes import (QUALID, compare, conclusion_pattern, normal_form, parse_type, split_top, substitute)
from .oldenv import CoqEnv

_SCHEME_SUFFIXES = ("_ind", "_rec", "_rect", "_sind", "_mut", "_ind_dep", "_rec_dep", "_rect_dep")
CANDIDATES = 5


@dataclass
class Entry:
    full: str
    printed: str
    type: str
    kind: str  # "Constant", "Inductive", "Constructor", ...
    transparent: bool | None
    module: str

    @property
    def role(self) -> str:
        if self.kind == "Inductive":
            return "inductive"
        if self.kind == "Constructor":
            return "constructor"
        return "definition" if self.transparent else "lemma"


@dataclass
class Side:
    """What one environment says about the modules compared."""

    env: CoqEnv
    entries: dict[str, Entry] = field(default_factory=dict)  # full name -> entry

    def load(self, modules: list[str]) -> None:
        for m in modules:
            for printed, typ in self.env.contents(m).items():
                about, _ = self.env.about(printed)
                if about is None:
                    continue
                self.entries[about.full_name] = Entry(about.full_name, printed, typ, about.kind, about.transparent, m)
        inductives = {e.full for e in self.entries.values() if e.kind == "Inductive"}
        for full in list(self.entries):
            if full.endswith(_SCHEME_SUFFIXES) and any(full == i + s for i in inductives for s in _SCHEME_SUFFIXES):
                del self.entries[full]

    def print(self, e: Entry) -> str:
        return self.env.ask(f"Print {e.printed}.") or ""


# ------------------------------------------------------------------ inductives as Coq prints them


@dataclass(frozen=True)
class Shape:
    kind: str  # "inductive" | "record"
    members: tuple[tuple[str, str], ...]  # (constructor or field, its type), in order
    builder: str | None = None  # a record's constructor


def read_shape(printed: str, name: str) -> Shape | None:
    """The constructors (or a record's fields) of inductive ``name`` (short) from ``Print`` output."""
    text = printed.split("\n\n", 1)[0]
    text = " ".join(text.split())
    m = re.match(r"(?:Inductive|CoInductive|Variant|Record|Structure|Class)\s", text)
    if not m:
        return None
    if text.startswith(("Record", "Structure", "Class")):
        rm = re.match(rf"\w+\s+(?:{IDENT_PATTERN})\b.*?:=\s*({IDENT_PATTERN})?\s*\{{(.*)\}}\s*\.?\s*$", text)
        if not rm:
            return None
        fields = []
        for part in split_top(rm.group(2), ";"):
            fname, sep, ftype = part.partition(":")
            if sep and fname.strip():
                fields.append((fname.strip().lstrip(">").strip(), " ".join(ftype.split())))
        return Shape("record", tuple(fields), rm.group(1))
    blocks = split_top(text.rstrip(". "), " with ")
    for block in blocks:
        head, sep, body = block.partition(":=")
        words = re.findall(IDENT_PATTERN, head)
        own = [w for w in words if w not in ("Inductive", "CoInductive", "Variant")]
        if not sep or not own or own[0] != name.rsplit(".", 1)[-1]:
            continue
        members = []
        for part in split_top(body, "|"):
            cname, csep, ctype = part.partition(":")
            if csep and re.fullmatch(IDENT_PATTERN, cname.strip()):
                members.append((cname.strip(), " ".join(ctype.split())))
        return Shape("inductive", tuple(members))
    return None


# ------------------------------------------------------------------ the comparison


class Comparison:
    """The change map between ``old`` and ``new`` (two environments loading the same modules)."""

    def __init__(self, old: CoqEnv, new: CoqEnv, old_modules: list[str], new_modules: list[str],
                 texts: list[tuple[str | None, str | None]] = (), module_moves: dict[str, str] | None = None,
                 focus: set[str] | None = None):
        """``texts``: (old, new) text of each file compared (for its notations and section variables);
        ``module_moves``: old module -> new module of a file that moved; ``focus``: short names whose
        replacements are searched for when they are gone (None: every name)."""
        self.old = Side(old)
        self.new = Side(new)
        self.old_modules = old_modules
        self.new_modules = new_modules
        self.texts = list(texts)
        self.moves = dict(module_moves or {})  # old module -> new module (a file moved)
        self.focus = focus
        self.printed_renames: dict[str, str] = {}  # old printed name -> new printed name
        self.notes: list[str] = []
        self._shapes: dict[tuple[bool, str], Shape | None] = {}  # (new?, full name) -> constructors or fields

    # ------------------------------------------------------------ helpers
    def _key(self, full: str) -> str:
        """An old full name as it would read after the change, were nothing renamed (a moved module)."""
        for o, n in self.moves.items():
            if full.startswith(o + "."):
                return n + full[len(o):]
        return full

    def _as_new(self, text: str) -> str:
        return substitute(text, self.printed_renames)

    def _same_statement(self, o: Entry, n: Entry) -> bool:
        return self._normal(self._as_new(o.type)) == self._normal(n.type)

    def _rename(self, o: Entry, n: Entry) -> None:
        if o.printed != n.printed:
            self.printed_renames[o.printed] = n.printed
            self.printed_renames.setdefault(short(o.full), short(n.full))

    # ------------------------------------------------------------ the map
    def run(self) -> ChangeMap:
        self.old.load(self.old_modules)
        self.new.load(self.new_modules)
        old, new = self.old.entries, self.new.entries
        new_keys = {self._key(f) for f in old}
        self.old_only = {f: e for f, e in old.items() if self._key(f) not in new}
        self.new_only = {f: e for f, e in new.items() if f not in new_keys}
        self.both = [(e, new[self._key(f)]) for f, e in old.items() if self._key(f) in new]
        for o, n in self.both:
            self._rename(o, n)  # a moved module prints its names differently
        self.renamed: list[Renamed] = []
        self.restated: list[Restated] = []
        self.inductives: list[InductiveChange] = []
        self.definitions: list[DefinitionChange] = []
        self.members: set[str] = set()  # constructors and fields: compared with their inductive
        self._inductives_renamed()
        self._constructors_and_fields()
        self._renamed_same_statement()
        self._renamed_and_restated()
        self._kept_names()
        done_old = {r.old for r in self.renamed} | {r.name for r in self.restated}
        removed = [self._removed(o, self.new_only) for o in self.old_only.values()
                   if o.full not in done_old and o.full not in self.members]
        done_new = {r.new for r in self.renamed} | {r.new_name for r in self.restated}
        added = tuple(sorted(n.full for n in self.new_only.values()
                             if n.full not in done_new and n.full not in self.members))
        svars = self._section_variables(self.restated)
        restated = [_with_section_vars(r, svars) for r in self.restated] if svars else self.restated
        return ChangeMap(tuple(self.renamed), tuple(removed), tuple(restated), tuple(self.inductives),
                         tuple(self.definitions), tuple(self._notations()), tuple(svars), added,
                         tuple(dict.fromkeys(self.old_modules + self.new_modules)), tuple(self.notes))

    # ------------------------------------------------------------ the steps of :meth:`run`
    def _shape(self, side: Side, e: Entry) -> Shape | None:
        key = (side is self.new, e.full)
        if key not in self._shapes:
            self._shapes[key] = read_shape(side.print(e), short(e.full))
        return self._shapes[key]

    def _shapes_of(self, o: Entry, n: Entry) -> tuple[Shape | None, Shape | None]:
        return self._shape(self.old, o), self._shape(self.new, n)

    def _taken(self) -> set[str]:
        return {r.new for r in self.renamed} | {r.new_name for r in self.restated}

    def _inductives_renamed(self) -> None:
        """An inductive only before and one only after with the same constructors' types (up to the names)."""
        for o in [e for e in self.old_only.values() if e.kind == "Inductive"]:
            best = None
            taken = self._taken()
            for n in [n for n in self.new_only.values() if n.kind == "Inductive" and n.full not in taken]:
                so, sn = self._shapes_of(o, n)
                if so is None or sn is None or so.kind != sn.kind or len(so.members) != len(sn.members):
                    continue
                trial = {**self.printed_renames, o.printed: n.printed}
                if all(" ".join(substitute(a[1], trial).split()) == " ".join(b[1].split())
                       for a, b in zip(so.members, sn.members)):
                    score = _similar(short(o.full), short(n.full))
                    if best is None or score > best[0]:
                        best = (score, n)
            if best is not None:
                self.renamed.append(Renamed(o.full, best[1].full, "inductive", best[1].type))
                self._rename(o, best[1])

    def _constructors_and_fields(self) -> None:
        pairs = [(o, n) for o, n in self.both if o.kind == "Inductive"]
        pairs += [(self.old.entries[r.old], self.new.entries[r.new]) for r in self.renamed if r.kind == "inductive"]
        for o, n in pairs:
            so, sn = self._shapes_of(o, n)
            if so is None or sn is None:
                continue
            for e, sh in ((o, so), (n, sn)):
                mod = e.full.rsplit(".", 1)[0]
                self.members |= {f"{mod}.{c}" for c, _ in sh.members} | ({f"{mod}.{sh.builder}"} if sh.builder else set())
            change = self._members(o, n, so, sn)
            if change is not None:
                self.inductives.append(change)

    def _renamed_same_statement(self) -> None:
        """Other names renamed: the same statement under a new name (again while renames are found)."""
        pending = True
        while pending:
            pending = False
            by_statement: dict[tuple[str, str], list[Entry]] = {}
            taken = self._taken()
            for n in self.new_only.values():
                if n.full not in self.members and n.full not in taken:
                    by_statement.setdefault((n.kind, self._normal(n.type)), []).append(n)
            done = {r.old for r in self.renamed}
            for o in list(self.old_only.values()):
                if o.kind == "Inductive" or o.full in self.members or o.full in done:
                    continue
                cands = [n for n in by_statement.get((o.kind, self._normal(self._as_new(o.type))), [])
                         if n.full not in taken]
                if not cands:
                    continue
                n = max(cands, key=lambda c: (self._same_body(o, c), _similar(short(o.full), short(c.full))))
                self.renamed.append(Renamed(o.full, n.full, n.role, n.type))
                self._rename(o, n)
                taken.add(n.full)
                pending = True

    def _renamed_and_restated(self) -> None:
        """A name only before and a close name only after with the same conclusion."""
        done = {r.old for r in self.renamed}
        for o in list(self.old_only.values()):
            if o.kind != "Constant" or o.full in self.members or o.full in done:
                continue
            best = None
            taken = self._taken()
            for n in self.new_only.values():
                if n.kind != "Constant" or n.full in self.members or n.full in taken:
                    continue
                sim = _similar(short(o.full), short(n.full))
                if sim < 0.6:
                    continue
                r = compare(parse_type(self._as_new(o.type)), parse_type(n.type))
                if not r.conclusion_changed and (best is None or sim > best[0]):
                    best = (sim, n)
            if best is not None:
                n = best[1]
                self.restated.append(Restated(o.full, n.full, n.role, self._as_new(o.type), n.type))
                self._rename(o, n)

    def _kept_names(self) -> None:
        """Names in both: restated statements, changed definitions."""
        for o, n in self.both:
            if o.kind == "Inductive" or o.full in self.members:
                continue
            same = self._same_statement(o, n)
            if not same:
                self.restated.append(Restated(o.full, n.full, n.role, self._as_new(o.type), n.type))
            if o.transparent and n.transparent:
                ob, nb = _body(self.old.print(o)), _body(self.new.print(n))
                if ob is not None and nb is not None and " ".join(self._as_new(ob).split()) != " ".join(nb.split()):
                    self.definitions.append(DefinitionChange(n.full, ob, nb, not same))

    def _normal(self, typ: str) -> str:
        try:
            return normal_form(parse_type(typ))
        except Exception:  # a type the reader does not follow: its text
            return " ".join(typ.split())

    def _same_body(self, o: Entry, n: Entry) -> bool:
        if not (o.transparent and n.transparent):
            return False
        ob, nb = _body(self.old.print(o)), _body(self.new.print(n))
        return ob is not None and nb is not None and " ".join(self._as_new(ob).split()) == " ".join(nb.split())

    def _members(self, o: Entry, n: Entry, so: Shape, sn: Shape) -> InductiveChange | None:
        old_names = [c for c, _ in so.members]
        new_names = [c for c, _ in sn.members]
        otype = dict(so.members)
        ntype = dict(sn.members)
        renamed: list[tuple[str, str]] = []
        changed: list[str] = []

        def same(a: str, b: str) -> bool:
            return " ".join(self._as_new(otype[a]).split()) == " ".join(ntype[b].split())

        for c in old_names:
            if c in ntype and not same(c, c):
                changed.append(c)
        gone = [c for c in old_names if c not in ntype]
        fresh = [c for c in new_names if c not in otype]
        for c in gone:
            cands = [d for d in fresh if same(c, d) and d not in {b for _, b in renamed}]
            if not cands:
                continue
            pos = old_names.index(c)
            d = min(cands, key=lambda d: (abs(new_names.index(d) - pos), -_similar(c, d)))
            renamed.append((c, d))
        if so.builder and sn.builder and so.builder != sn.builder:
            renamed.append((so.builder, sn.builder))
        for a, b in renamed:
            mod_o, mod_n = o.full.rsplit(".", 1)[0], n.full.rsplit(".", 1)[0]
            oe, ne = self.old.entries.get(f"{mod_o}.{a}"), self.new.entries.get(f"{mod_n}.{b}")
            if oe is not None and ne is not None:
                self._rename(oe, ne)
        change = InductiveChange(o.full, n.full, so.kind, tuple(old_names), tuple(new_names), tuple(renamed),
                                 tuple(changed))
        if not (change.added or change.removed or change.renamed or change.changed or change.reordered
                or o.full != n.full):
            return None
        return change

    def _removed(self, o: Entry, new_only: dict[str, Entry]) -> Removed:
        """``o`` is gone: the new lemmas whose statements come closest (``Search`` with its conclusion, else
        its hypotheses, and with the constants of its conclusion), ranked by how their statements compare."""
        if self.focus is not None and short(o.full) not in self.focus:
            return Removed(o.full, o.role, o.type)
        try:
            tele = parse_type(self._as_new(o.type))
        except Exception:
            return Removed(o.full, o.role, o.type)
        pool: dict[str, str] = {}
        pattern = conclusion_pattern(tele)
        if pattern.strip("_ ()"):
            pool.update(self.new.env.search(f"({pattern})"))
        if not pool:  # nothing concludes the same: what rests on the same hypotheses
            bound = {b.name: "_" for b in tele.binders if b.name}
            for h in [b for b in tele.binders if b.name is None][:2]:
                hyp = substitute(h.type, bound)
                if hyp.strip("_ ()"):
                    pool.update(self.new.env.search(f"({hyp})"))
        consts = [t for t in dict.fromkeys(QUALID.findall(tele.conclusion))
                  if t not in {b.name for b in tele.binders} and not _is_keyword(t)]
        if len(pool) < CANDIDATES and consts:
            pool.update(self.new.env.search(*consts[:2]))
        pool.update({n.printed: n.type for n in new_only.values() if n.kind == o.kind and n.role == o.role})
        pool.pop(o.printed, None)
        scored = []
        for name, typ in pool.items():
            try:
                r = compare(tele, parse_type(typ))
            except Exception:
                continue
            matched = sum(m is not None for m in r.mapping)
            scored.append(((not r.conclusion_changed, matched - len(r.added) - len(r.removed),
                            _similar(short(o.full), short(name))), name, typ))
        scored.sort(key=lambda s: s[0], reverse=True)
        full = []
        for _, name, typ in scored[:CANDIDATES]:
            about, _ = self.new.env.about(name)
            full.append(Candidate(about.full_name if about else name, typ))
        return Removed(o.full, o.role, o.type, tuple(full))

    def _notations(self) -> list[NotationChange]:
        symbols: dict[str, str] = {}
        for old_text, new_text in self.texts:
            for t in (old_text, new_text):
                for notation in _declared_notations(t or ""):
                    sym = _notation_symbol(notation)
                    if sym:
                        symbols.setdefault(notation, sym)
        out = []
        for notation, sym in symbols.items():
            o = _interpretation(self.old.env.locate_notation(sym), notation)
            n = _interpretation(self.new.env.locate_notation(sym), notation)
            if o is not None and n is not None:
                o_cmp = " ".join(self._as_new(o).split())
                if o_cmp == " ".join(n.split()):
                    continue
            if o != n:
                out.append(NotationChange(notation, o, n))
        return out

    def _section_variables(self, restated: list[Restated]) -> list[SectionVariableChange]:
        old_vars: dict[str, str] = {}
        new_vars: dict[str, str] = {}
        for old_text, new_text in self.texts:
            old_vars.update(_section_variables(old_text or ""))
            new_vars.update(_section_variables(new_text or ""))
        out = []
        for name in sorted(old_vars.keys() | new_vars.keys()):
            o, n = old_vars.get(name), new_vars.get(name)
            if o is not None and n is not None and " ".join(o.split()) == " ".join(n.split()):
                continue
            lemmas = []
            for r in restated:
                how = r.how
                assert how.old is not None and how.new is not None
                touched = {how.new.binders[i].name for i in how.added} | {how.old.binders[i].name for i in how.removed}
                touched |= {nm for nm, _, _ in how.implicit_changed}
                types = {how.new.binders[i].type for i in how.added} | {how.old.binders[i].type for i in how.removed}
                if name in touched or (n and " ".join(n.split()) in types) or (o and " ".join(o.split()) in types) \
                        or (o is not None and n is not None and name in {b.name for b in how.new.binders}):
                    lemmas.append(r.new_name)
            out.append(SectionVariableChange(name, o, n, tuple(lemmas)))
        return out


def _with_section_vars(r: Restated, svars: list[SectionVariableChange]) -> Restated:
    """``r`` with the section variables among the binders it gained or lost (by name, or a hypothesis by type)."""
    how = r.how
    assert how.new is not None and how.old is not None
    moved = [how.new.binders[i] for i in how.added] + [how.old.binders[i] for i in how.removed]
    names = {b.name for b in moved if b.name}
    types = {" ".join(b.type.split()) for b in moved if b.name is None}
    hit = tuple(sorted(s.name for s in svars if s.name in names or any(
        t is not None and " ".join(t.split()) in types for t in (s.old_type, s.new_type))))
    if not hit:
        return r
    return replace(r, section_variables=hit)


def _similar(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a.lower(), b.lower()).ratio()


_KEYWORDS = {"forall", "exists", "fun", "match", "with", "end", "let", "in", "if", "then", "else", "as", "return",
             "Type", "Prop", "Set", "SProp", "fix", "cofix"}


def _is_keyword(t: str) -> bool:
    return t in _KEYWORDS


def _body(printed: str) -> str | None:
    """A transparent constant's body from ``Print`` output (``name = body : type``)."""
    text = printed.split("\n\nArguments", 1)[0]
    text = re.split(r"\n\s+: ", text, maxsplit=1)[0]
    head, sep, body = text.partition(" = ")
    if not sep:
        fix = re.match(rf"\s*({IDENT_PATTERN}(?:\.{IDENT_PATTERN})*)\s*=\s*\n?(.*)", text, re.S)
        return " ".join(fix.group(2).split()) if fix else None
    return " ".join(body.split())


_NOTATION = re.compile(r'\b(?:Notation|Infix)\s+"((?:[^"]|"")+)"')


def _declared_notations(text: str) -> list[str]:
    try:
        sentences = split_sentences(text)
    except SplitError:
        return []
    out = []
    for s in sentences:
        clean = strip_comments(s.text)
        if "Reserved" in clean.split()[:3]:
            continue
        m = _NOTATION.search(clean)
        if m:
            notation = m.group(1)
            if clean.lstrip().startswith(("Infix", "Local Infix", "#[local] Infix", "Global Infix")) \
                    or re.search(r"\bInfix\b", clean.split('"')[0]):
                notation = f"x {notation} y"
            out.append(notation)
    return out


def _notation_symbol(notation: str) -> str | None:
    """The notation's longest symbol (what ``Locate`` is asked about)."""
    parts = [p.strip("'") for p in notation.split()]
    symbols = [p for p in parts if p and not re.fullmatch(IDENT_PATTERN, p) and p not in ("..", "_")]
    if not symbols:
        words = [p for p in parts[1:] if p]
        return max(words, key=len) if words else None
    return max(symbols, key=len)


def _interpretation(located: str | None, notation: str) -> str | None:
    """What ``notation`` stands for, from ``Locate`` output (None: not there)."""
    if not located:
        return None
    want = " ".join(notation.split())
    for block in re.split(r"\n(?=Notation )", located):
        m = re.match(r'Notation\s+"((?:[^"]|"")+)"\s*:=\s*(.*)', " ".join(block.split()))
        if m and " ".join(m.group(1).split()) == want:
            interp = re.sub(r"\s*\((?:default interpretation|in scope [^)]*)\)\s*$", "", m.group(2)).strip()
            return interp
    return None


_VARIABLE = re.compile(r"^\s*(?:Variables?|Hypothes(?:is|es)|Context)\s+(.*)$", re.S)


def _section_variables(text: str) -> dict[str, str]:
    """Section variables the text declares: name -> type as written."""
    try:
        sentences = split_sentences(text)
    except SplitError:
        return {}
    out: dict[str, str] = {}
    depth = 0
    for s in sentences:
        clean = " ".join(strip_comments(s.text).split()).rstrip(".")
        if re.match(r"^Section\s", clean):
            depth += 1
            continue
        if re.match(r"^End\s", clean) and depth:
            depth -= 1
            continue
        m = _VARIABLE.match(clean)
        if not m or not depth:
            continue
        rest = m.group(1).strip()
        groups = re.findall(r"[({]([^(){}]*)[)}]", rest) if rest[:1] in "({" else [rest]
        for g in groups:
            names, sep, typ = g.partition(":")
            if sep:
                for n in names.split():
                    out[n.strip("`!")] = typ.strip()
    return out

