"""Split Coq source text into sentences with exact character spans.

Coq's own lexer decides where a sentence ends: a ``.`` followed by a blank or
the end of input, outside comments and strings.  Inside proofs, bullets
(``-``, ``+``, ``*`` and their repetitions) and braces ``{`` / ``}`` are
sentences of their own, as is a goal selector followed by a brace
(``2: {``).  The live session can only ``Add`` one sentence at a time, so the
client must reproduce those rules exactly.

Spans are Python string (character) offsets.  ``Sentence.start`` is the first
character of the sentence proper (after leading blanks and comments) and
``Sentence.end`` is one past its terminator.  The text between sentences (blanks
and comments) is kept implicitly: ``source[prev.end:s.start]``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

BLANKS = " \t\r\n\f\v\u00a0"
#: A Coq identifier: a letter (any script: ``θ``, ``Ψ``, ``αux``) or ``_``, then
#: letters, digits, ``_`` and ``'``.
IDENT_PATTERN = r"[^\W\d][\w']*"
IDENT = re.compile(IDENT_PATTERN)
_SELECTOR_BRACE = re.compile(rf"(?:\d+|\[{IDENT_PATTERN}\])\s*:\s*\{{")


class SentenceKind(str, Enum):
    COMMAND = "command"  # a vernacular command or a tactic ending in '.'
    BULLET = "bullet"  # -, +, *, --, ++, ...
    OPEN_BRACE = "open_brace"  # '{' or 'N: {'
    CLOSE_BRACE = "close_brace"  # '}'


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str
    kind: SentenceKind = SentenceKind.COMMAND

    @property
    def words(self) -> list[str]:
        """The leading identifiers of the sentence with comments removed."""
        return IDENT.findall(strip_comments(self.text))

    @property
    def first_word(self) -> str:
        words = self.words
        return words[0] if words else ""


class SplitError(ValueError):
    """The text cannot be split: an unterminated comment or string."""

    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.offset = offset


def _skip_comment(text: str, i: int) -> int:
    """``text[i:i+2] == '(*'``; return the offset just past the matching ``*)``."""
    depth = 0
    n = len(text)
    start = i
    while i < n:
        if text.startswith("(*", i):
            depth += 1
            i += 2
        elif text.startswith("*)", i):
            depth -= 1
            i += 2
            if depth == 0:
                return i
        elif text[i] == '"':
            # Coq lexes strings inside comments too.
            i = _skip_string(text, i, in_comment=True)
        else:
            i += 1
    raise SplitError("unterminated comment", start)


def _skip_string(text: str, i: int, in_comment: bool = False) -> int:
    """``text[i] == '"'``; return the offset just past the closing quote."""
    n = len(text)
    start = i
    i += 1
    while i < n:
        if text[i] == '"':
            if i + 1 < n and text[i + 1] == '"':
                i += 2
                continue
            return i + 1
        i += 1
    if in_comment:
        return n
    raise SplitError("unterminated string", start)


def skip_trivia(text: str, i: int) -> int:
    """Skip blanks and comments from ``i``."""
    n = len(text)
    while i < n:
        c = text[i]
        if c in BLANKS:
            i += 1
        elif text.startswith("(*", i):
            i = _skip_comment(text, i)
        else:
            break
    return i


def _sentence_end(text: str, i: int) -> int:
    """From the first character of a sentence, return the offset past its end."""
    n = len(text)
    while i < n:
        c = text[i]
        if text.startswith("(*", i):
            i = _skip_comment(text, i)
        elif c == '"':
            i = _skip_string(text, i)
        elif c == ".":
            j = i
            while j < n and text[j] == ".":
                j += 1
            run = j - i
            at_blank = j >= n or text[j] in BLANKS or text.startswith("(*", j)
            # '.' and '...' followed by a blank end a sentence; '..' never does.
            if at_blank and run in (1, 3):
                return j
            if at_blank and run > 3:
                return j
            i = j
        else:
            i += 1
    raise SplitError("sentence without a terminating '.'", i)


def split_sentences(text: str) -> list[Sentence]:
    """Split ``text`` into sentences.  Raises :class:`SplitError` on bad input."""
    out: list[Sentence] = []
    n = len(text)
    i = skip_trivia(text, 0)
    while i < n:
        c = text[i]
        if c in "-+*" and not text.startswith("*)", i):
            j = i
            while j < n and text[j] == c:
                j += 1
            out.append(Sentence(i, j, text[i:j], SentenceKind.BULLET))
        elif c == "{" and not text.startswith("{|", i):
            j = i + 1
            out.append(Sentence(i, j, "{", SentenceKind.OPEN_BRACE))
        elif c == "}":
            j = i + 1
            out.append(Sentence(i, j, "}", SentenceKind.CLOSE_BRACE))
        else:
            m = _SELECTOR_BRACE.match(text, i)
            if m:
                j = m.end()
                out.append(Sentence(i, j, text[i:j], SentenceKind.OPEN_BRACE))
            else:
                j = _sentence_end(text, i)
                out.append(Sentence(i, j, text[i:j], SentenceKind.COMMAND))
        i = skip_trivia(text, j)
    return out


def strip_comments(text: str) -> str:
    """Remove comments (nested, with strings inside) from a piece of Coq text."""
    out = []
    i = 0
    n = len(text)
    while i < n:
        if text.startswith("(*", i):
            i = _skip_comment(text, i)
            out.append(" ")
        elif text[i] == '"':
            j = _skip_string(text, i)
            out.append(text[i:j])
            i = j
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def code_tokens(text: str) -> list[str]:
    """Identifier tokens of ``text`` outside comments and strings."""
    no_comments = strip_comments(text)
    no_strings = re.sub(r'"(?:[^"]|"")*"', " ", no_comments)
    return re.findall(r"(?<![\w'])[^\W\d](?:[\w'.]*[\w'])?", no_strings)


def join(text: str, sentences: list[Sentence]) -> str:
    """Rebuild text from its sentences and the trivia between them."""
    parts = []
    pos = 0
    for s in sentences:
        parts.append(text[pos : s.start])
        parts.append(s.text)
        pos = s.end
    parts.append(text[pos:])
    return "".join(parts)
