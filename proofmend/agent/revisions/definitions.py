"""A Coq file read as top-level items: what each command or proof defines, and what it mentions.

Enough to find a definition and everything it depends on within one file (its
*closure*), by the names its text mentions; comments are dropped, proofs stay
attached to their statements.  Used to bring an old version of a definition
in beside the new one (:mod:`.equivalence`) and to see which definitions
changed (:mod:`.equiv`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...provers.coq.locator import parse_document
from ...provers.coq.sentences import SplitError, code_tokens, strip_comments
from ...provers.errors import InputError

IDENT = r"[A-Za-z_][\w']*"
HEADER_WORDS = {"Require", "From", "Import", "Export", "Open", "Set", "Unset"}
DEF_WORDS = {"Definition", "Fixpoint", "CoFixpoint", "Function", "Let", "Example"}
TYPE_WORDS = {"Inductive", "CoInductive", "Variant"}
RECORD_WORDS = {"Record", "Structure", "Class"}
PROOF_WORDS = {"Lemma", "Theorem", "Fact", "Remark", "Corollary", "Proposition"}
PREFIXES = {"Local", "Global", "Program", "Polymorphic", "Monomorphic", "#[local]", "#[global]"}


@dataclass
class Item:
    """One top-level unit of a file: a command, or a statement with its proof."""

    text: str  # without comments
    keyword: str
    names: list[str]  # what it defines
    tokens: set[str]  # identifiers it mentions

    @property
    def normal(self) -> str:
        return " ".join(self.text.split())


# ------------------------------------------------------------------ reading a file


def _keyword(text: str) -> tuple[str, str]:
    """(keyword, rest) of a command, skipping Local/Program/... and attributes."""
    rest = text.lstrip()
    while True:
        rest = re.sub(r"^#\[[^\]]*\]\s*", "", rest)
        m = re.match(r"([A-Za-z_][\w']*)\s*", rest)
        if not m:
            return "", rest
        if m.group(1) in PREFIXES:
            rest = rest[m.end():]
            continue
        return m.group(1), rest[m.end():]


def _split_with(text: str) -> list[str]:
    """Split a (mutual) definition at the ``with`` that is not a ``match ... with``."""
    parts, depth, start = [], 0, 0
    for m in re.finditer(r"\b(match|with|end)\b", text):
        w = m.group(1)
        if w == "match":
            depth += 1
        elif w == "with":
            if depth == 0:
                parts.append(text[start:m.start()])
                start = m.end()
            else:
                depth -= 1
    parts.append(text[start:])
    return parts


def _defined_names(keyword: str, rest: str) -> list[str]:
    names: list[str] = []
    if keyword in DEF_WORDS | PROOF_WORDS:
        for part in _split_with(rest):
            m = re.match(r"\s*(" + IDENT + ")", part)
            if m:
                names.append(m.group(1))
    elif keyword in TYPE_WORDS:
        for part in _split_with(rest):
            m = re.match(r"\s*(" + IDENT + ")", part)
            if not m:
                continue
            names.append(m.group(1))
            body = part.split(":=", 1)[1] if ":=" in part else ""
            names += re.findall(r"(?:^|\|)\s*(" + IDENT + ")", body.strip())
    elif keyword in RECORD_WORDS:
        m = re.match(r"\s*(" + IDENT + ")", rest)
        if m:
            names.append(m.group(1))
            after = rest.split(":=", 1)[1] if ":=" in rest else ""
            ctor = re.match(r"\s*(" + IDENT + r")\s*\{", after)
            names.append(ctor.group(1) if ctor else "Build_" + m.group(1))
            fields = after[after.find("{") + 1 : after.rfind("}")] if "{" in after else ""
            names += [f for f in re.findall(r"(?:^|;)\s*(" + IDENT + r")\s*:", fields)]
    return names


def read_items(text: str, where: str) -> tuple[list[str], list[Item]]:
    """(header commands, defining items) of a Coq file."""
    try:
        doc = parse_document(text)
    except SplitError as e:
        raise InputError(f"{where}: cannot parse: {e}") from None
    proofs = {p.index: p for p in doc.proofs}
    headers: list[str] = []
    items: list[Item] = []
    i = 0
    sentences = doc.sentences
    while i < len(sentences):
        s = sentences[i]
        if i in proofs:
            p = proofs[i]
            last = sentences.index(p.terminator)
            body = text[s.start : p.terminator.end]
            i = last + 1
        else:
            body = s.text
            i += 1
        clean = strip_comments(body).strip()
        keyword, rest = _keyword(clean)
        if keyword in HEADER_WORDS:
            headers.append(" ".join(clean.split()))
            continue
        names = _defined_names(keyword, rest)
        if names:
            items.append(Item(clean, keyword, names, set(code_tokens(clean))))
    return headers, items


def _index(items: list[Item]) -> dict[str, int]:
    return {n: i for i, it in enumerate(items) for n in it.names}


def _deps(items: list[Item], i: int, where: dict[str, int]) -> set[int]:
    return {where[t] for t in items[i].tokens if t in where and where[t] < i} - {i}


def closure(items: list[Item], name: str, where_file: str) -> list[int]:
    """Indices (in file order) of the item defining ``name`` and everything it uses."""
    where = _index(items)
    if name not in where:
        raise InputError(f"{where_file}: no Definition or Fixpoint named {name!r}")
    seen: set[int] = set()
    stack = [where[name]]
    while stack:
        i = stack.pop()
        if i in seen:
            continue
        seen.add(i)
        stack.extend(_deps(items, i, where))
    return sorted(seen)
