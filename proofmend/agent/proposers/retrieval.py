"""Pick the definitions and lemmas worth showing a model for one theorem.

Definitions: those the statement names (a type's constructors and a record's
fields count as its names), and one level deeper, those these definitions
name.  Lemmas: ranked by BM25 over identifier pieces (``rev_app_distr`` →
``rev app distr``, ``NoDup`` → ``no dup``) with the statement as the query.
Both stay within a token budget (≈ characters / 4), definitions first.
"""

from __future__ import annotations

import math
import re

from ...provers.coq.locator import PREFIX_WORDS, THEOREM_KEYWORDS, Terminator, opener_keyword, parse_document
from ...provers.coq.sentences import Sentence, SentenceKind, SplitError, code_tokens, strip_comments

__all__ = ["DEFINITION_KINDS", "estimate_tokens", "identifier_pieces", "retrieve", "scope_items"]

DEFINITION_KINDS = {
    "Definition", "Fixpoint", "CoFixpoint", "Function", "Let", "Instance",
    "Inductive", "CoInductive", "Variant", "Record", "Structure", "Class",
}
_STOPWORDS = {
    "forall", "exists", "fun", "match", "with", "end", "let", "in", "if", "then", "else",
    "return", "as", "fix", "struct", "type", "prop", "set",
} | {k.lower() for k in THEOREM_KEYWORDS | DEFINITION_KINDS}
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
# Notations stand for the names lemmas are called after (``++`` → app_nil_r).
_NOTATIONS = {
    "++": ("app",), "::": ("cons",), "[]": ("nil",), "+": ("add", "plus"), "*": ("mul", "mult"),
    "-": ("sub", "minus"), "<=": ("le",), "<": ("lt",), ">=": ("ge", "le"), ">": ("gt", "lt"),
    "=?": ("eqb",), "<=?": ("leb",), "<?": ("ltb",), "&&": ("andb",), "||": ("orb",),
    "/\\": ("and",), "\\/": ("or",), "~": ("not",), "<>": ("not",), "<->": ("iff",),
    "->": (), "<-": (), "=>": (), ":=": (), ":>": (),  # syntax, not functions
}
_NOTATION = re.compile("|".join(re.escape(op) for op in sorted(_NOTATIONS, key=len, reverse=True)))


def estimate_tokens(text: str) -> int:
    """Rough token count: one token per four characters."""
    return math.ceil(len(text) / 4)


def _identifiers(text: str) -> set[str]:
    """Identifiers in code, with qualified names also split (``Nat.add`` → ``add``)."""
    tokens = _token_stream(text)
    names = set(tokens)
    for t in tokens:
        names.update(t.split("."))
    return names


def identifier_pieces(text: str) -> list[str]:
    """Search tokens of ``text``: whole identifiers and their ``_``/camelCase pieces, lower-cased,
    plus the names behind common notations (``++`` → ``app``, ``<=`` → ``le``)."""
    out = [name for op in _NOTATION.findall(_strip(text)) for name in _NOTATIONS[op]]
    for ident in _token_stream(text):
        whole = ident.rstrip("'").lower()
        pieces = [p.lower() for part in re.split(r"[_'.]+", ident) for p in _CAMEL.findall(part)]
        for tok in {whole, *pieces}:
            if len(tok) > 1 and tok not in _STOPWORDS:
                out.append(tok)
    return out


def _token_stream(text: str) -> list[str]:
    """Identifier tokens outside comments and strings (a plain scan if those are unclosed)."""
    try:
        return code_tokens(text)
    except SplitError:
        return re.findall(r"[^\W\d][\w'.]*[\w']|[^\W\d]", text)


def _strip(text: str) -> str:
    """Text without comments (as is when a comment is unclosed)."""
    try:
        return strip_comments(text)
    except SplitError:
        return text


def _head_word(text: str) -> str:
    words = re.findall(r"[^\W\d][\w']*", re.sub(r"^\s*(#\[[^\]]*\]\s*)+", "", _strip(text)))
    while words and words[0] in PREFIX_WORDS:
        words = words[1:]
    return words[0] if words else ""


def _defined_names(name: str, text: str) -> set[str]:
    """The names an item introduces: its own, plus constructors and record fields."""
    names = {name}
    kind = _head_word(text)
    body = _strip(text).partition(":=")[2]
    if kind in ("Inductive", "CoInductive", "Variant"):
        names.update(re.findall(r"(?:^|\|)\s*([^\W\d][\w']*)", body.strip()))
    elif kind in ("Record", "Structure", "Class"):
        ctor, _, fields = body.partition("{")
        names.update(re.findall(r"[^\W\d][\w']*", ctor)[:1])
        names.update(re.findall(r"(?:^|;)\s*([^\W\d][\w']*)\s*:", fields))
    return names


def _normal(text: str) -> str:
    return " ".join(text.split())


def _select_definitions(statement: str, defs: list[tuple[str, str]]) -> list[str]:
    """Definitions named by the statement, then those they name (one level)."""
    owners = [(_defined_names(name, text), text) for name, text in defs]
    mentioned = _identifiers(statement)
    direct = [text for names, text in owners if names & mentioned]
    deeper_ids = set().union(*(_identifiers(t) for t in direct)) if direct else set()
    deeper = [text for names, text in owners if names & deeper_ids and text not in direct]
    out: list[str] = []
    for text in direct + deeper:
        if text not in out and _normal(text) != _normal(statement):
            out.append(text)
    return out


def _rank_lemmas(statement: str, lemmas: list[tuple[str, str]]) -> list[str]:
    """Lemma texts sharing a token with the statement, best BM25 score first."""
    from rank_bm25 import BM25Plus  # dependency: rank-bm25

    docs = [(text, identifier_pieces(f"{name} {text}")) for name, text in lemmas]
    docs = [(text, toks) for text, toks in docs if toks and _normal(text) != _normal(statement)]
    query = identifier_pieces(statement)
    if not docs or not query:
        return []
    scores = BM25Plus([toks for _, toks in docs]).get_scores(query)
    wanted = set(query)
    ranked = [
        (score, -i, text)
        for i, ((text, toks), score) in enumerate(zip(docs, scores))
        if wanted.intersection(toks)
    ]
    # Ties go to the item nearer the theorem (later in the file).
    ranked.sort(key=lambda r: (r[0], -r[1]), reverse=True)
    return [text for _, _, text in ranked]


def retrieve(
    statement: str,
    local_context: str,
    candidates: list[tuple[str, str]],
    budget_tokens: int = 1500,
) -> tuple[list[str], list[str]]:
    """(definitions the statement mentions, most relevant lemmas) within ``budget_tokens``.

    ``candidates`` are (name, text) items in scope: definitions (text starting
    with ``Definition``, ``Inductive``, …) and lemma statements (anything else,
    such as ``Lemma …`` sentences or ``name : type`` lines from ``Search``).
    Items already shown verbatim in ``local_context`` are not repeated.
    """
    defs = [(n, t) for n, t in candidates if _head_word(t) in DEFINITION_KINDS]
    lemmas = [(n, t) for n, t in candidates if _head_word(t) not in DEFINITION_KINDS]
    shown = _normal(local_context)
    left = budget_tokens

    def fit(texts: list[str]) -> list[str]:
        nonlocal left
        chosen = []
        for text in texts:
            cost = estimate_tokens(text)
            if cost <= left and _normal(text) not in shown:
                chosen.append(text)
                left -= cost
        return chosen

    definitions = fit(_select_definitions(statement, defs))
    return definitions, fit(_rank_lemmas(statement, lemmas))


# ---------------------------------------------------------------- scope


def _kind(sentence: Sentence) -> str:
    return _head_word(sentence.text)


def scope_items(prefix_text: str) -> list[tuple[str, str, str]]:
    """(kind, name, text) of the definitions and proved lemmas in a Coq text prefix.

    Kinds are the keywords as written (``Definition``, ``Fixpoint``,
    ``Inductive``, ``Record``, ``Lemma``, ``Theorem``, …).  A definition's text
    is its whole sentence; a lemma's is its statement sentence only.  Lemmas
    ending in ``Admitted``/``Abort`` are left out: using them would not pass the
    audit.  Text that cannot be split gives no items.
    """
    try:
        doc = parse_document(prefix_text)
    except SplitError:
        return []
    proved = {
        p.statement.start: p
        for p in doc.proofs
        if p.terminator_kind not in (Terminator.ADMITTED, Terminator.ABORT)
    }
    holes = {p.statement.start for p in doc.proofs} - set(proved)
    items: list[tuple[str, str, str]] = []
    for s in doc.sentences:
        if s.kind is not SentenceKind.COMMAND or s.start in holes:
            continue
        kind = _kind(s)
        if kind in DEFINITION_KINDS:
            name = (opener_keyword(s) or ("", ""))[1] or _second_word(s)
            if name:
                items.append((kind, name, s.text))
        elif kind in THEOREM_KEYWORDS and kind != "Goal" and s.start in proved:
            items.append((kind, proved[s.start].name, s.text))
    return items


def _second_word(sentence: Sentence) -> str:
    words = re.findall(r"[^\W\d][\w']*", strip_comments(sentence.text))
    while words and words[0] in PREFIX_WORDS:
        words = words[1:]
    return words[1] if len(words) > 1 else ""
