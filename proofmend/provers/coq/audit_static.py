"""The audit's rules that read the text: what changed, and what a changed body may contain.

Rule 1: everything outside proof bodies is byte-identical to the original.
Rule 2: a changed body is tactic sentences only (no vernacular, no ``admit``,
``give_up``, ``Admitted``, ``Abort``) and ends in ``Qed.`` (``Defined.`` only
where the original used it).

These run before anything is compiled, so a file that would write files or
load code when compiled is rejected without ever being run.  What the changed
proofs *define* and *rest on* is not read here: Coq says it (see ``audit``).
"""

from __future__ import annotations

from dataclasses import dataclass

from .findings import Finding, Reason
from .locator import CoqDocument, ProofItem, Terminator, head_words, parse_document
from .sentences import IDENT, SentenceKind, SplitError, code_tokens, split_sentences, strip_comments

#: Commands that only steer the proof at hand (they declare nothing and change no setting).
PROOF_MODE_COMMANDS = {"Unshelve", "Focus", "Unfocus", "Unfocused", "Guarded"}
FORBIDDEN_TOKENS = {"admit", "give_up", "Admitted", "Abort"}


@dataclass(frozen=True)
class Change:
    """A proof whose body differs: the original's item and the candidate's."""

    index: int  # position among the file's proofs
    original: ProofItem
    candidate: ProofItem

    @property
    def name(self) -> str:
        p = self.candidate
        return p.qualname or p.name or p.keyword


@dataclass(frozen=True)
class Comparison:
    findings: tuple[Finding, ...]
    changes: tuple[Change, ...]
    original: CoqDocument | None
    candidate: CoqDocument | None


def _skeleton(doc: CoqDocument) -> list[tuple[str, ProofItem | None]]:
    """The file cut into (outside-text, following proof) pieces."""
    pieces = []
    pos = 0
    for p in doc.proofs:
        pieces.append((doc.text[pos : p.body_start], p))
        pos = p.body_end
    pieces.append((doc.text[pos:], None))
    return pieces


def _first_difference(a: str, b: str) -> int:
    n = min(len(a), len(b))
    for i in range(n):
        if a[i] != b[i]:
            return i
    return n


def command_problems(sentences, line_of=lambda off: 0) -> list[tuple[str, int]]:
    """Sentences of a proof body that are not tactics: (description, line)."""
    out: list[tuple[str, int]] = []
    for i, s in enumerate(sentences):
        if s.kind is not SentenceKind.COMMAND:
            continue
        text = strip_comments(s.text).strip()
        if text.startswith("#"):
            out.append((f"attribute in the proof body: {text[:60]!r}", line_of(s.start)))
            continue
        m = IDENT.match(text)
        word = m.group(0) if m else ""
        while m and text[m.end() : m.end() + 1] == "." and IDENT.match(text, m.end() + 1):
            m = IDENT.match(text, m.end() + 1)
            word += "." + m.group(0)  # type: ignore[union-attr]
        if not word or not word[0].isupper():
            continue  # tactics are written in lower case (intros, lia, my_tac)
        last = word.split(".")[-1]
        if word == "Proof" and i == 0:
            continue
        if word in PROOF_MODE_COMMANDS:
            continue
        if "." in word and last[0].islower():
            continue  # a qualified tactic name such as Zify.zify
        out.append((f"command in the proof body: {text[:60]!r}", line_of(s.start)))
    return out


def static_body_problems(body: str) -> list[str]:
    """Why a proof body (tactics, with or without Proof./Qed.) may not even be run."""
    try:
        sentences = split_sentences(body)
    except SplitError as e:
        return [f"does not parse: {e}"]
    if sentences and head_words(sentences[-1]) in (["Qed"], ["Defined"]):
        sentences = sentences[:-1]
    problems = [d for d, _ in command_problems(sentences)]
    bad = sorted(set(code_tokens(body)) & FORBIDDEN_TOKENS)
    if bad:
        problems.append(f"uses {', '.join(bad)}")
    return problems


def check_body(p: ProofItem, original: ProofItem, line_of) -> list[Finding]:
    """Rule 2 on one changed proof."""
    name = p.qualname or p.name or p.keyword
    out = [Finding(Reason.VERNACULAR_IN_BODY, d, name, ln) for d, ln in command_problems(p.body, line_of)]
    toks: set[str] = set()
    for s in p.body:
        toks.update(code_tokens(s.text))
    bad = sorted(toks & FORBIDDEN_TOKENS)
    if bad:
        out.append(Finding(Reason.ADMIT_IN_BODY, f"uses {', '.join(bad)}", name, line_of(p.statement.start)))
    term = p.terminator_kind
    if term in (Terminator.ADMITTED, Terminator.ABORT):
        out.append(Finding(Reason.ADMIT_IN_BODY, f"proof ends in {p.terminator.text!r}", name, line_of(p.terminator.start)))
        return out
    allowed_terms = {Terminator.QED}
    if original.terminator_kind is Terminator.DEFINED:
        allowed_terms.add(Terminator.DEFINED)
    if term not in allowed_terms or p.terminator.words != [term.value]:
        out.append(Finding(Reason.BAD_TERMINATOR, f"proof ends in {p.terminator.text!r}, expected "
                           + " or ".join(f"'{t.value}.'" for t in sorted(allowed_terms, key=lambda t: t.value)),
                           name, line_of(p.terminator.start)))
    return out


def compare(candidate: str, original: str) -> Comparison:
    """Rules 1 and 2: the findings, and the proofs whose bodies changed."""
    try:
        orig = parse_document(original)
    except SplitError as e:
        return Comparison((Finding(Reason.PARSE_ERROR, f"original does not parse: {e}"),), (), None, None)
    try:
        cand = parse_document(candidate)
    except SplitError as e:
        line = candidate.count("\n", 0, e.offset) + 1
        return Comparison((Finding(Reason.PARSE_ERROR, f"candidate does not parse: {e}", line=line),), (), orig, None)
    line_of = cand.line_of
    sk_o, sk_c = _skeleton(orig), _skeleton(cand)
    findings: list[Finding] = []
    if len(sk_o) != len(sk_c):
        findings.append(Finding(Reason.PROOFS_CHANGED, f"the original has {len(orig.proofs)} proofs, the candidate {len(cand.proofs)}"))
    changes: list[Change] = []
    offset_c = 0
    for index, ((out_o, p_o), (out_c, p_c)) in enumerate(zip(sk_o, sk_c)):
        if out_o != out_c:
            abs_off = offset_c + _first_difference(out_o, out_c)
            stmt = p_c.statement if p_c is not None else None
            if stmt is not None and stmt.start <= abs_off < stmt.end + 1:
                findings.append(Finding(Reason.STATEMENT_CHANGED, "the statement differs from the original",
                                        p_c.qualname or p_c.name, line_of(abs_off)))
            else:
                findings.append(Finding(Reason.OUTSIDE_CHANGED, "text outside proof bodies differs from the original",
                                        line=line_of(abs_off)))
            break
        if p_o is None or p_c is None:
            break
        offset_c = p_c.body_end
        if orig.text[p_o.body_start : p_o.body_end] != cand.text[p_c.body_start : p_c.body_end]:
            changes.append(Change(index, p_o, p_c))
            findings.extend(check_body(p_c, p_o, line_of))
    return Comparison(tuple(findings), tuple(changes), orig, cand)


def static_audit(candidate: str, original: str) -> tuple[list[Finding], list[ProofItem], CoqDocument | None]:
    """Rules 1 and 2.  Returns findings, the changed proofs and the parsed candidate."""
    c = compare(candidate, original)
    return list(c.findings), [ch.candidate for ch in c.changes], c.candidate
