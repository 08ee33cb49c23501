"""``nn_bound`` tasks cut from the machine-checked accuracy certificate.

The Coq development written by ``proofmend nn export-coq`` (``coq/ExpBounds.v``,
``coq/MaxOfK.v``, ``coq/Brute.v``) proves its exp bounds and the soundness of
its brute-force checker once for all weights. Each task here is one of those
lemmas, in a self-contained file (standard library only): the definitions and
earlier lemmas it needs, copied with their proofs, then the lemma with its
proof left ``Admitted``; the proof from the development is the reference.

What a target needs is found by names: starting from the target, every
definition or lemma whose name occurs in an included item is included, in
source order; a name used inside a section resolves first to that section's
variables and notations. ``Section`` and ``End`` come along with any item of
their section, and so do its scope commands. A target proven inside a section
stays inside it, its statement as in the development, and the section is
closed after the hole.

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
from .export import CoqTask, default_corpus_dir, write_task_lines

#: Development files in an order where each comes after what it imports.
SOURCES = ("ExpBounds.v", "MaxOfK.v", "Brute.v")

HEADER = """From Coq Require Import ZArith Reals Lra Lia List.
Import ListNotations.
Open Scope R_scope.
"""

_STRUCTURE = ("Section", "End", "Variable", "Variables", "Context", "Local")
_SKIPPED = ("From", "Require", "Import", "Open")  # the header gives them
_DEFINERS = ("Definition", "Fixpoint", "Record", "Inductive", "Lemma", "Theorem", "Fact", "Corollary")


@dataclass(frozen=True)
class Chunk:
    """One top-level item of a source: a command, or a statement with its proof."""

    text: str  # with the comments and blanks in front of it
    names: tuple[str, ...]  # names it defines
    section: str  # enclosing section ('' at top level)
    structural: bool  # Section/End/Variable/Local … of ``section``
    is_abort: bool = False

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


def chunks_of(text: str) -> list[Chunk]:
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
        if w == "Section":
            sections.append(words[1])
            out.append(Chunk(piece, (), sections[-1], True))
        elif w == "End" and sections and words[1:2] == [sections[-1]]:
            out.append(Chunk(piece, (), sections.pop(), True))
        elif w in _STRUCTURE:
            if w == "Local" and words[1:2] == ["Notation"]:
                names = tuple(words[2:3])
            elif w in ("Variable", "Variables"):
                code = strip_comments(s.text)
                names = tuple(re.findall(r"[A-Za-z_][\w']*", code[code.find(w) + len(w) : code.find(":")]))
            else:
                names = ()
            out.append(Chunk(piece, names, sections[-1] if sections else "", True))
        else:
            out.append(Chunk(piece, _defined_names(s.text), sections[-1] if sections else "", False, is_abort))
    return out


def _source(name: str) -> str:
    return resources.files("proofmend.nn_proofs").joinpath("coq", name).read_text(encoding="utf-8")


def development() -> list[Chunk]:
    """All chunks of the development, in dependency order."""
    return [c for f in SOURCES for c in chunks_of(_source(f))]


def _is_scope(c: Chunk) -> bool:
    return c.structural and bool(re.match(r"\s*Local\s+Open\s+Scope\b", strip_comments(c.text)))


def _opens_or_ends(c: Chunk) -> bool:
    return c.structural and bool(re.match(r"\s*(Section|End)\b", strip_comments(c.text)))


def context_for(chunks: list[Chunk], idx: int) -> tuple[list[Chunk], str]:
    """(the chunks before ``chunks[idx]`` that it needs, in source order; the section
    it stays in, '' when it is at top level)."""
    target = chunks[idx]
    before = [c for c in chunks[:idx] if not c.is_abort]
    definer: dict[tuple[str, str], int] = {}
    for i, c in enumerate(before):
        for n in c.names:
            definer[(c.section if c.structural else "", n)] = i
    keep: set[int] = set()
    sections = {target.section} - {""}
    todo = {(target.section, n) for n in target.uses}
    seen: set[tuple[str, str]] = set()
    while todo:
        where, name = todo.pop()
        if (where, name) in seen:
            continue
        seen.add((where, name))
        i = definer.get((where, name), definer.get(("", name)))
        if i is None or i in keep:
            continue
        keep.add(i)
        c = before[i]
        todo |= {(c.section, n) for n in c.uses}
        if c.section:
            sections.add(c.section)
    out = [c for i, c in enumerate(before)
           if i in keep or (c.section in sections and (_opens_or_ends(c) or _is_scope(c)))]
    # a scope opened for nothing but the next scope command or the section's end
    out = [c for j, c in enumerate(out)
           if not (_is_scope(c) and j + 1 < len(out) and out[j + 1].structural and not out[j + 1].names)]
    # a section with no variable and no scope command of its own is no section
    bare = sections - {c.section for c in out if c.structural and (c.names or _is_scope(c))}
    out = [c for c in out if not (_opens_or_ends(c) and c.section in bare)]
    return out, "" if target.section in bare else target.section


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
        "    library only). *)\n" + HEADER + "\n" + _strip_trailing_blank("".join(c.text for c in ctx)) + "\n"
    )
    return CoqTask(
        f"coq_cert_{lemma}", lemma, context, f"(* {target.note} *)\n{statement}",
        proof if proof.startswith("Proof") else "Proof.\n" + proof, list(target.tags),
        after=f"End {section}." if section else "",
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
