"""The acceptance audit: when a changed Coq file counts as honestly proven.

Rules (each failure has its own reason code):

1. the statements and everything outside proof bodies are byte-identical;
2. changed bodies are tactic sentences only (no vernacular, no ``admit``,
   ``give_up``, ``Admitted``, ``Abort``) and end in ``Qed.`` (``Defined.``
   only where the original used it);
3. a fresh batch compile of the whole file succeeds (time and memory limits);
4. ``Print Assumptions`` of each changed theorem shows no admitted lemma of
   the project and no axiom outside the allowed set, and no unsafe flag.

No proof can bring a new axiom: rule 1 keeps every declaration where it was
and rule 2 keeps declarations out of proof bodies, so whatever axiom a proof
rests on was declared before it, by the file or a library it loads. The
policy says which of those a proof may use (:class:`AxiomPolicy`).

The static rules 1 and 2 run first: a file that would write files or load code
when compiled is rejected without ever being run.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from ..limits import Limits
from .batch import compile_text, parse_diagnostics
from .locator import CoqDocument, ProofItem, Terminator, parse_document
from .project import CoqProject
from .sentences import SentenceKind, SplitError, code_tokens, split_sentences, strip_comments


class Reason(str, Enum):
    PARSE_ERROR = "parse_error"
    OUTSIDE_CHANGED = "outside_changed"
    STATEMENT_CHANGED = "statement_changed"
    PROOFS_CHANGED = "proofs_added_or_removed"
    VERNACULAR_IN_BODY = "vernacular_in_body"
    ADMIT_IN_BODY = "admit_in_body"
    BAD_TERMINATOR = "bad_terminator"
    COMPILE_FAILED = "compile_failed"
    COMPILE_TIMEOUT = "compile_timeout"
    ADMITTED_DEPENDENCY = "admitted_dependency"
    AXIOM_NOT_ALLOWED = "axiom_not_allowed"
    UNSAFE_ASSUMPTION = "unsafe_assumption"


@dataclass(frozen=True)
class Finding:
    reason: Reason
    message: str
    theorem: str = ""
    line: int = 0

    def __str__(self) -> str:
        where = f" [{self.theorem}]" if self.theorem else ""
        at = f" line {self.line}:" if self.line else ""
        return f"{self.reason.value}{where}:{at} {self.message}"


#: The axioms Coq's standard-library real numbers rest on (Coq 8.16, ``Coq.Reals``).
#: ``R`` is built from classical Dedekind cuts (``ClassicalDedekindReals``):
#: ``Print Assumptions`` of ``Rplus_comm`` or ``total_order_T`` already shows
#: ``sig_forall_dec`` and ``functional_extensionality_dep``, that of ``exp_pos``
#: or ``sqrt_le_1_alt`` adds ``sig_not_dec``, and that of ``exp_ineq1_le`` adds
#: ``classic``. A file that states its theorem over ``R`` has loaded the
#: library that assumes them, so a proof resting on them adds no axiom to what
#: the statement is already written in: they are inherited, not new.
REALS_AXIOMS: frozenset[str] = frozenset({
    "Coq.Reals.ClassicalDedekindReals.sig_forall_dec",
    "Coq.Reals.ClassicalDedekindReals.sig_not_dec",
    "Coq.Logic.FunctionalExtensionality.functional_extensionality_dep",
    "Coq.Logic.Classical_Prop.classic",
})


@dataclass(frozen=True)
class AxiomPolicy:
    """Which assumptions a changed theorem may rest on.

    With ``allowed`` unset, any axiom the environment already declared is
    accepted (a proof cannot declare one, see the module's rules), but never a
    lemma that is ``Admitted`` in the project.  With ``allowed`` set, only those
    names (matched by full or trailing name), plus the ``library`` axioms the
    file has loaded: fully qualified names of standard-library axioms, by
    default :data:`REALS_AXIOMS`.  The audit asks Coq (``Locate``) what each of
    them is called right after the proof, so only the library's own constant
    passes, never an axiom of the same short name declared by the file.
    ``library=frozenset()`` accepts nothing beyond ``allowed``.
    """

    allowed: frozenset[str] | None = None
    admitted: frozenset[str] = frozenset()  # admitted lemmas known in the project
    library: frozenset[str] = REALS_AXIOMS

    @property
    def resolves_library(self) -> bool:
        """Whether the audit must ask Coq how the library axioms are printed."""
        return self.allowed is not None and bool(self.library)

    def violation(self, axiom: str, inherited: frozenset[str] = frozenset()) -> Reason | None:
        """Why ``axiom`` (as ``Print Assumptions`` names it) is not acceptable, or None.

        ``inherited``: the names under which Coq printed the ``library`` axioms
        at that point (empty when none of them is loaded).
        """
        def matches(name: str, pool: frozenset[str]) -> bool:
            return any(name == p or name.endswith("." + p) or p.endswith("." + name) for p in pool)

        if matches(axiom, self.admitted):
            return Reason.ADMITTED_DEPENDENCY
        if self.allowed is not None and not matches(axiom, self.allowed) and axiom not in inherited:
            return Reason.AXIOM_NOT_ALLOWED
        return None


@dataclass(frozen=True)
class Verdict:
    accepted: bool
    findings: tuple[Finding, ...] = ()
    changed: tuple[str, ...] = ()  # theorems whose proofs changed
    assumptions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    compile_seconds: float = 0.0

    @property
    def reasons(self) -> list[str]:
        return [f.reason.value for f in self.findings]

    def to_json(self) -> dict:
        return {
            "accepted": self.accepted,
            "reasons": [
                {"code": f.reason.value, "message": f.message, "theorem": f.theorem, "line": f.line}
                for f in self.findings
            ],
            "changed": list(self.changed),
            "assumptions": {k: list(v) for k, v in self.assumptions.items()},
        }


PROOF_OPENERS = {"Proof"}
UNSAFE_HEADERS = ("guard checking", "type-in-type", "positivity", "universe checking", "non-positive")


def _skeleton(doc: CoqDocument) -> list[tuple[str, ProofItem | None]]:
    """The file cut into (outside-text, following proof) pieces."""
    pieces = []
    pos = 0
    for p in doc.proofs:
        pieces.append((doc.text[pos : p.body_start], p))
        pos = p.body_end
    pieces.append((doc.text[pos:], None))
    return pieces


def _body_text(doc: CoqDocument, p: ProofItem) -> str:
    return doc.text[p.body_start : p.body_end]


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
        m = re.match(r"[A-Za-z_][\w'.]*", text)
        word = m.group(0).rstrip(".") if m else ""
        if word and word[0].isupper():
            last = word.split(".")[-1]
            if word in PROOF_OPENERS and i == 0:
                continue
            if "." in word and last and last[0].islower():
                continue  # a qualified tactic name such as Zify.zify
            out.append((f"command in the proof body: {text[:60]!r}", line_of(s.start)))
    return out


FORBIDDEN_TOKENS = {"admit", "give_up", "Admitted", "Abort"}


def static_body_problems(body: str) -> list[str]:
    """Why a proof body (tactics, with or without Proof./Qed.) may not even be run."""
    try:
        sentences = split_sentences(body)
    except SplitError as e:
        return [f"does not parse: {e}"]
    if sentences and sentences[-1].first_word in ("Qed", "Defined") and len(sentences[-1].words) == 1:
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
    if term not in allowed_terms or len(p.terminator.words) != 1:
        out.append(Finding(Reason.BAD_TERMINATOR, f"proof ends in {p.terminator.text!r}, expected "
                           + " or ".join(f"'{t.value}.'" for t in sorted(allowed_terms, key=lambda t: t.value)),
                           name, line_of(p.terminator.start)))
    return out


def static_audit(candidate: str, original: str) -> tuple[list[Finding], list[ProofItem], CoqDocument | None]:
    """Rules 1 and 2.  Returns findings, the changed proofs and the parsed candidate."""
    try:
        orig = parse_document(original)
    except SplitError as e:
        return [Finding(Reason.PARSE_ERROR, f"original does not parse: {e}")], [], None
    try:
        cand = parse_document(candidate)
    except SplitError as e:
        line = candidate.count("\n", 0, e.offset) + 1
        return [Finding(Reason.PARSE_ERROR, f"candidate does not parse: {e}", line=line)], [], None
    line_of = cand.line_of
    sk_o, sk_c = _skeleton(orig), _skeleton(cand)
    findings: list[Finding] = []
    if len(sk_o) != len(sk_c):
        findings.append(Finding(Reason.PROOFS_CHANGED, f"the original has {len(orig.proofs)} proofs, the candidate {len(cand.proofs)}"))
    changed: list[ProofItem] = []
    offset_c = 0
    for (out_o, p_o), (out_c, p_c) in zip(sk_o, sk_c):
        if out_o != out_c:
            d = _first_difference(out_o, out_c)
            abs_off = offset_c + d
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
        if _body_text(orig, p_o) != _body_text(cand, p_c):
            changed.append(p_c)
            findings.extend(check_body(p_c, p_o, line_of))
    return findings, changed, cand


# An entry of Print Assumptions starts at the margin: "name : type", or the name
# alone on its line when the type is too long and follows indented ("  : type").
_ASSUMPTION_LINE = re.compile(r"^([^\s:][^\s]*)(?:\s+:|\s*$)")


def parse_assumptions(output: str) -> tuple[list[str], list[str]]:
    """(axiom names, unsafe headers) from ``Print Assumptions`` output."""
    axioms: list[str] = []
    unsafe: list[str] = []
    section = ""
    for line in output.splitlines():
        if not line.strip():
            continue
        if not line.startswith(" ") and line.rstrip().endswith(":") and " : " not in line:
            section = line.strip().rstrip(":").lower()
            if any(h in section for h in UNSAFE_HEADERS):
                unsafe.append(line.strip())
            continue
        if line[0].isspace():
            continue  # the rest of an entry's type
        if section == "axioms":
            m = _ASSUMPTION_LINE.match(line)
            if m:
                axioms.append(m.group(1))
        elif any(h in section for h in UNSAFE_HEADERS):
            m = _ASSUMPTION_LINE.match(line)
            if m:
                unsafe.append(f"{section}: {m.group(1)}")
    return axioms, unsafe


_LOCATED = re.compile(r"^\w+\s+(\S+)(?:\s*\(shorter name to refer to it in current context is\s+(\S+?)\))?", re.S)


def parse_locate(output: str, full_name: str) -> str | None:
    """The name Coq prints for ``full_name``, from ``Locate full_name`` output; None when not loaded."""
    m = _LOCATED.match(output.strip())
    if not m or m.group(1) != full_name:
        return None
    return m.group(2) or full_name


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return ""


def admitted_names(project: CoqProject) -> frozenset[str]:
    """Names (short and logical) of lemmas that are Admitted or use admit in the project's files."""
    names: set[str] = set()
    for f in project.files:
        try:
            doc = parse_document(f.read_bytes().decode("utf-8"))
        except (OSError, UnicodeDecodeError, SplitError):
            continue
        logical = project.logical_name(f)
        for p in doc.proofs:
            if p.hole_kind and p.name:
                names.add(p.name)
                if logical:
                    names.add(f"{logical}.{p.qualname or p.name}")
    return frozenset(names)


def audit(
    candidate: str,
    original: str,
    project: CoqProject,
    file_name: str,
    limits: Limits = Limits(),
    policy: AxiomPolicy = AxiomPolicy(),
) -> Verdict:
    """Run the four rules on ``candidate`` (the whole new text of ``file_name``)."""
    findings, changed, cand = static_audit(candidate, original)
    names = tuple(p.qualname or p.name or p.keyword for p in changed)
    if findings or cand is None:
        return Verdict(False, tuple(findings), names)
    admitted = set(policy.admitted)
    for p in cand.proofs:
        if p.is_hole and p.name:
            admitted.add(p.name)
    policy = AxiomPolicy(policy.allowed, frozenset(admitted), policy.library)

    with tempfile.TemporaryDirectory(prefix="proofmend-audit-") as tmp:
        # Rule 3 + 4 in one compile: Print Assumptions right after each changed
        # proof (where its name resolves), redirected to files we own.
        text = candidate
        inserts = []
        library = sorted(policy.library) if policy.resolves_library else []
        for i, p in enumerate(changed):
            if p.name and p.keyword not in ("Goal",):
                out = Path(tmp) / f"assumptions_{i}"
                # how Coq names each library axiom at this point (one Locate per axiom)
                locates = "".join(f'\nRedirect "{out}_lib{j}" Locate {ax}.' for j, ax in enumerate(library))
                inserts.append((p.body_end, f'\nRedirect "{out}" Print Assumptions {p.name}.{locates}', p, out))
        for pos, cmd, _, _ in sorted(inserts, key=lambda t: -t[0]):
            text = text[:pos] + cmd + text[pos:]
        rc, out, secs, src = compile_text(project, text, Path(file_name).name, limits, workdir=Path(tmp))
        if rc is None:
            return Verdict(False, (Finding(Reason.COMPILE_TIMEOUT, f"coqc took longer than {limits.timeout_s:g} s"),), names, compile_seconds=secs)
        if rc != 0:
            diags = [d for d in parse_diagnostics(out, text, str(src)) if d.severity == "error"]
            msg = diags[0].message if diags else (out.strip().splitlines() or [f"coqc exited with {rc}"])[-1]
            line = diags[0].line if diags else 0
            return Verdict(False, (Finding(Reason.COMPILE_FAILED, msg.splitlines()[0][:300], line=line),), names, compile_seconds=secs)
        assumptions: dict[str, tuple[str, ...]] = {}
        for _, _, p, outfile in inserts:
            name = p.qualname or p.name
            try:
                report = Path(str(outfile) + ".out").read_text(encoding="utf-8")
            except OSError:
                findings.append(Finding(Reason.COMPILE_FAILED, "Print Assumptions produced no output", name))
                continue
            axioms, unsafe = parse_assumptions(report)
            assumptions[name] = tuple(axioms)
            inherited = frozenset(filter(None, (
                parse_locate(_read(Path(f"{outfile}_lib{j}.out")), ax) for j, ax in enumerate(library))))
            for u in unsafe:
                findings.append(Finding(Reason.UNSAFE_ASSUMPTION, u, name))
            for ax in axioms:
                why = policy.violation(ax, inherited)
                if why is Reason.ADMITTED_DEPENDENCY:
                    findings.append(Finding(why, f"relies on the admitted lemma {ax}", name))
                elif why is not None:
                    findings.append(Finding(why, f"relies on the axiom {ax}, which is not allowed", name))
    return Verdict(not findings, tuple(findings), names, assumptions, secs)
