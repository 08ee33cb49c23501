"""When a Lean candidate counts: the audit, judged by what Lean reports.

A candidate file is accepted only if all hold, each failure with its reason:

1. outside the bodies of the target proofs the text is byte-identical to the
   original (``outside_changed``); a changed body belongs to a proof that is
   a hole or fails in the original (``not_a_target``);
2. a new body holds no command and no cheat word outside comments and
   strings: no ``sorry``/``admit``/``sorryAx``, no ``axiom``, ``unsafe``,
   ``implemented_by``/``extern``, ``native_decide``, no declaration, ``open``,
   ``set_option``, ``attribute``, notation or macro, no ``#`` command
   (``forbidden_in_body``) — a body cannot end its declaration and start
   another;
3. a fresh batch check of the whole candidate has no error
   (``compile_failed``, ``compile_timeout``) and no ``declaration uses
   'sorry'`` warning inside a target (``uses_sorry``);
4. ``#print axioms`` of each target, appended to a private copy of the
   candidate, names nothing beyond ``propext``, ``Quot.sound``,
   ``Classical.choice`` and the allowed ones (``axiom_not_allowed``;
   ``sorryAx`` is ``uses_sorry``); a target Lean cannot find is
   ``target_missing``;
5. ``#check`` of every named declaration prints the same in the candidate as
   in the original with each changed body replaced by ``sorry``
   (``statement_changed``): Lean's account of the statements, not the
   text's.

Lean's information messages (``#print axioms``, ``#check``) carry no
position in the 2021 build's batch output, so each probe is preceded by a
``#print "<marker>"`` with a fresh nonce and the output is cut at the markers.

An ``example`` has no name to ask about: in the private copy it is checked
as a ``def`` of a fresh name.
"""

from __future__ import annotations

import re
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from ..diagnostics import Diagnostic
from ..errors import InputError
from ..limits import Limits
from .batch import SORRY_WARNING, check_text, parse_plain
from .locator import COMMAND_WORDS, LeanDocument, LexError, parse_lean, tokens
from .toolchain import Toolchain

STANDARD_AXIOMS = frozenset({"propext", "Quot.sound", "Classical.choice"})
#: words a proof body never needs and a cheat does (besides the command words)
CHEAT_WORDS = frozenset({
    "sorry", "admit", "sorryAx", "axiom", "unsafe", "implemented_by", "implementedBy", "extern",
    "native_decide", "nativeDecide", "ofReduceBool", "Lean.ofReduceBool", "reduceBool",
    "opaque", "constant", "local", "scoped", "macro", "elab", "syntax", "notation",
    # commands that need no column 0 either (a tactic block ends where one starts)
    "include", "omit", "unif_hint", "add_decl_doc", "register_simp_attr", "register_option",
    "register_builtin_option", "declare_simp_like_tactic", "binder_predicate",
})
# a name may hold primes (add_comm'): the name is everything between the first and the last quote
_AXIOMS = re.compile(r"^'(?P<name>.+)' depends on axioms: \[(?P<list>.*)\]\s*$", re.S)
_NO_AXIOMS = re.compile(r"^'(?P<name>.+)' does not depend on any axioms\s*$", re.S)
EXAMPLE_PREFIX = "proofmend_audit_example_"
#: a changed body in the reference the statements are read from (a term: the 2021 build has no sorry tactic)
REFERENCE_BODY = " sorry"


class Reason(str, Enum):
    PARSE_ERROR = "parse_error"
    OUTSIDE_CHANGED = "outside_changed"
    NOT_A_TARGET = "not_a_target"
    INCOMPLETE = "incomplete"
    FORBIDDEN_IN_BODY = "forbidden_in_body"
    COMPILE_FAILED = "compile_failed"
    COMPILE_TIMEOUT = "compile_timeout"
    USES_SORRY = "uses_sorry"
    AXIOM_NOT_ALLOWED = "axiom_not_allowed"
    TARGET_MISSING = "target_missing"
    STATEMENT_CHANGED = "statement_changed"


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


@dataclass(frozen=True)
class Verdict:
    accepted: bool
    findings: tuple[Finding, ...] = ()
    changed: tuple[str, ...] = ()  # declarations whose proofs changed
    assumptions: dict[str, tuple[str, ...]] = field(default_factory=dict)  # target -> its axioms, as Lean lists them
    # target -> the file's holes it rests on: the agent's loop fills it where the prover can tell (Coq); a Lean
    # proof that rests on a hole uses sorry and is refused
    rests_on: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def conditional(self) -> bool:
        return self.accepted and any(self.rests_on.values())

    @property
    def reasons(self) -> list[str]:
        return [f.reason.value for f in self.findings]

    def to_json(self) -> dict:
        return {
            "accepted": self.accepted,
            "reasons": [{"code": f.reason.value, "message": f.message, "theorem": f.theorem, "line": f.line}
                        for f in self.findings],
            "changed": list(self.changed),
            "assumptions": {k: list(v) for k, v in self.assumptions.items()},
        }


def body_problems(body: str) -> list[str]:
    """Why a proof body cannot be accepted as it stands (command and cheat words); empty when none."""
    try:
        toks = tokens(body)
    except LexError as e:
        return [f"the body cannot be read: {e}"]
    found: list[str] = []
    for i, t in enumerate(toks):
        word = None
        if t.kind == "ident" and (t.text in COMMAND_WORDS or t.text in CHEAT_WORDS
                                  or t.text.split(".")[-1] in ("sorryAx", "ofReduceBool")):
            word = t.text
        elif t.kind == "symbol" and t.text == "@[":
            word = "@["
        elif (t.kind == "symbol" and t.text == "#" and i + 1 < len(toks) and toks[i + 1].start == t.end
              and toks[i + 1].kind == "ident"):
            word = "#" + toks[i + 1].text
        if word and word not in found:
            found.append(word)
    return [f"'{w}' is not allowed in a proof" for w in found]


@dataclass(frozen=True)
class Comparison:
    findings: tuple[Finding, ...]
    changed: tuple[int, ...]  # indices of declarations whose bodies differ


def compare(candidate: LeanDocument, original: LeanDocument) -> Comparison:
    """Rule 1: the same declarations, the same text outside proof bodies; which bodies changed."""
    def skeleton(doc: LeanDocument) -> str:
        return doc.with_bodies({i: "\0" for i, d in enumerate(doc.decls) if d.body_start is not None})

    if [(d.keyword, d.qualname) for d in candidate.decls] != [(d.keyword, d.qualname) for d in original.decls]:
        names = {d.label for d in candidate.decls} ^ {d.label for d in original.decls}
        what = f" ({', '.join(sorted(names)[:4])})" if names else ""
        return Comparison((Finding(Reason.OUTSIDE_CHANGED, f"the declarations differ from the original's{what}"),), ())
    a, b = skeleton(candidate), skeleton(original)
    if a != b:
        k = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
        line = b.count("\n", 0, k) + 1
        return Comparison((Finding(Reason.OUTSIDE_CHANGED, "text outside the proof bodies differs", line=line),), ())
    changed = tuple(i for i, (c, o) in enumerate(zip(candidate.decls, original.decls))
                    if c.body_start is not None and candidate.body(c) != original.body(o))
    return Comparison((), changed)


def failing_decls(doc: LeanDocument, diags: list[Diagnostic]) -> set[int]:
    """Indices of proofs Lean reports an error in (anywhere in the declaration: Lean places some at its name)."""
    out = set()
    for d in diags:
        if d.severity != "error":
            continue
        decl = doc.decl_at_line(d.line)
        if decl is not None and decl.is_proof:
            out.add(doc.decls.index(decl))
    return out


def _probe_text(doc: LeanDocument, axioms_of: list[int], names: list[int], marker: str
                ) -> tuple[str, dict[int, tuple[str, int]]]:
    """The text with examples renamed and probes appended; probe number -> (what, decl index).

    Each probe follows a ``#print "MARKER<k>"``: the 2021 build prints an information message (``#print
    axioms``, ``#check``, ``#print "…"``) with no position at all, so the output is cut at the markers
    instead of being placed by line.  The marker holds a fresh nonce, so a candidate cannot forge one."""
    text = doc.text
    renamed: dict[int, str] = {}
    for i in sorted(axioms_of, reverse=True):
        d = doc.decls[i]
        if d.keyword == "example":
            name = f"{EXAMPLE_PREFIX}{i}"
            k = text.index("example", d.start)
            text = text[:k] + "def " + name + text[k + len("example"):]
            renamed[i] = name
    lines = text.rstrip("\n").split("\n") + [""]
    probes: dict[int, tuple[str, int]] = {}
    for i in axioms_of:
        name = renamed.get(i) or doc.decls[i].qualname
        probes[len(probes)] = ("axioms", i)
        lines += [f'#print "{marker}{len(probes) - 1}"', f"#print axioms {name}"]
    for i in names:
        probes[len(probes)] = ("check", i)
        lines += [f'#print "{marker}{len(probes) - 1}"', f"#check @{doc.decls[i].qualname}"]
    return "\n".join(lines) + "\n", probes


_HEAD = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+):\s(?:(?P<sev>error|warning|info|information):\s?)?")


def _probe_messages(output: str, file: str, marker: str, probes: dict[int, tuple[str, int]]
                    ) -> tuple[str, dict[tuple[str, int], str]]:
    """(the file's own output, each probe's output) of a batch check, cut at the markers.

    A probe's output is its lines with positions dropped (they differ between the two files) and
    ``error: ``/``warning: `` kept; the file's own output is returned as Lean printed it."""
    own: list[str] = []
    out: dict[tuple[str, int], list[str]] = {}
    current: list[str] | None = None
    for raw in output.splitlines():
        m = _HEAD.match(raw)
        if m and Path(m.group("file")).name != Path(file).name:
            m = None
        body = raw[m.end():] if m else raw
        tail = body[len(marker):] if body.startswith(marker) else ""
        if tail.isdigit() and int(tail) in probes:
            current = out.setdefault(probes[int(tail)], [])
            continue
        if current is None:
            own.append(raw)
        else:
            sev = m.group("sev") if m else None
            current.append(f"{sev}: {body}" if sev in ("error", "warning") else body)
    return "\n".join(own), {k: "\n".join(v).strip() for k, v in out.items()}


def audit(candidate: str, original: str, path: Path, limits: Limits = Limits(),
          allowed_axioms: frozenset[str] = frozenset(), targets: tuple[str, ...] | None = None,
          toolchain: Toolchain | None = None) -> Verdict:
    """Judge ``candidate`` (the whole new text of the Lean file at ``path``) against ``original``."""
    toolchain = toolchain or Toolchain.for_file(path)
    try:
        cand_doc = parse_lean(candidate, "candidate")
    except InputError as e:
        return Verdict(False, (Finding(Reason.PARSE_ERROR, str(e)),))
    orig_doc = parse_lean(original, str(path))
    cmp = compare(cand_doc, orig_doc)
    findings = list(cmp.findings)
    changed_names = tuple(orig_doc.decls[i].label for i in cmp.changed)
    if findings:
        return Verdict(False, tuple(findings), changed_names)
    if not cmp.changed:
        return Verdict(False, (Finding(Reason.INCOMPLETE, "no proof differs from the original: nothing was proven"),))
    for t in targets or ():
        if not any(t in (orig_doc.decls[i].name, orig_doc.decls[i].qualname) for i in cmp.changed):
            findings.append(Finding(Reason.INCOMPLETE, f"the proof of {t} is not among the changed proofs", t))
    for i in cmp.changed:
        d = cand_doc.decls[i]
        for p in body_problems(cand_doc.body(d)):
            findings.append(Finding(Reason.FORBIDDEN_IN_BODY, p, d.label, cand_doc.line_of(d.body_start or 0)))
    # Lean's account: both files, each with the probes appended, checked afresh (at once).
    named = [i for i, d in enumerate(orig_doc.decls) if d.qualname]
    marker = f"proofmend-probe-{secrets.token_hex(8)}-"
    cand_text, probes = _probe_text(cand_doc, list(cmp.changed), named, marker)
    # The statements as Lean elaborates them: the original with each changed body a 'sorry' (a body that does
    # not even parse can leave its declaration out of the original altogether).
    ref_doc = parse_lean(orig_doc.with_bodies({i: REFERENCE_BODY for i in cmp.changed}), str(path))
    ref_text, ref_probes = _probe_text(ref_doc, [], named, marker)
    name = Path(path).name
    with ThreadPoolExecutor(3) as pool:
        fc = pool.submit(check_text, cand_text, toolchain, limits, name)
        fo = pool.submit(check_text, original, toolchain, limits, name)
        fr = pool.submit(check_text, ref_text, toolchain, limits, name)
        _, cand_rc, _, cand_out = fc.result()
        orig_diags, orig_rc, _, _ = fo.result()
        _, ref_rc, _, ref_out = fr.result()
    if cand_rc is None or orig_rc is None or ref_rc is None:
        findings.append(Finding(Reason.COMPILE_TIMEOUT, f"the batch check took over {limits.timeout_s:g} s"))
        return Verdict(False, tuple(findings), changed_names)
    cand_own, got = _probe_messages(cand_out, name, marker, probes)
    _, want = _probe_messages(ref_out, name, marker, ref_probes)
    cand_diags = parse_plain(cand_own, name)
    file_lines = candidate.rstrip("\n").count("\n") + 1
    # failing in the original = an error inside the body, as Lean placed it
    orig_lines = original.rstrip("\n").count("\n") + 1
    failing = failing_decls(orig_doc, [d for d in orig_diags if d.line <= orig_lines])
    for i in cmp.changed:
        o = orig_doc.decls[i]
        if not o.is_proof:
            findings.append(Finding(Reason.NOT_A_TARGET, f"the body of a {o.keyword} is not a proof", o.label,
                                    orig_doc.line_of(o.start)))
        elif not o.hole and i not in failing:
            findings.append(Finding(Reason.NOT_A_TARGET, "the original proof is complete (no sorry, no error)",
                                    o.label, orig_doc.line_of(o.start)))
    for d in cand_diags:
        if d.line > file_lines:
            continue
        if d.severity == "error":
            findings.append(Finding(Reason.COMPILE_FAILED, d.message.split("\n")[0][:300], line=d.line))
        elif SORRY_WARNING in d.message:
            decl_i = next((i for i in cmp.changed if cand_doc.line_of(cand_doc.decls[i].start) <= d.line
                           <= cand_doc.line_of(max(cand_doc.decls[i].start, cand_doc.decls[i].end - 1))), None)
            if decl_i is not None:
                findings.append(Finding(Reason.USES_SORRY, "Lean: " + SORRY_WARNING, cand_doc.decls[decl_i].label,
                                        d.line))
    allowed = STANDARD_AXIOMS | allowed_axioms
    assumptions: dict[str, tuple[str, ...]] = {}
    for i in cmp.changed:
        label = cand_doc.decls[i].label
        said = got.get(("axioms", i), "")
        axioms = _axioms(said)
        if axioms is None:
            why = said.split("\n")[0] if said else "no answer"
            findings.append(Finding(Reason.TARGET_MISSING, f"#print axioms: {why}", label))
            continue
        assumptions[label] = axioms
        if "sorryAx" in axioms:
            findings.append(Finding(Reason.USES_SORRY, "#print axioms lists sorryAx", label))
        bad = [a for a in axioms if a not in allowed and a != "sorryAx"]
        if bad:
            findings.append(Finding(Reason.AXIOM_NOT_ALLOWED, "depends on " + ", ".join(bad), label))
    for i in named:
        mine, theirs = got.get(("check", i)), want.get(("check", i))
        if mine is None or mine != theirs:
            shown = mine.split("\n")[0][:200] if mine else "nothing"
            findings.append(Finding(Reason.STATEMENT_CHANGED, f"#check prints {shown!r}, not as in the original",
                                    orig_doc.decls[i].label))
    return Verdict(not findings, tuple(findings), changed_names, assumptions)


def _axioms(said: str) -> tuple[str, ...] | None:
    """The axioms ``#print axioms`` lists (empty when none); None when it did not answer so."""
    if said.startswith(("error:", "warning:")) or "\nerror: " in said:
        return None
    m = _AXIOMS.match(said)
    if m:
        return tuple(a.strip() for a in m.group("list").split(",") if a.strip())
    if _NO_AXIOMS.match(said):
        return ()
    return None
