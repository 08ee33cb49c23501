"""Read the proof body out of a model's reply.

A reply is hostile text: it is only ever sliced, never run.  The proof is the
first fenced block (any language tag) or the whole reply when there is none.
Wrapping the caller adds back is removed: a repeated statement sentence, a bare
``Proof.``, a final ``Qed.``/``Defined.``.  What changes the meaning of the
proof is kept for the checker and the audit to judge: ``Proof using …``,
``Proof with …``, ``Admitted.``, ``Abort.``.
"""

from __future__ import annotations

import re
import textwrap

from ...provers.coq.locator import THEOREM_KEYWORDS, opener_keyword
from ...provers.coq.sentences import Sentence, SplitError, split_sentences, strip_comments

__all__ = ["extract_proof", "first_fenced_block"]

# An opening fence with an optional info string ("coq", "Coq", "v", "lean4 {…}"),
# then the body up to a closing fence on its own line, or to the end of a
# reply that was cut off mid-block.
_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})[^\n`]*\n(.*?)(?:^[ \t]*\1[ \t]*$|\Z)", re.MULTILINE | re.DOTALL)
_CLOSERS = ("Qed.", "Defined.")
_LEAN_HEADER = re.compile(r"^\s*(?:@\[[^\]]*\]\s*)?(?:private\s+|protected\s+)?(?:theorem|lemma|example)\b.*?:=\s*", re.DOTALL)


def first_fenced_block(reply: str) -> str | None:
    """The text of the first fenced code block, or None when there is none."""
    m = _FENCE.search(reply)
    return m.group(2) if m else None


def extract_proof(reply: str, prover: str = "coq") -> str:
    """The tactic body of ``reply``, trimmed (see the module docstring)."""
    block = first_fenced_block(reply)
    text = block if block is not None else (_inline_code(reply) or reply)
    if prover == "lean":
        return _lean_body(text)
    return _coq_body(text)


_INLINE = re.compile(r"`([^`\n]+)`")


def _inline_code(reply: str) -> str | None:
    """Tactics given as inline code in a list (``- `intros n.` ``), as small models do."""
    pieces = [p.strip() for p in _INLINE.findall(reply)]
    if len(pieces) < 1 or not all(p.endswith(".") for p in pieces):
        return None
    return "\n".join(pieces)


def _normal(sentence: Sentence) -> str:
    return " ".join(strip_comments(sentence.text).split())


def _is_statement(sentences: list[Sentence]) -> bool:
    """Does the first sentence restate a theorem (``Lemma foo : … .``)?"""
    opener = opener_keyword(sentences[0])
    if opener is None:
        return False
    if opener[0] in THEOREM_KEYWORDS:
        return True
    return len(sentences) > 1 and sentences[1].first_word == "Proof"


def _coq_body(text: str) -> str:
    try:
        sentences = split_sentences(text)
    except SplitError:
        return _coq_body_by_pattern(text)
    start, end = 0, len(text)
    first, last = 0, len(sentences)
    if first < last and _is_statement(sentences):
        start = sentences[first].end
        first += 1
    if first < last and _normal(sentences[first]) == "Proof.":
        start = sentences[first].end
        first += 1
    if first < last and _normal(sentences[last - 1]) in _CLOSERS:
        end = sentences[last - 1].start
    return text[start:end].strip() if start < end else ""


def _coq_body_by_pattern(text: str) -> str:
    """Fallback for text the splitter rejects (an unclosed comment, no final dot)."""
    text = re.sub(r"\A\s*Proof\s*\.(?=\s|\Z)", "", text)
    text = re.sub(r"(?:(?<=\s)|\A)(?:Qed|Defined)\s*\.\s*\Z", "", text)
    return text.strip()


def _lean_body(text: str) -> str:
    """Drop a repeated ``theorem … :=`` header and a leading ``by``."""
    m = _LEAN_HEADER.match(text)
    if m:
        text = text[m.end():]
    text = re.sub(r"\A\s*by(?:[ \t]+|(?=\n)|\Z)", "", text)
    first, _, rest = text.partition("\n")
    rest = textwrap.dedent(rest)
    # "by simp\n  exact h": the first tactic shared its line with "by".
    return f"{first.strip()}\n{rest}".strip() if first.strip() else rest.strip()
