"""The tools, in one route table: name, description (written for a model to read), input, output, handler.

Handlers are coroutines; the prover work runs in a worker thread on the
file's live document (:mod:`.live`), ``check`` and ``audit`` on the project's
build as ``proofmend check`` and ``proofmend audit`` do, and ``mend`` in a
process group of its own (:mod:`.mending`).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel

from ..editor.api import check as check_file
from ..editor.api import offset_of, proof_at, theorem_label
from ..provers.coq.audit import admitted_names, audit as audit_text
from ..provers.coq.audit_static import static_body_problems
from ..provers.coq.batch import read_source
from ..provers.coq.locator import DEFINITION_KEYWORDS, PREFIX_WORDS, CoqDocument, Terminator, head_words
from ..provers.coq.scan import ScanResult
from ..provers.coq.session import ProofSession
from ..provers.coq.sentences import SentenceKind, SplitError, split_sentences
from ..provers.deadline import Deadline
from ..provers.errors import InputError, ProverError
from ..provers.results import Goals as CoqGoals
from ..provers.results import TacticOk
from . import schemas as s
from .context import Progress, Services, in_thread
from .files import ToolFailure, find_proof
from .live import tactics_of
from .mending import mend

Handler = Callable[[Services, BaseModel, Progress], Awaitable[BaseModel]]


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    input: type[s.Input]
    output: type[s.Output]
    run: Handler
    read_only: bool = True
    bounded_by_call_timeout: bool = True  # mend bounds itself by its budget


# ------------------------------------------------------------------ conversions

def goals_out(goals: CoqGoals) -> s.Goals:
    return s.Goals(goals=[s.Goal(hypotheses=list(g.hypotheses), conclusion=g.conclusion) for g in goals.foreground],
                   unfocused=goals.background, shelved=goals.shelved, text=goals.render(limit=len(goals.foreground) or 1))


# ------------------------------------------------------------------ check

async def check(svc: Services, args: s.CheckInput, progress: Progress) -> s.CheckOutput:
    path = svc.files.resolve(args.file)
    svc.files.read(path)
    await progress.say(f"compiling {svc.files.display(path)} and what it requires")
    try:
        result = await in_thread(progress, check_file, path, svc.limits)
    except InputError as e:
        raise ToolFailure("bad_arguments", str(e)) from None
    except ProverError as e:
        raise ToolFailure("prover_error", str(e)) from None
    return s.CheckOutput(file=svc.files.display(path), ok=result.ok, compiled=result.compiled,
                         diagnostics=[s.Diagnostic(**d.to_json()) for d in result.diagnostics],
                         holes=[s.Hole(theorem=h.theorem, line=h.line, kind=h.kind) for h in result.holes],
                         seconds=round(result.seconds, 3))


# ------------------------------------------------------------------ outline

DECLARATIONS = DEFINITION_KEYWORDS | {"Inductive", "CoInductive", "Variant", "Record", "Structure", "Class",
                                      "Ltac", "Module", "Section"}
ASSUMPTIONS = {"Axiom", "Axioms", "Parameter", "Parameters", "Conjecture", "Hypothesis", "Hypotheses",
               "Variable", "Variables", "Context"}


def outline_items(doc: CoqDocument, scan: ScanResult) -> list[s.OutlineItem]:
    items: list[tuple[int, s.OutlineItem]] = []
    statements = set()
    for i, p in enumerate(doc.proofs):
        statements.add(p.statement.start)
        failure = scan.failing.get(i)
        if p.is_hole:
            status = "admitted"
        elif failure is not None:
            status = "failing"
        elif scan.stopped_at is not None and p.statement.start >= scan.stopped_at:
            status = "unchecked"
        else:
            status = "proved"
        items.append((p.statement.start, s.OutlineItem(
            kind=p.keyword, name=theorem_label(doc, p), line=doc.line_of(p.statement.start),
            end_line=doc.line_of(p.terminator.start), status=status,
            error=failure.message if failure and status == "failing" else None,
            error_line=failure.line if failure and status == "failing" else None)))
    for sentence in doc.sentences:
        if sentence.kind is not SentenceKind.COMMAND or sentence.start in statements:
            continue
        words = head_words(sentence)
        while words and words[0] in PREFIX_WORDS:
            words = words[1:]
        if not words or words[0] not in DECLARATIONS | ASSUMPTIONS:
            continue
        name = words[1] if len(words) > 1 and words[1] not in ("Type", "Import", "Export") else ""
        if words[0] == "Module" and len(words) > 2 and words[1] in ("Type", "Import", "Export"):
            name = words[2]
        items.append((sentence.start, s.OutlineItem(
            kind=words[0], name=name, line=doc.line_of(sentence.start), end_line=doc.line_of(sentence.end),
            status="assumed" if words[0] in ASSUMPTIONS else "defined")))
    return [item for _, item in sorted(items, key=lambda t: t[0])]


def _outline(svc: Services, path: Path, deadline: Deadline) -> s.OutlineOutput:
    with svc.live.open(path, deadline) as f:
        scan = f.scan()
        return s.OutlineOutput(file=svc.files.display(path), items=outline_items(f.doc, scan),
                               load_error=scan.outside_error, load_error_line=scan.outside_line or None,
                               seconds=round(scan.seconds, 3))


async def outline(svc: Services, args: s.OutlineInput, progress: Progress) -> s.OutlineOutput:
    path = svc.files.resolve(args.file)
    await progress.say(f"loading {svc.files.display(path)}")
    return await in_thread(progress, _outline, svc, path, Deadline(svc.call_timeout_s))


# ------------------------------------------------------------------ goals

def _goals(svc: Services, path: Path, args: s.GoalsInput, deadline: Deadline) -> s.GoalsOutput:
    shown = svc.files.display(path)
    with svc.live.open(path, deadline) as f:
        if args.theorem is not None:
            index, p = find_proof(f.doc, args.theorem, shown)
            offset = p.body_start
        else:
            offset = offset_of(f.text, args.line - 1, args.column)
            found = proof_at(f.doc, offset)
            if found is None:
                raise ToolFailure("not_in_proof", f"{shown}:{args.line}:{args.column} is not inside a proof; give a "
                                                  "line of a proof's statement or body, or a theorem")
            index, p = found
        session, opened, skip = f.at_proof(index)
        label = theorem_label(f.doc, p)
        ran = [t for t in p.body[skip:] if t.end <= offset]
        last = p.body[skip - 1] if skip else p.statement
        if not ran:
            return s.GoalsOutput(file=shown, theorem=label, line=f.doc.line_of(last.start), **_fields(opened.goals))
        r = session.run(f.text[ran[0].start : ran[-1].end])
        if isinstance(r, TacticOk):
            return s.GoalsOutput(file=shown, theorem=label, line=f.doc.line_of(ran[-1].start), **_fields(r.goals))
        before = r.goals or opened.goals
        return s.GoalsOutput(file=shown, theorem=label, line=f.doc.line_of(ran[0].start + r.start),
                             error=r.message, error_line=f.doc.line_of(ran[0].start + r.start), **_fields(before))


def _fields(goals: CoqGoals) -> dict:
    return dict(goals_out(goals))


async def goals(svc: Services, args: s.GoalsInput, progress: Progress) -> s.GoalsOutput:
    path = svc.files.resolve(args.file)
    return await in_thread(progress, _goals, svc, path, args, Deadline(svc.call_timeout_s))


# ------------------------------------------------------------------ try

def _try(svc: Services, path: Path, args: s.TryInput, deadline: Deadline, progress: Progress) -> s.TryOutput:
    shown = svc.files.display(path)
    timeout = args.timeout_s or svc.config.tactic_timeout_s
    with svc.live.open(path, deadline) as f:
        index, p = find_proof(f.doc, args.theorem, shown)
        session, opened, skip = f.at_proof(index)
        opener = p.body[0].text if skip else "Proof."
        closer = "Defined." if p.terminator_kind is Terminator.DEFINED else "Qed."
        results = []
        for k, script in enumerate(args.tactics):
            if progress.cancelled.is_set():
                break
            progress.message = f"script {k + 1} of {len(args.tactics)}"
            results.append(_one_script(session, opened, script, opener, closer, timeout))
        return s.TryOutput(file=shown, theorem=theorem_label(f.doc, p), results=results)


def _one_script(session: ProofSession, opened: TacticOk, script: str, opener: str, closer: str,
                timeout: float) -> s.TryResult:
    t0 = time.monotonic()
    tactics = tactics_of(script)
    problems = static_body_problems(tactics)
    if problems:
        return s.TryResult(script=script, status="error", message="not a proof script: " + "; ".join(problems),
                           seconds=0.0)
    try:
        r = session.run(tactics, at=opened.checkpoint, timeout=timeout)
        why = None
        if isinstance(r, TacticOk) and r.finished:
            why = session.closes(f"{opener}\n{tactics}\n{closer}", timeout=timeout)
    except ProverError as e:
        return s.TryResult(script=script, status="error", seconds=round(time.monotonic() - t0, 3),
                           message=f"the prover failed or ran past {timeout:g} s ({e}); it was started again")
    seconds = round(time.monotonic() - t0, 3)
    if not isinstance(r, TacticOk):
        return s.TryResult(script=script, status="error", message=r.message, failed_sentence=r.sentence,
                           checked=r.checked, goals=goals_out(r.goals) if r.goals else None, seconds=seconds)
    if not r.finished:
        return s.TryResult(script=script, status="open", goals=goals_out(r.goals), seconds=seconds)
    if why is not None:
        return s.TryResult(script=script, status="error", message=f"{closer} refused: {why}", seconds=seconds)
    return s.TryResult(script=script, status="proved", goals=goals_out(r.goals), seconds=seconds)


async def try_scripts(svc: Services, args: s.TryInput, progress: Progress) -> s.TryOutput:
    path = svc.files.resolve(args.file)
    return await in_thread(progress, _try, svc, path, args, Deadline(svc.call_timeout_s), progress)


# ------------------------------------------------------------------ search

QUERIES = {"Search", "SearchPattern", "SearchRewrite", "SearchHead", "About", "Locate", "Print", "Check"}


def _query_sentence(query: str) -> str:
    text = query.strip()
    if not text.endswith("."):
        text += "."
    try:
        sentences = split_sentences(text)
    except SplitError as e:
        raise ToolFailure("bad_arguments", f"the query does not parse: {e}") from None
    words = head_words(sentences[0]) if sentences else []
    if len(sentences) != 1 or not words or words[0] not in QUERIES:
        raise ToolFailure("bad_arguments", f"give one query sentence starting with {', '.join(sorted(QUERIES))}")
    return sentences[0].text


def _search(svc: Services, path: Path, args: s.SearchInput, deadline: Deadline) -> s.SearchOutput:
    shown = svc.files.display(path)
    query = _query_sentence(args.query)
    with svc.live.open(path, deadline) as f:
        if args.theorem is not None:
            index, p = find_proof(f.doc, args.theorem, shown)
            session, opened, _ = f.at_proof(index)
            output = session.query(query, at=opened.checkpoint)
            at = f"the start of the proof of {theorem_label(f.doc, p)}"
        else:
            output = f.at_end().query(query)
            at = f"the end of {shown}"
    truncated = len(output) > args.max_chars
    shown_output = output
    if truncated:
        head = output[: args.max_chars]
        head = head[: head.rfind("\n") + 1] or head  # whole lines
        shown_output = head + f"[... {len(output) - len(head)} more characters: narrow the query]"
    return s.SearchOutput(file=shown, query=query, at=at, output=shown_output, truncated=truncated,
                          total_chars=len(output))


async def search(svc: Services, args: s.SearchInput, progress: Progress) -> s.SearchOutput:
    path = svc.files.resolve(args.file)
    return await in_thread(progress, _search, svc, path, args, Deadline(svc.call_timeout_s))


# ------------------------------------------------------------------ audit

def _audit(svc: Services, original: Path, original_text: str, candidate: str) -> s.AuditOutput:
    project, _ = svc.live.space_for(original)
    policy = svc.config.axiom_policy(admitted_names(project))
    verdict = audit_text(candidate, original_text, project, original.name, svc.limits, policy).to_json()
    return s.AuditOutput(accepted=verdict["accepted"], reasons=[s.Reason(**r) for r in verdict["reasons"]],
                         changed=verdict["changed"], assumptions=verdict["assumptions"])


async def audit(svc: Services, args: s.AuditInput, progress: Progress) -> s.AuditOutput:
    original = svc.files.resolve(args.original_file)
    original_text, _ = svc.files.read(original)
    if args.candidate_file is not None:
        try:
            candidate = read_source(svc.files.resolve(args.candidate_file))
        except InputError as e:
            raise ToolFailure("not_found", str(e)) from None
    else:
        candidate = args.candidate_text or ""
    await progress.say(f"auditing the candidate of {svc.files.display(original)}")
    return await in_thread(progress, _audit, svc, original, original_text, candidate)


# ------------------------------------------------------------------ the route table

TOOLS: dict[str, Tool] = {t.name: t for t in (
    Tool("check", "Compile a .v file with coqc and the project's flags (what it requires is built first). "
         "Returns Coq's errors and warnings (1-based line, 0-based column) and the Admitted/admit holes. "
         "ok is true only when the file compiles with no hole.", s.CheckInput, s.CheckOutput, check),
    Tool("outline", "List a .v file's theorems, definitions and proofs with their lines and status: proved, "
         "admitted, or failing (with Coq's error). Loads the file in a live Coq session: use it first to see "
         "what needs work.", s.OutlineInput, s.OutlineOutput, outline),
    Tool("goals", "The proof goals (hypotheses and conclusion) at the start of a theorem's proof "
         "({file, theorem}) or after the sentences ending at or before a point inside a proof "
         "({file, line, column}; line 1-based, column 0-based).", s.GoalsInput, s.GoalsOutput, goals),
    Tool("try", "Run several proof scripts, each on its own from the start of a theorem's proof, in the file's "
         "live Coq session (milliseconds each; the file is not changed). Per script: proved (no goal left, Qed "
         "accepted), open (the goals left) or error (Coq's message, the sentence that failed, the goals before "
         "it). Tactics only: no Admitted, admit or commands.", s.TryInput, s.TryOutput, try_scripts),
    Tool("search", "Ask Coq one query in the file's context: Search, SearchPattern, SearchRewrite, About, Locate, "
         "Print, Check. With theorem, at the start of its proof (its hypotheses in scope); otherwise at the end "
         "of the file. Output is cut to max_chars.", s.SearchInput, s.SearchOutput, search),
    Tool("mend", "Mend a failing or Admitted proof (or, without theorem, every one in the file) with proofmend's "
         "repair loop: stale-proof repair, tactic search and the configured model. Returns only proofs that "
         "passed the audit, with a diff. Writes the file only with write: true (proof bodies only, atomically). "
         "Reports progress; can be cancelled.", s.MendInput, s.MendOutput, mend, read_only=False,
         bounded_by_call_timeout=False),
    Tool("audit", "Judge a candidate text of a .v file against the original: accepted only if only failing or "
         "Admitted proofs changed, their bodies are tactics ending in Qed, the whole file compiles afresh, and "
         "Print Assumptions shows no admitted lemma and no new axiom. Returns the verdict and its reasons.",
         s.AuditInput, s.AuditOutput, audit),
)}
