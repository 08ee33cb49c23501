"""Declarations of a Lean 4 file and their proofs, read from the text.

A light lexer (comments, nested ``/- -/`` blocks, strings, character
literals, ``«»`` names) finds the commands that start a line at column 0 and,
in each theorem-like declaration, its *body*: the text after the top-level
``:=`` up to the next command (trailing blank lines and comments left
outside).  A body is a *hole* when it holds ``sorry`` or the ``admit``
tactic.  Namespaces are followed so that each declaration has its full name.

Which proofs fail is not read from the text: that is Lean's to say (the batch
check's errors, placed in a body by their line).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import InputError

__all__ = ["Decl", "LeanDocument", "Token", "parse_lean", "tokens"]

#: keywords of declarations whose ``:=`` body is a proof (a def's body is data: never a target)
PROOF_KEYWORDS = ("theorem", "lemma", "example")
DECL_KEYWORDS = PROOF_KEYWORDS + ("def", "abbrev", "instance", "axiom", "constant", "opaque", "structure", "class",
                                  "inductive")
MODIFIERS = ("private", "protected", "noncomputable", "unsafe", "partial", "nonrec", "scoped", "local")
#: words that start a command when they begin a line at column 0
COMMAND_WORDS = frozenset(DECL_KEYWORDS + MODIFIERS + (
    "namespace", "section", "end", "open", "export", "universe", "universes", "variable", "variables",
    "set_option", "attribute", "import", "prelude", "mutual", "macro", "macro_rules", "syntax", "notation",
    "infix", "infixl", "infixr", "prefix", "postfix", "elab", "elab_rules", "declare_syntax_cat",
    "initialize", "builtin_initialize", "deriving", "run_cmd", "termination_by'",
))
HOLE_WORDS = frozenset({"sorry", "admit"})

_IDENT_START = re.compile(r"[A-Za-z_\u0370-\u03FF\u1F00-\u1FFF\u2100-\u214F\U0001D400-\U0001D7FF]")
_IDENT_REST = re.compile(r"[A-Za-z0-9_'!?\u0370-\u03FF\u1F00-\u1FFF\u2080-\u209C\u2100-\u214F\U0001D400-\U0001D7FF]")
_OPEN = "([{⟨⦃"
_CLOSE = ")]}⟩⦄"


@dataclass(frozen=True)
class Token:
    kind: str  # "ident" | "symbol" | "string" | "char" | "number" | "comment"
    text: str
    start: int
    end: int


class LexError(ValueError):
    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.offset = offset


def _block_comment_end(text: str, i: int) -> int:
    """End of the (nested) block comment opening at ``i``."""
    depth = 0
    n = len(text)
    while i < n:
        if text.startswith("/-", i):
            depth += 1
            i += 2
        elif text.startswith("-/", i):
            depth -= 1
            i += 2
            if depth == 0:
                return i
        else:
            i += 1
    raise LexError("unterminated comment", n)


def tokens(text: str, comments: bool = False) -> list[Token]:
    """The tokens of ``text`` (comments only when asked); raises :class:`LexError` on an unclosed one."""
    out: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        start = i
        if text.startswith("--", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
            if comments:
                out.append(Token("comment", text[start:i], start, i))
            continue
        if text.startswith("/-", i):
            i = _block_comment_end(text, i)
            if comments:
                out.append(Token("comment", text[start:i], start, i))
            continue
        if c == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
            if i >= n:
                raise LexError("unterminated string", start)
            i += 1
            out.append(Token("string", text[start:i], start, i))
            continue
        if c == "'" and (not out or out[-1].end < i or out[-1].kind not in ("ident", "number")):
            m = re.match(r"'(?:\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|.)|[^\\'\n])'", text[i:])
            if m:
                i += m.end()
                out.append(Token("char", text[start:i], start, i))
                continue
        if c == "«":
            j = text.find("»", i)
            if j < 0:
                raise LexError("unterminated «name»", start)
            i = j + 1
            while i < n and (text[i] == "." and i + 1 < n and (_IDENT_START.match(text[i + 1]) or text[i + 1] == "«")
                             or _IDENT_REST.match(text[i])):
                if text[i] == "." and text[i + 1] == "«":
                    i = text.find("»", i) + 1 or n
                else:
                    i += 1
            out.append(Token("ident", text[start:i], start, i))
            continue
        if _IDENT_START.match(c):
            i += 1
            while i < n and (_IDENT_REST.match(text[i]) or
                             text[i] == "." and i + 1 < n and (_IDENT_START.match(text[i + 1]) or text[i + 1] == "«")):
                if text[i] == "." and text[i + 1] == "«":
                    i = (text.find("»", i) + 1) or n
                else:
                    i += 1
            out.append(Token("ident", text[start:i], start, i))
            continue
        if c.isdigit():
            m = re.match(r"0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|[0-9][0-9_]*(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?",
                         text[i:])
            i += m.end() if m else 1
            out.append(Token("number", text[start:i], start, i))
            continue
        for sym in (":=", "=>", "<;>", "@[", "..", "<|>", "->", "<-", "←", "→"):
            if text.startswith(sym, i):
                i += len(sym)
                break
        else:
            i += 1
        out.append(Token("symbol", text[start:i], start, i))
    return out


@dataclass(frozen=True)
class Decl:
    """One declaration: where it starts, its name, and its body after ``:=`` (if it has one)."""

    keyword: str
    name: str  # as written ("" for an example or an anonymous instance)
    qualname: str  # with the enclosing namespaces
    start: int  # offset of its first modifier, attribute or doc comment
    end: int  # offset where the next command (or the end of the text) starts
    body_start: int | None  # offset just after ':=' (None: no ':=' body)
    body_end: int | None  # end of the last token of the body
    hole: bool  # the body holds 'sorry' or 'admit'
    indent: int = 0  # column of the declaration's first line

    @property
    def is_proof(self) -> bool:
        return self.body_start is not None and self.keyword in PROOF_KEYWORDS

    @property
    def label(self) -> str:
        return self.qualname or self.name or self.keyword


class LeanDocument:
    """A Lean file's text and its declarations in order."""

    def __init__(self, text: str, decls: list[Decl]):
        self.text = text
        self.decls = decls

    def line_of(self, offset: int) -> int:
        return self.text.count("\n", 0, offset) + 1

    def decl_named(self, name: str) -> Decl | None:
        for d in self.decls:
            if name and name in (d.name, d.qualname):
                return d
        return None

    def decl_at_line(self, line: int) -> Decl | None:
        """The declaration whose text holds 1-based ``line``."""
        for d in self.decls:
            if self.line_of(d.start) <= line <= self.line_of(max(d.start, d.end - 1)):
                return d
        return None

    def body(self, d: Decl) -> str:
        assert d.body_start is not None and d.body_end is not None
        return self.text[d.body_start : d.body_end]

    def with_bodies(self, bodies: dict[int, str]) -> str:
        """The text with the bodies of the declarations at these indices replaced (text after ':=')."""
        out, pos = [], 0
        for i in sorted(bodies):
            d = self.decls[i]
            assert d.body_start is not None and d.body_end is not None
            out += [self.text[pos : d.body_start], bodies[i]]
            pos = d.body_end
        out.append(self.text[pos:])
        return "".join(out)


def _line_start(text: str, offset: int) -> int:
    return text.rfind("\n", 0, offset) + 1


def _starts_command(text: str, tok: Token) -> bool:
    """A token at column 0 that opens a command (keyword, modifier, attribute, doc comment, #command)."""
    if tok.start != _line_start(text, tok.start):
        return False
    if tok.kind == "ident":
        return tok.text in COMMAND_WORDS
    if tok.kind == "symbol":
        return tok.text == "@[" or (tok.text == "#" and tok.end < len(text) and text[tok.end].isalpha())
    return tok.kind == "comment" and tok.text.startswith("/--")


def parse_lean(text: str, where: str = "<lean>") -> LeanDocument:
    """The declarations of ``text``; an unclosed comment or string is :class:`InputError`."""
    try:
        toks = tokens(text, comments=True)
    except LexError as e:
        line = text.count("\n", 0, e.offset) + 1
        raise InputError(f"{where}:{line}: cannot read the Lean file: {e}") from None
    starts = [k for k, t in enumerate(toks) if _starts_command(text, t)]
    # A doc comment or an attribute directly above a declaration belongs to it: the command starts there.
    groups: list[tuple[int, int]] = []  # (first token, last token exclusive)
    k = 0
    while k < len(starts):
        first = starts[k]
        j = k
        while j + 1 < len(starts) and _only_prelude(toks[starts[j] : starts[j + 1]]):
            j += 1  # a doc comment, attribute or modifier on lines of its own: the command goes on
        end = starts[j + 1] if j + 1 < len(starts) else len(toks)
        groups.append((first, end))
        k = j + 1
    decls: list[Decl] = []
    scopes: list[tuple[str, str]] = []  # (kind, name) of open namespaces/sections
    for first, end in groups:
        code = [t for t in toks[first:end] if t.kind != "comment"]
        if not code:
            continue
        word_k = next((i for i, t in enumerate(code) if t.kind == "ident" and t.text not in MODIFIERS
                       and not _inside_attribute(code, i)), None)
        if word_k is None:
            continue
        word = code[word_k].text
        if word == "namespace" and word_k + 1 < len(code):
            scopes.append(("namespace", code[word_k + 1].text))
            continue
        if word == "section":
            scopes.append(("section", code[word_k + 1].text if word_k + 1 < len(code) else ""))
            continue
        if word == "mutual":
            scopes.append(("mutual", ""))
            continue
        if word == "end":
            if scopes:
                scopes.pop()
            continue
        if word not in DECL_KEYWORDS:
            continue
        name = ""
        if word_k + 1 < len(code) and code[word_k + 1].kind == "ident" and word != "example":
            name = code[word_k + 1].text
        ns = [n for kind, n in scopes if kind == "namespace" and n]
        if name.startswith("_root_."):
            qual = name[len("_root_."):]
        else:
            qual = ".".join(ns + [name]) if name else ""
        body_start, body_end, hole = _body(code, word_k)
        start = toks[first].start
        stop = toks[end].start if end < len(toks) else len(text)
        decls.append(Decl(word, name, qual, start, stop, body_start, body_end, hole,
                          start - _line_start(text, start)))
    return LeanDocument(text, decls)


def _only_prelude(segment: list[Token]) -> bool:
    """Whether ``segment`` holds only doc comments, attributes and modifiers (no command word of its own)."""
    code = [t for t in segment if t.kind != "comment"]
    if segment[0].kind == "comment" and not segment[0].text.startswith("/--"):
        return False
    return all(t.kind == "ident" and t.text in MODIFIERS or _inside_attribute(code, i) or t.text in ("@[", "]")
               for i, t in enumerate(code))


def _inside_attribute(code: list[Token], i: int) -> bool:
    depth = 0
    for t in code[:i]:
        if t.text == "@[":
            depth += 1
        elif t.text == "]" and depth:
            depth -= 1
    return depth > 0


def _body(code: list[Token], word_k: int) -> tuple[int | None, int | None, bool]:
    """(start, end, is a hole) of the ``:=`` body of a declaration's tokens."""
    depth = 0
    for i in range(word_k + 1, len(code)):
        t = code[i]
        if t.kind == "ident" and t.text == "where" and depth == 0:
            return None, None, False  # structure-like instance: fields, no single body
        if t.kind != "symbol":
            continue
        if t.text in _OPEN or t.text == "@[":
            depth += 1
        elif t.text in _CLOSE:
            depth = max(0, depth - 1)
        elif depth == 0 and t.text == "|":
            return None, None, False  # equations (pattern matching): no single body
        elif depth == 0 and t.text == ":=":
            rest = code[i + 1 :]
            if not rest:
                return t.end, t.end, False
            hole = any(r.kind == "ident" and r.text in HOLE_WORDS for r in rest)
            return t.end, rest[-1].end, hole
    return None, None, False
