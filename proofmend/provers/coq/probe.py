"""Asking Coq questions in the middle of a file: inside a functor, a module type, a sealed module, a section.

A compiled file's account (:mod:`.account`) sees what the file exports once
every section and module is closed.  Some questions have their answer only
inside: the assumptions of a lemma proven in a functor's body (no constant
exists until the functor is applied) or in a module type, those of the
implementation of a sealed module's field (outside, only the signature's
view), the type of a section's lemma before the section closes.  A probe
loads the text sentence by sentence in a ``coqidetop`` (named as ``coqc``
names it) and, just after chosen sentences, hands the live session to a
callback that asks what it needs.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..limits import Limits
from .locator import CoqDocument, _has_body, head_words
from .project import CoqProject
from .queries import CoqQueries

Asker = Callable[[CoqQueries], None]


def probe(project: CoqProject, doc: CoqDocument, topfile: Path, points: dict[int, list[Asker]], limits: Limits) -> None:
    """Load ``doc`` up to its last probe point; after sentence ``i`` run each asker of ``points[i]``.

    Raises :class:`~.queries.QueryError` when a sentence is refused, and the
    prover's own errors when it dies or runs past ``limits.timeout_s`` a step.
    """
    if not points:
        return
    last = max(points)
    with CoqQueries(project, [], limits, query_timeout=max(30.0, limits.timeout_s), topfile=topfile) as q:
        for i, s in enumerate(doc.sentences[: last + 1]):
            q.add(s.text)
            for ask in points.get(i, ()):
                ask(q)


def _scope_ends(doc: CoqDocument) -> list[tuple[bool, str, int]]:
    """Every interactive Section/Module that closes: (is a section, its module path in the file, index of 'End')."""
    out: list[tuple[bool, str, int]] = []
    stack: list[tuple[str, bool]] = []  # (name, is a section)
    for i, s in enumerate(doc.sentences):
        w = head_words(s)
        if w[:1] in (["Module"], ["Section"]) and not _has_body(s):
            rest = [x for x in w[1:] if x not in ("Type", "Import", "Export")]
            stack.append((rest[0] if rest else "", w[0] == "Section"))
        elif w[:1] == ["End"] and len(w) > 1 and stack and stack[-1][0] == w[1]:
            out.append((stack[-1][1], ".".join(n for n, sec in stack if not sec), i))
            stack.pop()
    return out


def section_ends(doc: CoqDocument) -> list[int]:
    """Indices of the sentences that close a Section."""
    return [i for is_section, _, i in _scope_ends(doc) if is_section]


def module_ends(doc: CoqDocument) -> dict[str, int]:
    """For every interactive module, by its path within the file ("M", "M.N"), the index of its 'End' sentence."""
    return {path: i for is_section, path, i in _scope_ends(doc) if not is_section}
