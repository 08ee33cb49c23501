"""What a compiled module exports, beyond its constants: its modules, module types and functors.

``Search _ inside`` (see :mod:`.account`) lists every constant of a module
and of its sub-modules, with its type, but nothing of a functor's body (it
defines no constant until it is applied) nor of a module type.  Coq's
``Print Module`` of a module lists what it holds, sub-modules by name and
kind; of a functor or a module type it prints the whole signature, each
field with its type.  So the walk asks ``Print Module`` recursively from the
file's module, and records for every structure its kind and, for functors and
module types, the signature as Coq prints it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .queries import CoqQueries, QueryError

# A sub-structure as Coq lists it inside 'Struct … End': "Module B", "Module Type U".
_LISTED = re.compile(r"(?:(?<=\s)|^)Module(\s+Type)?\s+([^\s.:]+)(?=\s)")


@dataclass(frozen=True)
class Structure:
    path: str  # fully qualified
    kind: str  # "module", "sealed", "functor", "module_type"
    printed: str  # what Coq prints of it, whitespace collapsed (signatures compared for functors and module types)


def _kind(printed: str, name: str) -> str:
    rest = printed.split(name, 1)[1].lstrip() if name in printed else printed
    if rest.startswith(":="):
        return "functor" if rest[2:].lstrip().startswith("Functor") else "module"
    if rest.startswith(":"):
        return "functor" if rest[1:].lstrip().startswith("Funsig") else "sealed"
    return "module"


def structures(queries: CoqQueries, root: str) -> dict[str, Structure]:
    """Every module, sealed module, functor and module type under ``root`` (a module's full name), by full name."""
    out: dict[str, Structure] = {}
    todo = [root]
    while todo:
        path = todo.pop()
        printed = " ".join(queries.ask_text(f"Print Module {path}.").split())
        short = printed.split()[1] if printed.startswith("Module ") and len(printed.split()) > 1 else path
        kind = _kind(printed, short) if path != root else "module"
        out[path] = Structure(path, kind, printed)
        if kind in ("functor",):
            continue
        body = printed.split("Struct", 1)[1] if "Struct" in printed else ""
        for m in _LISTED.finditer(body):
            child = f"{path}.{m.group(2)}"
            if m.group(1):
                try:
                    text = " ".join(queries.ask_text(f"Print Module Type {child}.").split())
                except QueryError:
                    text = ""
                out[child] = Structure(child, "module_type", text)
            elif child not in out:
                todo.append(child)
    return out


def sealed_owner(queries: CoqQueries, full_name: str, cache: dict[str, str | None]) -> str | None:
    """The innermost sealed module (``Module M : S``) that ``full_name`` is a field of, if any."""
    parts = full_name.split(".")
    owner = None
    for k in range(1, len(parts)):
        prefix = ".".join(parts[:k])
        if prefix not in cache:
            try:
                printed = " ".join(queries.ask_text(f"Print Module {prefix}.").split())
            except QueryError:
                cache[prefix] = None  # a library's directory path, not a module
                continue
            short = printed.split()[1] if printed.startswith("Module ") and len(printed.split()) > 1 else prefix
            cache[prefix] = _kind(printed, short)
        if cache[prefix] in ("sealed",):
            owner = prefix
    return owner
