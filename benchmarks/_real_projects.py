"""Helpers for the real-breakage corpus (not part of the package).

A task of the corpus is a proof that a commit of a public Coq project had to
change: the proof as it stood at the parent commit, put back into the file at
the fixed commit, fails there.  Both scripts that use this module work on git
history and on checkouts that the project's own build has already built; they
never build a project themselves.

Layouts told apart (``layout_of``): ``coqproject-files`` (a ``_CoqProject``
that lists the project's files), ``coqproject-flags`` (a ``_CoqProject`` with
load-path options only; the build gives coq_makefile the file list),
``dune`` (``dune-project`` and ``coq.theory`` stanzas, no ``_CoqProject``).
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import subprocess
import tempfile
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


# ------------------------------------------------------------------ project layouts
def _coqproject_tokens(text: str) -> list[str]:
    lines = [ln.split("#", 1)[0] if not ln.lstrip().startswith('"') else ln for ln in text.splitlines()]
    return shlex.split("\n".join(lines))


def layout_of(root: Path) -> str:
    cp = root / "_CoqProject"
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
    if cp.is_file():
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
