"""Locate theorem-like items and their proofs in a Coq file.

Every proof terminator (``Qed``, ``Defined``, ``Admitted``, ``Abort``,
``Save``) closes the proof opened by the nearest preceding *opener*: a
``Theorem``/``Lemma``/… statement, a ``Definition``/``Fixpoint``/``Instance``
without a body, ``Goal``, ``Next Obligation``, ``Add Morphism`` and friends.
Walking back from terminators makes the locator robust to queries and other
commands issued inside a proof.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from functools import lru_cache

from .sentences import IDENT, IDENT_PATTERN, Sentence, SentenceKind, code_tokens, split_sentences, strip_comments

THEOREM_KEYWORDS = {
    "Theorem", "Lemma", "Fact", "Remark", "Corollary", "Proposition", "Property",
    "Example", "Goal",
}
DEFINITION_KEYWORDS = {
    "Definition", "Fixpoint", "CoFixpoint", "Instance", "Let", "Function",
}
PREFIX_WORDS = {
    "Local", "Global", "Polymorphic", "Monomorphic", "Program", "Private",
    "Cumulative", "NonCumulative", "Export",
}
TERMINATORS = {"Qed", "Defined", "Admitted", "Abort", "Save"}


class Terminator(str, Enum):
    QED = "Qed"
    DEFINED = "Defined"
    ADMITTED = "Admitted"
    ABORT = "Abort"
    SAVE = "Save"


@dataclass(frozen=True)
class ProofItem:
    """A theorem-like item with an interactive proof."""

    name: str  # short name ('' for Goal)
    qualname: str  # with enclosing module names, for Print Assumptions
    keyword: str  # Lemma, Definition, Next Obligation, ...
    statement: Sentence
    body: tuple[Sentence, ...]  # sentences between statement and terminator
    terminator: Sentence
    index: int  # index of the statement sentence in the file's sentence list
    in_section: bool = False  # inside a Section (its statement may be generalised at End)
    scopes: tuple["Scope", ...] = ()  # the enclosing sections and modules, outermost first

    @property
    def opener(self) -> Sentence | None:
        """The ``Proof …`` sentence that opens the body (``Proof.``, ``Proof using …``, ``Proof with …``), if any."""
        if self.body and head_words(self.body[0])[:1] == ["Proof"]:
            return self.body[0]
        return None

    @property
    def hidden_scope(self) -> "Scope | None":
        """The innermost enclosing functor, module type or sealed module, if any.

        Coq keeps no constant for a proof there that a compiled file's account
        can reach (a functor's body before it is applied, a module type), or
        shows only the signature's view of it (a sealed module).
        """
        for sc in reversed(self.scopes):
            if sc.kind in ("functor", "module_type", "sealed"):
                return sc
        return None

    def admitted_body(self, text: str) -> str:
        """This proof's body admitted, keeping what is not its own tactics: the opener and every command.

        The statement as the original means it (``Proof using`` is part of it)
        with everything its body declares (an ``Ltac``, a ``Hint``) still
        declared; only the tactics go.
        """
        op = self.opener
        keep = [s for s in self.body if s is not op and _declares(s)]
        parts = ([text[op.start : op.end]] if op is not None else []) + [text[s.start : s.end] for s in keep]
        return "".join("\n" + p.strip() for p in parts) + ADMITTED_BODY

    @property
    def terminator_kind(self) -> Terminator:
        return Terminator(head_words(self.terminator)[0])

    @property
    def body_start(self) -> int:
        """Offset just after the statement sentence."""
        return self.statement.end

    @property
    def body_end(self) -> int:
        """Offset just after the terminator sentence."""
        return self.terminator.end

    @property
    def uses_admit(self) -> bool:
        toks = set()
        for s in self.body:
            toks.update(code_tokens(s.text))
        return bool(toks & {"admit", "give_up"})

    @property
    def is_hole(self) -> bool:
        return self.terminator_kind is Terminator.ADMITTED or self.uses_admit

    @property
    def hole_kind(self) -> str | None:
        if self.terminator_kind is Terminator.ADMITTED:
            return "admitted"
        if self.uses_admit:
            return "admit"
        return None

    @property
    def admissible_for_speed(self) -> bool:
        """Whether loading the statement with ``Admitted.`` checks later text as the proof would.

        A ``Qed`` theorem outside sections: later proofs cannot see inside it.
        (Inside a section its statement may depend on the variables its proof
        uses; ``Defined`` ones compute.)  For speed only: verdicts come from a
        fresh compile.
        """
        return (self.terminator_kind is Terminator.QED and not self.in_section
                and self.keyword in THEOREM_KEYWORDS and bool(self.body))


@dataclass(frozen=True)
class CoqDocument:
    text: str
    sentences: tuple[Sentence, ...]
    proofs: tuple[ProofItem, ...]
    orphans: tuple[Sentence, ...] = field(default=())  # terminators with no opener

    def proof_named(self, name: str) -> ProofItem | None:
        for p in self.proofs:
            if p.name == name or p.qualname == name:
                return p
        return None

    def line_of(self, offset: int) -> int:
        return self.text.count("\n", 0, offset) + 1

    def with_bodies(self, bodies: dict[int, str]) -> str:
        """The text with the bodies (statement end to terminator end) of some proofs replaced."""
        out, pos = [], 0
        for i, p in enumerate(self.proofs):
            if i in bodies:
                out += [self.text[pos : p.body_start], bodies[i]]
                pos = p.body_end
        out.append(self.text[pos:])
        return "".join(out)


#: The body that admits a proof (the statement is kept).
ADMITTED_BODY = "\nAdmitted."


@dataclass(frozen=True)
class Scope:
    """A Section or an interactive Module around a proof."""

    kind: str  # "section", "module", "functor", "module_type", "sealed"
    name: str
    params: tuple[str, ...] = ()  # a functor's parameter names
    start: int = 0  # offset of the opening sentence
    end: int = -1  # offset of the 'End' sentence's start (-1 while open)


_QUALID = re.compile(rf"{IDENT_PATTERN}(?:\.{IDENT_PATTERN})*")


def head_words(s: Sentence) -> list[str]:
    """The first words of a sentence (qualified names kept whole), attributes and comments skipped."""
    text = strip_comments(s.text).lstrip()
    text = re.sub(r"^(#\[[^\]]*\]\s*)+", "", text)
    return _QUALID.findall(text)[:6]


_head_words = head_words

#: Commands that only steer the proof at hand (they declare nothing and change no setting).
PROOF_MODE_COMMANDS = {"Unshelve", "Focus", "Unfocus", "Unfocused", "Guarded"}


#: Commands a proof body may issue that declare something later text can use (a tactic, a hint, a
#: notation, a setting); queries and proof steering are left out, and so is any capitalised word
#: that might start a user's tactic.
DECLARING = {
    "Ltac", "Ltac2", "Tactic", "Hint", "Create", "Notation", "Infix", "Reserved", "Set", "Unset", "Arguments",
    "Opaque", "Transparent", "Typeclasses", "Existing", "Obligation", "Declare", "Remove", "Add", "Strategy",
}


def _declares(s: Sentence) -> bool:
    words = head_words(s)
    while words and words[0] in ("Local", "Global", "Export", "Polymorphic", "Monomorphic"):
        words = words[1:]
    return command_word(s) is not None and bool(words) and words[0] in DECLARING


def command_word(s: Sentence) -> str | None:
    """The command a sentence of a proof body starts with, when it is not a tactic; None for a tactic.

    Tactics are written in lower case (``intros``, ``lia``, ``my_tac``,
    ``Zify.zify``); a capitalised first word is a command (``Axiom``, ``Set``,
    ``Proof``), except the proof-mode commands that declare nothing.  A
    capitalised user tactic (``Crush``) is reported here too: only Coq can
    tell it from a command (``Locate Ltac``), which the audit asks.
    """
    if s.kind is not SentenceKind.COMMAND:
        return None
    text = strip_comments(s.text).strip()
    if text.startswith("#"):
        return "#["
    m = IDENT.match(text)
    word = m.group(0) if m else ""
    while m and text[m.end() : m.end() + 1] == "." and IDENT.match(text, m.end() + 1):
        m = IDENT.match(text, m.end() + 1)
        word += "." + m.group(0)  # type: ignore[union-attr]
    if not word or not word[0].isupper() or word in PROOF_MODE_COMMANDS:
        return None
    if "." in word and word.split(".")[-1][0].islower():
        return None  # a qualified tactic name such as Zify.zify
    return word


def opener_keyword(s: Sentence) -> tuple[str, str] | None:
    """If ``s`` can open a proof, return (keyword, name)."""
    if s.kind is not SentenceKind.COMMAND:
        return None
    words = _head_words(s)
    while words and words[0] in PREFIX_WORDS:
        words = words[1:]
    if not words:
        return None
    kw = words[0]
    if kw in THEOREM_KEYWORDS:
        if kw == "Goal":
            return "Goal", ""
        return kw, _declared_name(s, kw)
    if kw in DEFINITION_KEYWORDS:
        return kw, _declared_name(s, kw)
    if kw == "Next" and words[1:2] == ["Obligation"]:
        return "Next Obligation", ""
    if kw in ("Obligation", "Solve"):
        return kw, ""
    if kw == "Add" and ("Morphism" in words or "Parametric" in words):
        m = re.search(rf"(?<![\w'])as\s+({IDENT_PATTERN})\s*\.\s*$", strip_comments(s.text))
        return "Add Morphism", m.group(1) if m else ""
    if kw in ("Derive", "Declare") and "Instance" in words:
        return kw, ""
    return None


def _declared_name(s: Sentence, keyword: str) -> str:
    """The identifier right after ``keyword``; '' when there is none (``Instance : C nat.``)."""
    text = re.sub(r"^\s*(#\[[^\]]*\]\s*)+", "", strip_comments(s.text))
    m = re.search(rf"(?<![\w']){keyword}\s+({IDENT_PATTERN})", text)
    return m.group(1) if m else ""


def _has_body(s: Sentence) -> bool:
    """Does a Definition-like sentence give its body with ':='?"""
    text = re.sub(r'"(?:[^"]|"")*"', " ", strip_comments(s.text))
    depth = 0
    i = 0
    let_depth = 0
    while i < len(text):
        c = text[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif text.startswith(":=", i) and depth == 0:
            if let_depth > 0:
                let_depth -= 1
            else:
                return True
            i += 2
            continue
        elif re.match(r"\blet\b", text[i:i + 4]) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            let_depth += 1
        i += 1
    return False


_FUNCTOR_PARAM = re.compile(rf"\(\s*((?:{IDENT_PATTERN}\s+)*{IDENT_PATTERN})\s*:")


def _scope(s: Sentence, w0: str, words: list[str], idx: int) -> Scope:
    """The scope a ``Section``/``Module``/``Module Type`` sentence opens."""
    if w0 == "Section":
        return Scope("section", words[1] if len(words) > 1 else "", start=s.start)
    rest = [w for w in words[1:] if w not in ("Import", "Export")]
    if rest[:1] == ["Type"]:
        return Scope("module_type", rest[1] if len(rest) > 1 else "", start=s.start)
    name = rest[0] if rest else ""
    text = strip_comments(s.text)
    after = text[text.find(name) + len(name):] if name else text
    params: list[str] = []
    # Parameters come before any ':' / '<:' of the module's own type.
    head = re.split(r"(?<![<(\w])\s:(?!=)|<:", after, maxsplit=1)[0] if after else ""
    for m in _FUNCTOR_PARAM.finditer(head):
        params += m.group(1).split()
    if params:
        return Scope("functor", name, tuple(params), start=s.start)
    if re.search(r"(?<![<:]):(?![=>])", re.sub(r"\([^()]*\)", " ", after)):
        return Scope("sealed", name, start=s.start)
    return Scope("module", name, start=s.start)


@lru_cache(maxsize=16)
def parse_document(text: str) -> CoqDocument:
    """The proofs of a text (the result is immutable and kept for the texts last asked: a run parses the same
    file once for its scan, each hole, retrieval and the audit)."""
    sentences = split_sentences(text)
    return locate(text, sentences)


def locate(text: str, sentences: list[Sentence]) -> CoqDocument:
    proofs: list[ProofItem] = []
    orphans: list[Sentence] = []
    modules: list[Scope] = []  # Module/Section nesting
    module_at: list[tuple[str, ...]] = []
    section_at: list[bool] = []
    scopes_at: list[tuple[Scope, ...]] = []
    open_idx: int | None = None  # index of the current candidate opener

    for idx, s in enumerate(sentences):
        words = _head_words(s) if s.kind is SentenceKind.COMMAND else []
        w0 = words[0] if words else ""
        module_at.append(tuple(sc.name for sc in modules if sc.kind != "section"))
        section_at.append(any(sc.kind == "section" for sc in modules))
        scopes_at.append(tuple(modules))
        if w0 in ("Module", "Section") and s.kind is SentenceKind.COMMAND:
            # 'Module M := N.' and 'Module M : T := N.' do not open a scope.
            if not _has_body(s):
                modules.append(_scope(s, w0, words, idx))
            continue
        if w0 == "End" and len(words) > 1 and s.kind is SentenceKind.COMMAND:
            if modules and modules[-1].name == words[1]:
                modules.pop()
            continue
        op = opener_keyword(s)
        if op is not None:
            kw, _ = op
            next_is_proof = idx + 1 < len(sentences) and sentences[idx + 1].first_word == "Proof"
            if kw in DEFINITION_KEYWORDS and _has_body(s) and not next_is_proof:
                # A definition with a body has no proof of its own, except a
                # well-founded Function/Program whose obligations follow 'Proof.'.
                open_idx = None
            else:
                open_idx = idx
            continue
        if w0 in TERMINATORS and s.kind is SentenceKind.COMMAND:
            if w0 == "Abort" and len(words) > 1 and words[1] == "All":
                open_idx = None
                continue
            if open_idx is None:
                orphans.append(s)
                continue
            st = sentences[open_idx]
            kw, name = opener_keyword(st)  # type: ignore[misc]
            if w0 == "Save" and len(words) > 1:
                name = words[1]
            mods = module_at[open_idx]
            qual = ".".join((*mods, name)) if name else ""
            proofs.append(
                ProofItem(
                    name=name,
                    qualname=qual,
                    keyword=kw,
                    statement=st,
                    body=tuple(sentences[open_idx + 1 : idx]),
                    terminator=s,
                    index=open_idx,
                    in_section=section_at[open_idx],
                    scopes=scopes_at[open_idx],
                )
            )
            open_idx = None
    return CoqDocument(text, tuple(sentences), tuple(proofs), tuple(orphans))
