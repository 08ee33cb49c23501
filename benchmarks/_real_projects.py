"""Helpers for the real-breakage corpus (not part of the package).

A task of the corpus is a proof that a commit of a public Coq project had to
change: the proof as it stood at the parent commit, put back into the file at
the fixed commit, fails there.  Both scripts that use this module work on git
history and on checkouts that the project's own build has already built; they
never build a project themselves.

Layouts told apart (``layout_of``): ``coqproject-files`` (a ``_CoqProject``
that lists the project's files), ``coqproject-flags`` (a ``_CoqProject`` with
load-path options only; the build gives coq_makefile the file list),
``dune`` (``dune-project`` and ``coq.theory`` stanzas, built by dune: its objects are
under ``_build/default``, whether or not a ``_CoqProject`` lies beside it for editors).
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from proofmend.provers.coq.locator import ProofItem, parse_document
from proofmend.provers.coq.sentences import SplitError

ROOT = Path(__file__).resolve().parent.parent
CORPUS_DIR = ROOT / "benchmarks" / "real_breakages"
CHECKOUTS = Path("/work/real-projects")


# ------------------------------------------------------------------ git
def git(git_dir: Path, *args: str, check: bool = True) -> str:
    res = subprocess.run(["git", f"--git-dir={git_dir}", *args], capture_output=True, text=True,
                         errors="replace")
    if check and res.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {res.stderr.strip()}")
    return res.stdout


def show(git_dir: Path, commit: str, path: str) -> str | None:
    res = subprocess.run(["git", f"--git-dir={git_dir}", "show", f"{commit}:{path}"], capture_output=True)
    if res.returncode != 0:
        return None
    return res.stdout.decode("utf-8", errors="replace")


def checkout(git_dir: Path, commit: str, dest: Path) -> list[str]:
    """Write the tree of ``commit`` into ``dest`` (a plain folder, no .git).

    Blobs the repository lacks (a snapshot without its largest files) are left
    out; their paths are returned."""
    entries = []
    for item in git(git_dir, "ls-tree", "-r", "-z", commit).split("\0"):
        if item and "\t" in item:
            meta, path = item.split("\t", 1)
            if meta.split()[1] == "blob":
                entries.append((meta.split()[2], path))
    res = subprocess.run(["git", f"--git-dir={git_dir}", "cat-file", "--batch-check"], capture_output=True,
                         text=True, input="\n".join(sha for sha, _ in entries) + "\n")
    missing = {ln.split()[0] for ln in res.stdout.splitlines() if ln.endswith(" missing")}
    left_out = [p for sha, p in entries if sha in missing]
    dest.mkdir(parents=True, exist_ok=True)
    cmd = ["git", f"--git-dir={git_dir}", "archive", commit, "--", ".", *[f":(exclude){p}" for p in left_out]]
    archive = subprocess.Popen(cmd, stdout=subprocess.PIPE)
    subprocess.run(["tar", "-x", "-C", str(dest)], stdin=archive.stdout, check=True)
    if archive.wait() != 0:
        raise RuntimeError(f"git archive {commit} failed in {git_dir}")
    return left_out


def checkout_from(git_dir: Path, base_commit: str, base: Path, commit: str, dest: Path) -> list[str]:
    """Write the tree of ``commit`` into ``dest`` as a copy of ``base``, a checkout of ``base_commit``.

    The copy keeps ``base``'s build products and time stamps; only the files
    that differ between the two commits are written (or removed), so the
    project's own build redoes only what the change touched.  Returns the
    changed paths."""
    if dest.exists():
        raise FileExistsError(dest)
    # the tree comparison alone (plumbing: no blob is read, so blobs a snapshot lacks do not stop it)
    rows = git(git_dir, "diff-tree", "-r", "--no-renames", "-z", base_commit, commit).split("\0")
    # -z gives ':<modes> <shas> <status>' NUL path NUL for each entry
    items = [x for x in rows if x]
    entries = [(meta.split()[3], meta.split()[4], path) for meta, path in zip(items[0::2], items[1::2])
               if "160000" not in meta.lstrip(":").split()[:2]]  # a submodule: git archive leaves it an empty folder either way
    subprocess.run(["cp", "-a", "--reflink=auto", str(base), str(dest)], check=True)
    time.sleep(1.1)  # what is written now is strictly newer than anything the base's build wrote
    try:
        for sha_new, status, path in entries:
            target = dest / path
            if status.startswith("D"):
                target.unlink(missing_ok=True)
                continue
            res = subprocess.run(["git", f"--git-dir={git_dir}", "cat-file", "blob", sha_new], capture_output=True)
            if target.is_symlink() or target.exists():
                target.unlink()
            if res.returncode != 0:
                continue  # a blob the snapshot lacks (a large file): left out, as checkout() does
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(res.stdout)
    except BaseException:
        subprocess.run(["rm", "-rf", str(dest)])
        raise
    return [path for _, _, path in entries]


# ------------------------------------------------------------------ project layouts
def _coqproject_tokens(text: str) -> list[str]:
    lines = [ln.split("#", 1)[0] if not ln.lstrip().startswith('"') else ln for ln in text.splitlines()]
    return shlex.split("\n".join(lines))


def layout_of(root: Path) -> str:
    cp = root / "_CoqProject"
    if (root / "dune-project").is_file() and (root / "_build" / "default").is_dir():
        return "dune"  # built by dune (a _CoqProject beside it serves editors; the build's objects are in _build)
    if cp.is_file():
        toks = _coqproject_tokens(cp.read_text(errors="replace"))
        return "coqproject-files" if any(t.endswith(".v") for t in toks) else "coqproject-flags"
    if (root / "dune-project").is_file():
        return "dune"
    return "none"


def _dune_theories(root: Path) -> list[tuple[str, str]]:
    """(directory, theory name) of every ``coq.theory`` stanza under root."""
    out = []
    for dune in root.rglob("dune"):
        if "_build" in dune.parts or not dune.is_file():
            continue
        text = dune.read_text(errors="replace")
        for m in re.finditer(r"\(coq\.theory\b(.*?)\(name\s+([\w.]+)\)", text, re.S):
            out.append((str(dune.parent.relative_to(root)), m.group(2)))
    return out


def coq_flags(root: Path) -> list[str]:
    """coqc options for files of the project at ``root`` (run from ``root``)."""
    cp = root / "_CoqProject"
    if cp.is_file() and layout_of(root) != "dune":
        toks = _coqproject_tokens(cp.read_text(errors="replace"))
        flags: list[str] = []
        i = 0
        while i < len(toks):
            t = toks[i]
            if t in ("-R", "-Q") and i + 2 < len(toks) + 1:
                flags += [t, toks[i + 1], toks[i + 2]]
                i += 3
            elif t == "-I":
                flags += [t, toks[i + 1]]
                i += 2
            elif t == "-arg":
                flags += shlex.split(toks[i + 1])
                i += 2
            else:
                i += 1
        return flags
    flags = []
    for d, name in _dune_theories(root):
        flags += ["-Q", str(Path("_build/default") / d), name]
    return flags


def built_vo(root: Path, rel: str) -> Path | None:
    """The compiled form of ``rel`` left by the project's build, if it is up to date."""
    src = (root / rel).stat().st_mtime
    for vo in (root / (rel + "o"), root / "_build" / "default" / (rel + "o")):
        if vo.is_file() and vo.stat().st_mtime >= src:
            return vo
    return None


# ------------------------------------------------------------------ proofs
def proofs_by_name(text: str) -> dict[str, ProofItem]:
    """Named proofs of a file; a name used twice in the file is left out."""
    try:
        doc = parse_document(text)
    except (SplitError, ValueError):
        return {}
    seen: dict[str, ProofItem | None] = {}
    for p in doc.proofs:
        if not p.name:
            continue
        seen[p.name] = None if p.name in seen else p
    return {k: v for k, v in seen.items() if v is not None}


def proof_text(text: str, p: ProofItem) -> str:
    """Everything after the statement up to and including the terminator."""
    return text[p.body_start:p.body_end]


def normalise(s: str) -> str:
    s = re.sub(r"\(\*.*?\*\)", " ", s, flags=re.S)
    return " ".join(s.split())


def sha(s: str) -> str:
    return hashlib.sha256(s.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Swapped:
    text: str
    first_line: int  # lines of the put-back proof in the new text (1-based, inclusive)
    last_line: int


def put_back(text: str, theorem: str, old_proof: str) -> Swapped | None:
    p = proofs_by_name(text).get(theorem)
    if p is None:
        return None
    new = text[:p.body_start] + old_proof + text[p.body_end:]
    first = text.count("\n", 0, p.body_start) + 1
    return Swapped(new, first, first + old_proof.count("\n"))


def fixed_proof_line(text: str, theorem: str) -> int | None:
    p = proofs_by_name(text).get(theorem)
    return None if p is None else text.count("\n", 0, p.statement.start) + 1


# ------------------------------------------------------------------ checking one file


def coqc_file(root: Path, rel: str, text: str, timeout: float = 600) -> tuple[bool, int | None, str]:
    """Compile ``text`` as the project file ``rel`` (written in place, then restored).

    The object file goes to a temporary folder, so the project's build is left as
    it was.  Returns (ok, error line or None, Coq's message).
    """
    path = root / rel
    original = path.read_bytes()
    stat = path.stat()
    try:
        path.write_text(text)
        with tempfile.TemporaryDirectory() as tmp:
            cmd = ["coqc", *coq_flags(root), "-o", str(Path(tmp) / (path.stem + ".vo")), rel]
            try:
                res = subprocess.run(cmd, cwd=root, capture_output=True, text=True, errors="replace",
                                     timeout=timeout)
            except subprocess.TimeoutExpired:
                return False, None, f"timeout after {timeout:.0f} s"
    finally:
        path.write_bytes(original)
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    out = res.stdout + res.stderr
    if res.returncode == 0:
        return True, None, ""
    errors = [m for m in re.finditer(r'File "([^"]+)", line (\d+), characters \d+-\d+:\n(Error:.*(?:\n(?!File ").*)*)', out)]
    if not errors:
        return False, None, out.strip()[-2000:]
    m = errors[-1]
    return False, int(m.group(2)), m.group(3).strip()[:2000]


# ------------------------------------------------------------------ change kinds
CHANGE_KINDS = ("renamed-lemma", "removed-lemma", "restated-lemma", "statement-changed", "constructor-field",
                "definition-changed", "notation-changed", "section-variable", "other")

_ATTRS = r"(?:#\[[^\]]*\]\s*|(?:Local|Global|Polymorphic|Monomorphic|Program|Private|Global\s+Program)\s+)*"
_LEMMA = ("Lemma", "Theorem", "Corollary", "Proposition", "Fact", "Remark", "Example", "Property", "Conjecture")
_DEF = ("Definition", "Fixpoint", "CoFixpoint", "Function", "Equations", "Let", "Instance", "Canonical",
        "Abbreviation", "Axiom", "Parameter", "Derive", "Coercion", "Existing Instance")
_IND = ("Inductive", "CoInductive", "Variant", "Record", "Structure", "Class")
_SECVAR = ("Variable", "Variables", "Hypothesis", "Hypotheses", "Context", "Parameters")
_NOTATION = ("Notation", "Infix", "Reserved Notation", "Reserved Infix", "Declare Scope", "Open Scope",
             "Local Open Scope", "Bind Scope", "Delimit Scope")
_IDENT = r"[^\W\d][\w']*"


def _decl(sentence: str) -> tuple[str, str, str] | None:
    """(kind, name, text without the name) of a declaring sentence, kind in lemma/definition/inductive/
    notation/section-variable; None for other commands."""
    s = normalise(sentence)
    m = re.match(_ATTRS + r"(" + "|".join(k.replace(" ", r"\s+") for k in _NOTATION) + r")\b(.*)", s, re.S)
    if m:  # keyed and compared without locality attributes (Local X = #[local] X)
        return "notation", m.group(1) + " " + m.group(2).strip()[:80], m.group(1) + m.group(2)
    m = re.match(_ATTRS + r"(?:Ltac2?|Tactic\s+Notation)\s+(" + _IDENT + r")?(.*)", s, re.S)
    if m:
        return "tactic", m.group(1) or m.group(2)[:40], m.group(2)
    m = re.match(_ATTRS + r"(" + "|".join(_SECVAR) + r")\b(.*)", s, re.S)
    if m:
        return "section-variable", m.group(2).strip()[:80], s
    for kind, words in (("lemma", _LEMMA), ("inductive", _IND), ("definition", _DEF)):
        m = re.match(_ATTRS + r"(" + "|".join(w.replace(" ", r"\s+") for w in words) + r")\s+(" + _IDENT + r")(.*)",
                     s, re.S)
        if m:
            return kind, m.group(2), m.group(3).strip()
    return None


def _constructors(text: str) -> set[str]:
    """Constructor and field names of an Inductive/Record sentence (after the name), read from its text."""
    m = re.search(r":=\s*(" + _IDENT + r")?\s*\{(.*)\}", text, re.S)
    if m:  # a record: its constructor's name (if given) and the first name of each field
        names = set(re.findall(r"(?:^|;)\s*(" + _IDENT + r")", m.group(2)))
        return names | ({m.group(1)} if m.group(1) else set())
    return set(re.findall(r"(?::=|\|)\s*(" + _IDENT + r")", text))


def declarations(text: str) -> dict[str, dict[str, str]]:
    """kind -> {name: normalised text} of the sentences outside proof bodies."""
    from proofmend.provers.coq.locator import parse_document as _parse

    out: dict[str, dict[str, str]] = {k: {} for k in ("lemma", "definition", "inductive", "notation",
                                                       "section-variable", "constructor", "tactic")}
    try:
        doc = _parse(text)
    except (SplitError, ValueError):
        return out
    inside: set[int] = set()
    for p in doc.proofs:
        inside.update(range(p.body_start, p.body_end))
    for s in doc.sentences:
        if s.start in inside:
            continue
        d = _decl(s.text)
        if d is None:
            continue
        kind, name, rest = d
        out[kind][name] = rest
        if kind == "inductive":
            for c in _constructors(rest):
                out["constructor"][c] = name
    return out


def _tokens(text: str) -> set[str]:
    return {t.split(".")[-1] for t in re.findall(_IDENT + r"(?:\." + _IDENT + r")*", normalise(text))}


def _missing_name(error: str) -> str | None:
    m = re.search(r"The (?:reference|variable|constructor|field) (\S+?)\.? was not found", error or "")
    if m:
        return m.group(1).split(".")[-1]
    m = re.search(r"(?:Unknown (?:constructor|field)|Not a projection):?\s+(\S+)", error or "")
    return m.group(1).split(".")[-1] if m else None


def classify_change(git_dir: Path, task: dict, old_proof: str | None = None) -> tuple[str, list[str]]:
    """The change kind of a task, and the names it rests on: a heuristic over the commit's diff of
    the .v files it touched (declarations outside proofs, read from the text) and Coq's error.

    Order: the theorem's own statement changed; the name Coq reports missing (renamed when a
    declaration of the same kind and the same text appears under a new name, removed otherwise, a
    constructor or field when it was one); names of the old proof that were renamed or removed;
    lemmas the old proof uses whose statements changed (restated); constructors, fields or inductives
    the old proof or the statement mention that changed; definitions they mention that changed;
    notations changed; section variables of the theorem's file changed; any definition changed;
    else other (with the tactics the commit redefined, if any)."""
    parent, commit = task["parent"], task["commit"]
    rows = git(git_dir, "diff", "--name-status", "-M", parent, commit, "--", "*.v").splitlines()
    old_decl: dict[str, dict[str, str]] = {k: {} for k in ("lemma", "definition", "inductive", "notation",
                                                           "section-variable", "constructor", "tactic")}
    new_decl = {k: {} for k in old_decl}
    own_file_secvars = False
    for row in rows:
        parts = row.split("\t")
        old_path, new_path = (parts[1], parts[-1])
        o = declarations(show(git_dir, parent, old_path) or "") if not parts[0].startswith("A") else None
        n = declarations(show(git_dir, commit, new_path) or "") if not parts[0].startswith("D") else None
        for k in old_decl:
            if o:
                old_decl[k].update(o[k])
            if n:
                new_decl[k].update(n[k])
        if new_path == task["file"] and o and n and o["section-variable"] != n["section-variable"]:
            own_file_secvars = True
    if task.get("statement_changed"):
        return "statement-changed", [task["theorem"]]
    consts = ("lemma", "definition")
    gone = {name: k for k in consts for name in old_decl[k] if name not in new_decl["lemma"]
            and name not in new_decl["definition"]}
    added = {name: k for k in consts for name in new_decl[k] if name not in old_decl["lemma"]
             and name not in old_decl["definition"]}
    renamed = {}
    for name, k in gone.items():
        same = [m for m, k2 in added.items() if k2 == k and new_decl[k][m] == old_decl[k][name]]
        if len(same) == 1:
            renamed[name] = same[0]
    ctor_gone = {c for c in old_decl["constructor"] if c not in new_decl["constructor"]}
    missing = _missing_name(task.get("old_error", ""))
    if missing:
        if missing in renamed:
            return "renamed-lemma", [missing, renamed[missing]]
        if missing in gone:
            return "removed-lemma", [missing]
        if missing in ctor_gone:
            return "constructor-field", [missing]
    if old_proof is None:
        text = show(git_dir, parent, task.get("old_file", task["file"])) or ""
        p = proofs_by_name(text).get(task["theorem"])
        old_proof = proof_text(text, p) if p else ""
        statement = p.statement.text if p else ""
    else:
        p = proofs_by_name(show(git_dir, parent, task.get("old_file", task["file"])) or "").get(task["theorem"])
        statement = p.statement.text if p else ""
    used = _tokens(old_proof)
    mentioned = used | _tokens(statement)
    hit = sorted(n for n in used if n in renamed)
    if hit:
        return "renamed-lemma", hit
    hit = sorted(n for n in used if n in gone)
    if hit:
        return "removed-lemma", hit
    restated = {n for n in old_decl["lemma"] if n in new_decl["lemma"] and old_decl["lemma"][n] != new_decl["lemma"][n]}
    restated |= {n for n in old_decl["definition"] if n in new_decl["definition"]
                 and old_decl["definition"][n] != new_decl["definition"][n]
                 and re.match(r"[^:]*:\s", old_decl["definition"][n]) and ":=" not in old_decl["definition"][n]}
    hit = sorted(n for n in used if n in restated)
    if hit:
        return "restated-lemma", hit
    inductives = {n for n in old_decl["inductive"] if old_decl["inductive"][n] != new_decl["inductive"].get(n)}
    ctors_changed = ctor_gone | {c for c, ind in old_decl["constructor"].items() if ind in inductives}
    hit = sorted(n for n in mentioned if n in inductives or n in ctors_changed)
    if hit:
        return "constructor-field", hit
    defs = {n for n in old_decl["definition"] if old_decl["definition"][n] != new_decl["definition"].get(n)}
    hit = sorted(n for n in mentioned if n in defs)
    if hit:
        return "definition-changed", hit
    if old_decl["notation"] != new_decl["notation"]:
        keys = set(old_decl["notation"]) ^ set(new_decl["notation"])
        keys |= {k for k in old_decl["notation"] if old_decl["notation"][k] != new_decl["notation"].get(k)}
        return "notation-changed", sorted(keys)[:3]
    if own_file_secvars:
        return "section-variable", []
    if defs or inductives:
        return "definition-changed", sorted(defs | inductives)[:3]
    tactics = set(old_decl["tactic"]) ^ set(new_decl["tactic"])
    tactics |= {k for k in old_decl["tactic"] if old_decl["tactic"][k] != new_decl["tactic"].get(k)}
    return "other", sorted(tactics)[:3]
