"""The statement that two versions of a definition agree.

Given the old and the new text of a file that both define ``F`` (a
``Definition`` or ``Fixpoint`` with explicit binders), :func:`combine` puts
together

- the ``Require``/``Import``/``Open Scope`` lines of both texts;
- ``F`` and what it depends on as the new text defines them — written out, or,
  for a file of a project, brought in by importing its module;
- ``F`` and what it depends on as the old text defines them, where they differ,
  renamed with an ``_old`` suffix (``F_old``); identical dependencies (same
  text, same dependencies) are shared, so types like ``expr`` stay one type;

and :func:`equivalence_statement` states
``Theorem F_equiv : forall (x1 : T1) ..., F_old x1 ... = F x1 ....``

The statement's binders come from ``F``'s own binders (and the arrows of its
result type); where a binder has no type, from Coq's ``Check F``.  Notations,
hints and ``Arguments`` of the old text are not carried over; implicit binders
are refused.  Used by ``eval make-equivalence`` (corpus tasks) and by
``equiv --since`` (changes in a git repository).
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ...provers.coq.batch import compile_text, parse_diagnostics
from ...provers.coq.project import CoqProject
from ...provers.errors import InputError
from ...provers.limits import Limits
from .definitions import IDENT, Item, _deps, _index, _keyword, _split_with, closure, read_items

# ------------------------------------------------------------------ the statement


def _balanced(s: str, i: int, open_: str, close: str) -> int:
    """Index just after the bracket closing the one at ``s[i]``."""
    depth = 0
    for j in range(i, len(s)):
        if s[j] == open_:
            depth += 1
        elif s[j] == close:
            depth -= 1
            if depth == 0:
                return j + 1
    raise InputError(f"unbalanced {open_}{close} in {s[:80]!r}")


def _top_level_split(s: str, sep: str) -> list[str]:
    parts, depth, start, i = [], 0, 0, 0
    while i < len(s):
        c = s[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif depth == 0 and s.startswith(sep, i):
            parts.append(s[start:i])
            i += len(sep)
            start = i
            continue
        i += 1
    parts.append(s[start:])
    return [p.strip() for p in parts]


def _signature(item: Item, name: str) -> str:
    """The text after ``name`` up to its ``:=`` (its binders and result type)."""
    for part in _split_with(_keyword(item.text)[1]):
        m = re.match(r"\s*" + re.escape(name) + r"(?![\w'])", part)
        if m:
            head = _top_level_split(part[m.end():], ":=")[0]
            return head
    raise InputError(f"cannot find the binders of {name}")


def parse_binders(sig: str) -> tuple[list[tuple[str, str | None]], str | None]:
    """([(name, type or None)], result type or None) from ``(x y : T) (z : U) {struct x} : R``."""
    binders: list[tuple[str, str | None]] = []
    i = 0
    s = sig.strip()
    while i < len(s):
        c = s[i]
        if c.isspace():
            i += 1
        elif c == "(":
            j = _balanced(s, i, "(", ")")
            inner = s[i + 1 : j - 1]
            if ":=" in inner:
                raise InputError(f"let-binders are not supported: ({inner})")
            parts = inner.split(":", 1)
            names = parts[0].split()
            ty = parts[1].strip() if len(parts) == 2 else None
            binders += [(n, ty) for n in names]
            i = j
        elif c == "{":
            j = _balanced(s, i, "{", "}")
            inner = s[i + 1 : j - 1].strip()
            if not re.match(r"(struct|measure|wf)\b", inner):
                raise InputError(f"implicit binders are not supported: {{{inner}}}")
            i = j
        elif c in "`'":
            raise InputError(f"generalised or pattern binders are not supported: {s[i:i + 30]!r}")
        elif c == ":":
            return binders, s[i + 1 :].strip() or None
        else:
            m = re.match(IDENT, s[i:])
            if not m:
                raise InputError(f"cannot read the binders {s!r}")
            binders.append((m.group(0), None))
            i += m.end()
    return binders, None


def argument_types(arrow_type: str) -> list[str]:
    """``A -> B -> C`` → [A, B] (top-level arrows only)."""
    t = arrow_type.strip()
    if t.startswith("forall") or t.startswith("∀"):
        raise InputError(f"dependent result types are not supported: {t[:60]!r}")
    return _top_level_split(t, "->")[:-1]


def statement(name: str, old_name: str, theorem: str, args: list[tuple[str, str]]) -> str:
    binders = " ".join(f"({n} : {t})" for n, t in args)
    call = " ".join(n for n, _ in args)
    lhs = f"{old_name} {call}".strip()
    rhs = f"{name} {call}".strip()
    if not args:
        return f"Theorem {theorem} : {lhs} = {rhs}."
    return f"Theorem {theorem} : forall {binders}, {lhs} = {rhs}."


# ------------------------------------------------------------------ putting it together


@dataclass(frozen=True)
class Combination:
    """The old version of ``function`` brought in beside the new one, under fresh names."""

    function: str
    old_name: str  # the fresh name of the old version
    prefix: str  # the file up to the statement
    renamed: dict[str, str]  # every old name given a fresh one
    old_tokens: frozenset[str]  # identifiers the old version and its dependencies mention
    new_signature: str  # the new definition's binders and result type
    taken: frozenset[str]  # names in use: a new name must avoid them
    headers: tuple[str, ...] = ()  # the Require/Import/Open lines the prefix starts with
    old_defined: frozenset[str] = frozenset()  # every name the old text defines


def _fresh(name: str, taken: set[str]) -> str:
    cand, k = f"{name}_old", 2
    while cand in taken:
        cand, k = f"{name}_old{k}", k + 1
    return cand


def _rename(text: str, mapping: dict[str, str]) -> str:
    if not mapping:
        return text
    pat = re.compile(r"(?<![\w'.])(" + "|".join(re.escape(k) for k in sorted(mapping, key=len, reverse=True)) + r")(?![\w'])")
    return pat.sub(lambda m: mapping[m.group(1)], text)


def combine(old_text: str, new_text: str, function: str, old_where: str = "OLD.v", new_where: str = "NEW.v", *,
            import_new: str | None = None, reserved: frozenset[str] = frozenset()) -> Combination:
    """Bring the old ``function`` in beside the new one.

    ``import_new``: the command that loads the new text as a compiled module
    (``From P Require Import M.``); the new definitions are then not written
    out, and every old definition that differs gets a fresh name.
    ``reserved``: names the fresh ones must avoid besides those of both texts.
    """
    if not re.fullmatch(IDENT, function):
        raise InputError(f"not a Coq identifier: {function!r}")
    old_headers, old_items = read_items(old_text, old_where)
    new_headers, new_items = read_items(new_text, new_where)
    new_keep = closure(new_items, function, new_where)
    if import_new is not None:
        new_keep = list(range(len(new_items)))  # the whole module is loaded
    old_keep = closure(old_items, function, old_where)
    new_norm = {new_items[i].normal: i for i in new_keep}
    old_where_idx = _index(old_items)

    shared: set[int] = set()  # old items identical to a new one, with identical dependencies
    for i in old_keep:
        it = old_items[i]
        if function not in it.names and it.normal in new_norm and _deps(old_items, i, old_where_idx) <= shared:
            shared.add(i)
    old_own = [i for i in old_keep if i not in shared]
    old_defined = {n for it in old_items for n in it.names}
    clash = sorted({t for i in old_keep for t in old_items[i].tokens} & ({n for it in new_items for n in it.names} - old_defined))
    if clash:
        raise InputError(f"the old {function} uses {', '.join(clash[:5])}, which the new text defines and the old one "
                         "did not: beside it, the old version would not mean what it meant")

    new_names = {n for i in new_keep for n in new_items[i].names}
    new_tokens = {t for i in new_keep for t in new_items[i].tokens}
    taken = new_names | {n for it in old_items for n in it.names} | new_tokens | set(reserved)
    mapping: dict[str, str] = {}
    for i in old_own:
        for n in old_items[i].names:
            if import_new is not None or n == function or n in new_names or n in new_tokens:
                mapping[n] = _fresh(n, taken)
                taken.add(mapping[n])
    old_name = mapping[function]

    headers = list(dict.fromkeys(new_headers + old_headers + ([import_new] if import_new else [])))
    old_part = "\n\n".join(_rename(old_items[i].text, mapping) for i in old_own)
    new_part = "" if import_new is not None else (
        f"\n\n(* {function} and its dependencies as {Path(new_where).name} defines them. *)\n\n"
        + "\n\n".join(new_items[i].text for i in new_keep))
    prefix = (
        "\n".join(headers)
        + new_part
        + f"\n\n(* {function} as {old_where if import_new is not None else Path(old_where).name} defines it, renamed {old_name}"
        + (f"; also renamed: {', '.join(f'{k} -> {v}' for k, v in mapping.items() if k != function)}" if len(mapping) > 1 else "")
        + ". *)\n\n"
        + old_part
        + "\n"
    )
    new_def = new_items[_index(new_items)[function]]
    return Combination(function, old_name, prefix, mapping, frozenset(t for i in old_keep for t in old_items[i].tokens),
                       _signature(new_def, function), frozenset(taken), tuple(headers),
                       frozenset(old_defined))


def equivalence_statement(comb: Combination, check_type=None) -> tuple[str, str]:
    """(``Theorem F_equiv : ...``, its name).  ``check_type(prefix_text, name)`` gives ``F``'s type when binders lack types."""
    function = comb.function
    binders, result = parse_binders(comb.new_signature)
    if any(t is None for _, t in binders) or result is None:
        if check_type is None:
            raise InputError(f"the binders of {function} lack types; cannot state the equivalence")
        types = argument_types(check_type(comb.prefix, function))
        names = [n for n, _ in binders] + [f"x{k}" for k in range(len(binders) + 1, len(types) + 1)]
        args = list(zip(names, types))
    else:
        extra = argument_types(result)
        used = {n for n, _ in binders}
        more = []
        for k in range(1, len(extra) + 1):
            n, j = f"x{k}", k
            while n in used:
                j += 1
                n = f"x{j}"
            used.add(n)
            more.append(n)
        args = [(n, t) for n, t in binders] + list(zip(more, extra))
    theorem = f"{function}_equiv"
    while theorem in comb.taken:
        theorem += "'"
    return statement(function, comb.old_name, theorem, [(n, _paren_free(t)) for n, t in args]), theorem


def build(old_text: str, new_text: str, function: str, old_where: str = "OLD.v", new_where: str = "NEW.v",
          check_type=None) -> tuple[str, str]:
    """(file text ending in ``Admitted.``, theorem name) with both versions written out."""
    comb = combine(old_text, new_text, function, old_where, new_where)
    stmt, theorem = equivalence_statement(comb, check_type)
    return comb.prefix + "\n" + stmt + "\nProof.\nAdmitted.\n", theorem


def _paren_free(t: str) -> str:
    return " ".join(t.split())


def coq_type(project: CoqProject, limits: Limits):
    """A ``check_type`` that asks coqc for ``Check F.``"""
    def check(prefix: str, name: str) -> str:
        with tempfile.TemporaryDirectory(prefix="proofmend-equiv-") as tmp:
            text = prefix + f"\nCheck {name}.\n"
            rc, out, _, src = compile_text(project, text, "Equiv_check.v", limits, workdir=Path(tmp))
        if rc != 0:
            raise InputError(f"the combined definitions do not compile: {first_error(out, text, src)}")
        m = re.search(re.escape(name) + r"\s*\n\s*:\s*(.*?)\s*$", out, re.S)
        if not m:
            raise InputError(f"cannot read the type of {name} from coqc: {out.strip()[:200]}")
        return " ".join(m.group(1).split())
    return check


def first_error(out: str, text: str, src: Path) -> str:
    """The first error of a coqc run, as ``line L: message``."""
    diags = [d for d in parse_diagnostics(out, text, str(src)) if d.severity == "error"]
    if diags:
        return f"line {diags[0].line}: {diags[0].message.splitlines()[0]}"
    return (out.strip().splitlines() or ["coqc failed"])[-1]
