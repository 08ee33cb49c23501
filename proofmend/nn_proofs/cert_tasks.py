"""``nn_bound`` tasks cut from the machine-checked accuracy certificate.

The Coq development written by ``proofmend nn export-coq`` (``coq/ExpBounds.v``,
``coq/MaxOfK.v``, ``coq/Brute.v``, ``coq/Cubic.v``, ``coq/Subcubic.v``) proves its
exp bounds and the soundness of its brute-force, cubic and subcubic checkers once
for all weights. Each
task here is one of those lemmas, in a self-contained file (standard library
only): the definitions and earlier lemmas it needs, copied with their proofs,
then the lemma with its proof left ``Admitted``; the proof from the development
is the reference.

What a target needs is found by names: starting from the target, every
definition or lemma whose name occurs in an included item is included, in
source order; a name means the last item defining it before the item that uses
it, and one used inside a section resolves first to that section's variables
and notations, then to those of the sections around it. ``Section``
and ``End`` come along with any item of their section (and of a section nested
in it), and so do its scope commands; so do the section's hypotheses declared
before the last item needed from it, since a proof may use them without naming
them. A target proven inside sections stays inside them, its statement as in
the development, and the sections are closed after the hole. The standard
library modules a source requires beyond those of :data:`HEADER` are required
by the tasks that take an item from it.

The proofs rest on the standard library's real numbers, so ``Print
Assumptions`` of a reference proof lists the reals' axioms (see
:data:`proofmend.provers.coq.audit.REALS_AXIOMS`) and nothing else.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ..provers.coq.locator import parse_document
from ..provers.coq.sentences import SentenceKind, split_sentences, strip_comments
from .task_files import CoqTask, default_corpus_dir, write_task_lines

#: Development files in an order where each comes after what it imports.
SOURCES = ("ExpBounds.v", "MaxOfK.v", "Brute.v", "Cubic.v", "Subcubic.v")

HEADER = """From Coq Require Import ZArith Reals Lra Lia List.
Import ListNotations.
Open Scope R_scope.
"""

_STRUCTURE = ("Section", "End", "Variable", "Variables", "Hypothesis", "Hypotheses", "Context", "Local")
_DECLARERS = ("Variable", "Variables", "Hypothesis", "Hypotheses")
_SKIPPED = ("From", "Require", "Import", "Open")  # the header gives them
_DEFINERS = ("Definition", "Fixpoint", "Record", "Inductive", "Lemma", "Theorem", "Fact", "Corollary")


@dataclass(frozen=True)
class Chunk:
    """One top-level item of a source: a command, or a statement with its proof."""

    text: str  # with the comments and blanks in front of it
    names: tuple[str, ...]  # names it defines
    section: str  # enclosing sections, outermost first, joined by '/' ('' at top level)
    structural: bool  # Section/End/Variable/Hypothesis/Local … of ``section``
    is_abort: bool = False
    source: str = ""  # the development file it comes from

    @property
    def uses(self) -> set[str]:
        return set(re.findall(r"[A-Za-z_][\w']*", strip_comments(self.text)))


def _defined_names(text: str) -> tuple[str, ...]:
    code = strip_comments(text).strip()
    m = re.match(r"(?:Local\s+|Global\s+)?(\w+)\s+([A-Za-z_][\w']*)", code)
    if not m or m.group(1) not in _DEFINERS:
        return ()
    names = [m.group(2)]
    if m.group(1) == "Record":
        body = code[code.find("{") + 1 : code.rfind("}")]
        names += re.findall(r"([A-Za-z_][\w']*)\s*:(?!=)", body)
    return tuple(names)


def _enclosing(section: str) -> list[str]:
    """``section`` and the sections around it, innermost first, then top level ('')."""
    parts = section.split("/") if section else []
    return ["/".join(parts[:k]) for k in range(len(parts), -1, -1)]


def _require_modules(text: str) -> list[str]:
    """The standard library modules ``text`` requires (``From Coq Require Import …``)."""
    out = []
    for s in split_sentences(text):
        if s.kind is SentenceKind.COMMAND and s.words[:4] == ["From", "Coq", "Require", "Import"]:
            out += re.findall(r"[\w.]*\w", strip_comments(s.text).split("Import", 1)[1].rstrip().rstrip("."))
    return out


def chunks_of(text: str, source: str = "") -> list[Chunk]:
    """``text`` cut into top-level chunks, each with the trivia before it."""
    doc = parse_document(text)
    by_start = {p.statement.start: p for p in doc.proofs}
    sentences = split_sentences(text)
    out: list[Chunk] = []
    sections: list[str] = []
    pos = 0
    i = 0
    while i < len(sentences):
        s = sentences[i]
        end = s.end
        is_abort = False
        if s.start in by_start:
            p = by_start[s.start]
            end = p.terminator.end
            is_abort = p.terminator.first_word == "Abort"
            while i < len(sentences) and sentences[i].end <= end:
                i += 1
        else:
            i += 1
        piece = text[pos:end]
        pos = end
        w = s.first_word if s.kind is SentenceKind.COMMAND else ""
        words = s.words
        if w in _SKIPPED:
            continue
        here = "/".join(sections)
        if w == "Section":
            sections.append(words[1])
            out.append(Chunk(piece, (), "/".join(sections), True, source=source))
        elif w == "End" and sections and words[1:2] == [sections[-1]]:
            sections.pop()
            out.append(Chunk(piece, (), here, True, source=source))
        elif w in _STRUCTURE:
            if w == "Local" and words[1:2] == ["Notation"]:
                names = tuple(words[2:3])
            elif w in _DECLARERS:
                code = strip_comments(s.text)
                names = tuple(re.findall(r"[A-Za-z_][\w']*", code[code.find(w) + len(w) : code.find(":")]))
            else:
                names = ()
            out.append(Chunk(piece, names, here, True, source=source))
        else:
            out.append(Chunk(piece, _defined_names(s.text), here, False, is_abort, source))
    return out


def _source(name: str) -> str:
    return resources.files("proofmend.nn_proofs").joinpath("coq", name).read_text(encoding="utf-8")


def development() -> list[Chunk]:
    """All chunks of the development, in dependency order."""
    return [c for f in SOURCES for c in chunks_of(_source(f), f)]


def _is_scope(c: Chunk) -> bool:
    return c.structural and bool(re.match(r"\s*Local\s+Open\s+Scope\b", strip_comments(c.text)))


def _opens_or_ends(c: Chunk) -> bool:
    return c.structural and bool(re.match(r"\s*(Section|End)\b", strip_comments(c.text)))


def _ends(c: Chunk) -> bool:
    return c.structural and bool(re.match(r"\s*End\b", strip_comments(c.text)))


def _is_hypothesis(c: Chunk) -> bool:
    return c.structural and bool(re.match(r"\s*Hypothes[ie]s\b", strip_comments(c.text)))


def _drop_idle_scopes(out: list[Chunk]) -> list[Chunk]:
    """``out`` less the scope commands that change nothing: one opened for nothing but the
    next scope command or the section's end, and one opened again while it is the one opened last."""
    while True:
        kept = [c for j, c in enumerate(out)
                if not (_is_scope(c) and j + 1 < len(out) and (_is_scope(out[j + 1]) or _ends(out[j + 1])))]
        opened: list[tuple[str, str]] = []  # (section, scope) of the scope commands in force
        again: list[Chunk] = []
        for c in kept:
            if _ends(c):
                opened = [(s, n) for s, n in opened if s != c.section and not s.startswith(c.section + "/")]
            elif _is_scope(c):
                name = strip_comments(c.text).split()[-1].rstrip(".")
                if opened and opened[-1][1] == name:
                    continue
                opened.append((c.section, name))
            again.append(c)
        if len(again) == len(out):
            return again
        out = again


def context_for(chunks: list[Chunk], idx: int) -> tuple[list[Chunk], str]:
    """(the chunks before ``chunks[idx]`` that it needs, in source order; the sections
    it stays in, outermost first, joined by '/', '' when it is at top level)."""
    target = chunks[idx]
    before = [c for c in chunks[:idx] if not c.is_abort]
    definers: dict[tuple[str, str], list[int]] = {}
    for i, c in enumerate(before):
        for n in c.names:
            definers.setdefault((c.section if c.structural else "", n), []).append(i)

    def resolve(user: int, where: str, name: str) -> int | None:
        """The item that ``name``, used in the item at ``user`` in section ``where``, means."""
        for w in _enclosing(where):
            found = [i for i in definers.get((w, name), ()) if i < user]
            if found:
                return found[-1]
        return None

    keep: set[int] = set()
    sections = set(_enclosing(target.section)) - {""}
    todo = {(len(before), target.section, n) for n in target.uses}
    seen: set[tuple[int, str, str]] = set()
    while True:
        while todo:
            user, where, name = todo.pop()
            if (user, where, name) in seen:
                continue
            seen.add((user, where, name))
            i = resolve(user, where, name)
            if i is None or i in keep:
                continue
            keep.add(i)
            c = before[i]
            todo |= {(i, c.section, n) for n in c.uses}
            sections |= set(_enclosing(c.section)) - {""}
        # a section's hypotheses before the last item needed from it (a proof may use them unnamed)
        last: dict[str, int] = {s: len(before) for s in _enclosing(target.section)}
        for i in keep:
            for s in _enclosing(before[i].section):
                last[s] = max(last.get(s, -1), i)
        hyps = {i for i, c in enumerate(before)
                if _is_hypothesis(c) and i not in keep and c.section in sections and i < last.get(c.section, -1)}
        if not hyps:
            break
        keep |= hyps
        for i in hyps:
            todo |= {(i, before[i].section, n) for n in before[i].uses}
    out = [c for i, c in enumerate(before)
           if i in keep or (c.section in sections and (_opens_or_ends(c) or _is_scope(c)))]
    out = _drop_idle_scopes(out)
    # a section with no variable, hypothesis, notation or scope command of its own is no section
    bare = sections - {c.section for c in out if c.structural and (c.names or _is_scope(c))}
    out = [c for c in out if not (_opens_or_ends(c) and c.section in bare)]
    parts = target.section.split("/") if target.section else []
    kept = [n for k, n in enumerate(parts) if "/".join(parts[: k + 1]) not in bare]
    return out, "/".join(kept)


def header_for(chunks: list[Chunk]) -> str:
    """:data:`HEADER`, requiring also the modules that the sources of ``chunks`` require beyond it."""
    first, rest = HEADER.split("\n", 1)
    base = _require_modules(first)
    used = {c.source for c in chunks}
    extra: list[str] = []
    for f in SOURCES:
        if f in used:
            extra += [m for m in _require_modules(_source(f)) if m not in base and m not in extra]
    return first[:-1] + "".join(" " + m for m in extra) + ".\n" + rest if extra else HEADER


def _strip_trailing_blank(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())


@dataclass(frozen=True)
class CertTarget:
    """A lemma of the development made into a task."""

    lemma: str  # the task is nn_bound/coq_cert_<lemma>
    tags: tuple[str, ...]
    note: str  # one line on what the lemma says, put above it in the file


def build(target: CertTarget, chunks: list[Chunk] | None = None) -> CoqTask:
    """The task for ``target``: context, statement as in the development, its proof as reference."""
    chunks = chunks if chunks is not None else development()
    found = [i for i, c in enumerate(chunks) if target.lemma in c.names and not c.structural]
    if not found:
        raise ValueError(f"{target.lemma} is not in the development")
    idx, lemma = found[0], target.lemma
    ctx, section = context_for(chunks, idx)
    doc = parse_document(chunks[idx].text)
    p = doc.proofs[-1]
    statement = chunks[idx].text[p.statement.start : p.statement.end]
    proof = chunks[idx].text[p.body_start : p.body_end].strip()
    context = (
        "(** From the machine-checked accuracy certificate of a max-of-K transformer\n"
        "    (definitions and lemmas it needs copied with their proofs; standard\n"
        "    library only). *)\n" + header_for(ctx + [chunks[idx]]) + "\n"
        + _strip_trailing_blank("".join(c.text for c in ctx)) + "\n"
    )
    return CoqTask(
        f"coq_cert_{lemma}", lemma, context, f"(* {target.note} *)\n{statement}",
        proof if proof.startswith("Proof") else "Proof.\n" + proof, list(target.tags),
        after="\n".join(f"End {n}." for n in reversed(section.split("/"))) if section else "",
    )


TARGETS: tuple[CertTarget, ...] = (
    CertTarget("IZR_div_le", ("nn", "exp-bounds", "reals", "fixed-point", "kind5", "easy"),
               "integer division rounds down, read in the reals"),
    CertTarget("sq_up_sound", ("nn", "exp-bounds", "reals", "fixed-point", "kind5", "easy"),
               "squaring an upper bound on exp w, rounding up, bounds exp (2w) from above"),
    CertTarget("sq_dn_sound", ("nn", "exp-bounds", "reals", "fixed-point", "kind5", "medium"),
               "squaring a nonnegative lower bound on exp w, rounding down, bounds exp (2w) from below"),
    CertTarget("iter_dn_sound", ("nn", "exp-bounds", "reals", "induction", "kind5", "medium"),
               "n squarings rounding down turn a lower bound on exp w into one on exp (w 2^n)"),
    CertTarget("exp_le_pow3", ("nn", "exp-bounds", "reals", "induction", "kind5", "medium"),
               "the fallback bound for large arguments: exp x <= 3^k when x <= k"),
    CertTarget("exp_lo_sound", ("nn", "exp-bounds", "reals", "fixed-point", "kind5", "hard"),
               "the fixed-point lower bound on exp (n/d) is sound"),
    CertTarget("exp_hi_sound", ("nn", "exp-bounds", "reals", "fixed-point", "kind5", "hard"),
               "the fixed-point upper bound on exp (n/d) is sound"),
    # s_bounds is this at the exponent of the scores
    CertTarget("s_bounds_at", ("nn", "exp-bounds", "softmax", "reals", "sqrt", "kind5", "hard"),
               "bounds on exp of an attention score, scaled by 1/sqrt(d_head), from fixed-point bounds"),
    CertTarget("lowmul_le", ("nn", "checker", "soundness", "reals", "kind3", "easy"),
               "lowmul lo hi x is at most e * x for every e between the fixed-point bounds lo and hi"),
    CertTarget("argmax_upto_unique", ("nn", "checker", "soundness", "argmax", "induction", "kind1", "medium"),
               "an output whose logit beats every other one is the argmax"),
    CertTarget("check_margins_sound", ("nn", "checker", "soundness", "reals", "kind3", "hard"),
               "an input the brute-force checker accepts is answered correctly by the network"),
    CertTarget("brute_sound", ("nn", "checker", "soundness", "brute-force", "counting", "kind1", "medium"),
               "the checker's count is a lower bound on the number of correct inputs"),
    # the cubic checker (Cubic.v)
    CertTarget("lastpass_spec", ("nn", "cubic", "checker", "lists", "induction", "kind3", "medium"),
               "the last position where a list is positive, as lastpass finds it, holds a positive entry"),
    CertTarget("box_count", ("nn", "cubic", "counting", "induction", "kind3", "medium"),
               "the number of inputs in a box is the product of the per-position counts"),
    CertTarget("NoDup_all_seqs", ("nn", "cubic", "counting", "brute-force", "induction", "kind3", "medium"),
               "the enumeration of all inputs lists each input once"),
    CertTarget("part_le", ("nn", "cubic", "counting", "induction", "kind3", "medium"),
               "disjoint parts' counts add up to at most the total"),
    CertTarget("box_seqmax", ("nn", "cubic", "checker", "lists", "kind3", "medium"),
               "every input in a valid box has the box's max"),
    CertTarget("wlist_spec", ("nn", "cubic", "margins", "lists", "kind3", "medium"),
               "the least margin of output m is below its margin over every other output"),
    CertTarget("S_split", ("nn", "cubic", "path-decomposition", "integer", "kind2", "medium"),
               "an attention score splits into a token part and a position part"),
    CertTarget("mulb_spec", ("nn", "cubic", "exp-bounds", "reals", "fixed-point", "kind5", "medium"),
               "multiplying fixed-point bounds on two nonnegative reals, rounding, bounds their product"),
    CertTarget("box_sound", ("nn", "cubic", "checker", "soundness", "reals", "kind3", "hard"),
               "every input in a box the cubic checker accepts is classified correctly"),
    CertTarget("cubic_abstract_sound", ("nn", "cubic", "soundness", "counting", "kind3", "medium"),
               "the cubic checker's count is at most the number of correctly classified inputs"),
    CertTarget("fast_term_sound", ("nn", "cubic", "soundness", "exp-bounds", "reals", "fixed-point", "kind5", "hard"),
               "the table-driven term of the cubic checker is a lower bound on a position's share of the margin"),
    CertTarget("cubic_sound", ("nn", "cubic", "soundness", "counting", "kind3", "medium"),
               "the fast cubic checker's count is at most the number of correctly classified inputs"),
    # the subcubic checker (Subcubic.v)
    CertTarget("bsearch_spec", ("nn", "subcubic", "checker", "search", "induction", "kind3", "medium"),
               "whatever the binary search returns passed the test and lies below the bound"),
    CertTarget("prefmax_aux_spec", ("nn", "subcubic", "lists", "induction", "kind3", "medium"),
               "a running maximum is at least every earlier entry"),
    CertTarget("sumZ_swap", ("nn", "subcubic", "path-decomposition", "integer", "induction", "kind2", "easy"),
               "finite double sums over Z can be swapped"),
    CertTarget("spread_le", ("nn", "subcubic", "error-terms", "integer", "kind4", "medium"),
               "the spread of a . b_t over t is at most sum_j |a_j| times the range of b_j"),
    CertTarget("score_rank1", ("nn", "subcubic", "rank-1", "path-decomposition", "integer", "kind2", "medium"),
               "a key token's score is the rank-1 part from the hint basis plus the error term"),
    CertTarget("err_spread", ("nn", "subcubic", "rank-1", "error-terms", "integer", "kind4", "hard"),
               "the error term's spread over key tokens is at most the computed bound"),
    CertTarget("path_margin_lb", ("nn", "subcubic", "margins", "integer", "kind3", "hard"),
               "the path-wise least margins, rounded down, bound every output margin from below"),
    CertTarget("cnt_sound", ("nn", "subcubic", "soundness", "counting", "kind3", "medium"),
               "a count of boxes that a finder proves sound is at most the number of correct inputs"),
    CertTarget("term_free", ("nn", "subcubic", "exp-bounds", "softmax", "reals", "kind5", "hard"),
               "a free position's share of the margin is bounded by the rank-1 attention bound"),
    CertTarget("sub_sound", ("nn", "subcubic", "soundness", "reals", "counting", "kind3", "hard"),
               "the subcubic checker's count is at most the number of correctly classified inputs"),
)


def cert_tasks() -> list[CoqTask]:
    """One task per :data:`TARGETS` entry."""
    chunks = development()
    return [build(t, chunks) for t in TARGETS]


def export(out_root: Path | None = None) -> list[Path]:
    """Write these tasks' files under ``out_root/nn_bound`` (default: the built-in corpus)
    and their lines into its ``tasks.jsonl``, leaving the other tasks there as they are.

    ``python -m proofmend.nn_proofs.cert_tasks [CORPUS_DIR]``; then
    ``python scripts/merge_corpus.py`` updates the corpus's top-level list.
    """
    folder = Path(out_root if out_root is not None else default_corpus_dir()) / "nn_bound"
    folder.mkdir(parents=True, exist_ok=True)
    tasks = cert_tasks()
    written = []
    for task in tasks:
        path = folder / f"{task.name}.v"
        path.write_text(task.file_text(), encoding="utf-8")
        written.append(path)
    write_task_lines(folder / "tasks.jsonl", [task.task_line() for task in tasks])
    return written


if __name__ == "__main__":
    for p in export(Path(sys.argv[1]) if len(sys.argv) > 1 else None):
        print(p)
