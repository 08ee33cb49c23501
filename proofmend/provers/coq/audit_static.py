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

from collections.abc import Collection
from dataclasses import dataclass

from .findings import Finding, Reason
from .locator import CoqDocument, ProofItem, Terminator, command_word, head_words, parse_document
from .sentences import SplitError, code_tokens, split_sentences, strip_comments

#: Words that are Coq commands, never tactics, whatever the loaded libraries define.
VERNACULAR = {
    "Abort", "Add", "Admitted", "Arguments", "Axiom", "Axioms", "Bind", "Canonical", "Cd", "Check", "Class",
    "Close", "Coercion", "CoFixpoint", "CoInductive", "Collection", "Compute", "Conjecture", "Context",
    "Corollary", "Create", "Declare", "Defined", "Definition", "Delimit", "Derive", "Drop", "End", "Eval",
    "Example", "Existing", "Export", "Extract", "Extraction", "Fact", "Fail", "Fixpoint", "Function",
    "Generalizable", "Global", "Goal", "Hint", "Hypotheses", "Hypothesis", "Implicit", "Import", "Include",
    "Inductive", "Infix", "Instance", "Let", "Lemma", "Load", "Local", "Locate", "Ltac", "Ltac2", "Module",
    "Notation", "Obligation", "Obligations", "Opaque", "Open", "Parameter", "Parameters", "Polymorphic",
    "Preterm", "Print", "Program", "Proof", "Proposition", "Qed", "Record", "Redirect", "Remark", "Remove",
    "Require", "Reserved", "Reset", "Restart", "Save", "Scheme", "Search", "SearchPattern", "SearchRewrite",
    "Section", "Set", "Show", "Strategy", "Structure", "SubClass", "Succeed", "Tactic", "Test", "Theorem",
    "Time", "Timeout", "Transparent", "Typeclasses", "Undo", "Unset", "Universe", "Universes", "Variable",
    "Variables", "Variant", "Back", "BackTo", "Abstract", "Instructions", "Optimize", "Primitive", "Register",
    "Solve", "Next", "Final", "Constraint", "Monomorphic", "Cumulative", "NonCumulative", "Private",
    "Admit", "Info", "Debug", "Debug", "Guarded", "Focus", "Unfocus", "Unfocused", "Show",
}
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


def command_problems(sentences, line_of=lambda off: 0, tactics: Collection[str] = ()) -> list[tuple[str, int]]:
    """Sentences of a proof body that are not tactics: (description, line).

    ``tactics``: capitalised names Coq has said are tactics (``Locate Ltac``).
    """
    out: list[tuple[str, int]] = []
    for i, s in enumerate(sentences):
        word = command_word(s)
        if word is None or (word == "Proof" and i == 0) or word in tactics:
            continue
        text = strip_comments(s.text).strip()
        what = "attribute" if word == "#[" else "command"
        out.append((f"{what} in the proof body: {text[:60]!r}", line_of(s.start)))
    return out


def capitalised_words(sentences) -> set[str]:
    """The capitalised first words of a body's sentences that may be user tactics (to ask Coq about)."""
    out = set()
    for i, s in enumerate(sentences):
        w = command_word(s)
        if w is not None and w != "#[" and not (w == "Proof" and i == 0) and w not in VERNACULAR:
            out.add(w)
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


def opener_problem(p: ProofItem, original: ProofItem, cand_text: str, orig_text: str) -> str | None:
    """Why the candidate's proof opener changes the statement, if it does.

    ``Proof using …`` decides what a theorem closes over when its section
    ends, and ``Proof with …`` is part of how the original states its proof:
    the opener is part of the statement, and the candidate's must be the
    original's, up to comments and spacing.  A bare ``Proof.`` says nothing:
    it may be added or dropped.
    """
    def opener(q: ProofItem, text: str) -> str:
        s = q.opener
        words = " ".join(strip_comments(text[s.start : s.end]).split()) if s is not None else ""
        return "" if words == "Proof." else words

    o, c = opener(original, orig_text), opener(p, cand_text)
    if o == c:
        return None
    if not o:
        return f"the original has no proof opener; the candidate adds {c!r}"
    return f"the proof opener {o!r} is part of the statement; the candidate " + (f"has {c!r}" if c else "drops it")


def check_body(p: ProofItem, original: ProofItem, line_of, defer_capitalised: bool = False) -> list[Finding]:
    """Rule 2 on one changed proof.

    ``defer_capitalised``: leave capitalised words that are not Coq commands
    (a user tactic ``Crush``, maybe) to the caller, which asks Coq.
    """
    name = p.qualname or p.name or p.keyword
    tactics = capitalised_words(p.body) if defer_capitalised else ()
    out = [Finding(Reason.VERNACULAR_IN_BODY, d, name, ln) for d, ln in command_problems(p.body, line_of, tactics)]
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


def compare(candidate: str, original: str, defer_capitalised: bool = False) -> Comparison:
    """Rules 1 and 2: the findings, and the proofs whose bodies changed.

    ``defer_capitalised``: see :func:`check_body`.
    """
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
            why = opener_problem(p_c, p_o, cand.text, orig.text)
            if why:
                findings.append(Finding(Reason.STATEMENT_CHANGED, why, p_c.qualname or p_c.name,
                                        line_of(p_c.body[0].start if p_c.body else p_c.statement.start)))
            findings.extend(check_body(p_c, p_o, line_of, defer_capitalised))
    return Comparison(tuple(findings), tuple(changes), orig, cand)


def static_audit(candidate: str, original: str) -> tuple[list[Finding], list[ProofItem], CoqDocument | None]:
    """Rules 1 and 2.  Returns findings, the changed proofs and the parsed candidate."""
    c = compare(candidate, original)
    return list(c.findings), [ch.candidate for ch in c.changes], c.candidate
