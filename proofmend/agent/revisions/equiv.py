"""``equiv --since REV``: is each changed definition still the same function?

For every ``Definition``/``Fixpoint`` whose text differs between REV and the
working tree, the old version is brought in under a fresh name beside the new
one (the new one loaded from the project's compiled module; see
:mod:`.equivalence`), and ``F_old x1 ... = F x1 ...`` is stated and handed to
the repair loop, whose audit is the verdict.  A function is *not comparable*
when its type changed, when the old version cannot be brought in, or when it
relies on something else that changed (a definition in another file, a
notation, a coercion, an instance): then the old text would not mean what it
meant at REV, and nothing is claimed.
"""

from __future__ import annotations

import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from ...provers.coq.batch import compile_text, read_source
from ...provers.coq.project import CoqProject, _inside, dependencies_of, dependency_order
from ...provers.coq.sentences import SplitError, split_sentences, strip_comments
from ...provers.coq.workspace import Workspace
from ...provers.errors import InputError
from ..config import AgentConfig
from .definitions import _keyword, read_items
from .equivalence import Combination, combine, coq_type, equivalence_statement, first_error
from ..changes.gitrev import GitRepo
from ..loop.repair import mend_path
from .since import project_and_limit
from ..trajectory import Trace

PROVED, UNPROVED, NOT_COMPARABLE = "proved", "unproved", "not_comparable"
FUNCTION_WORDS = {"Definition", "Fixpoint"}
# Commands that change how a definition's text is read or elaborated.
ELABORATION_WORDS = {"Notation", "Infix", "Reserved", "Coercion", "Arguments", "Declare", "Delimit", "Bind",
                     "Canonical", "Instance", "Existing", "Implicit", "Open", "Close", "Set", "Unset", "Import",
                     "Export"}
# Words of the term language (and of the commands an item starts with): not names to look up.
NOT_NAMES = frozenset("""_ as at cofix else end exists exists2 fix for forall fun if in let match mod return then
using where with struct measure wf Prop Set Type SProp Definition Fixpoint CoFixpoint Let Example Function Inductive
CoInductive Variant Record Structure Class Lemma Theorem Fact Remark Corollary Proposition Proof Qed Defined Program
Local Global Polymorphic Monomorphic by""".split())
QUALID = re.compile(r"[A-Za-z_][\w']*(?:\.[A-Za-z_][\w']*)*")
SEPARATOR = "ZZproofmend_separator"


@dataclass(frozen=True)
class EquivResult:
    file: str  # relative to the repository
    function: str
    line: int  # of the new definition
    status: str  # PROVED | UNPROVED | NOT_COMPARABLE
    reason: str | None = None  # why not proved
    theorem: str | None = None
    statement: str | None = None
    proof: str | None = None
    attempts: int = 0
    elapsed_s: float = 0.0
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float | None = 0.0
    stated: str | None = field(default=None, repr=False)  # old definitions and the statement, ending in Admitted.
    mended: str | None = field(default=None, repr=False)  # the same with the proof

    def to_json(self) -> dict:
        return {"file": self.file, "function": self.function, "line": self.line, "status": self.status,
                "reason": self.reason, "theorem": self.theorem, "statement": self.statement, "proof": self.proof,
                "attempts": self.attempts, "elapsed_s": round(self.elapsed_s, 3), "tokens_in": self.tokens_in,
                "tokens_out": self.tokens_out, "cost_usd": self.cost_usd}


@dataclass
class EquivReport:
    rev: str
    commit: str
    results: list[EquivResult]
    seconds: float
    written: Path | None = None
    write_error: str | None = None  # why --write wrote nothing

    @property
    def complete(self) -> bool:
        """Every changed function proved equal to its old version (and written where asked)."""
        return all(r.status == PROVED for r in self.results) and self.write_error is None

    def to_json(self) -> dict:
        res = [r.to_json() for r in self.results]
        return {"functions": res,
                "summary": {"total": len(res), "proved": sum(r["status"] == PROVED for r in res),
                            "unproved": sum(r["status"] == UNPROVED for r in res),
                            "not_comparable": sum(r["status"] == NOT_COMPARABLE for r in res),
                            "seconds": round(self.seconds, 3)},
                "since": {"rev": self.rev, "commit": self.commit},
                "written": str(self.written) if self.written else None, "write_error": self.write_error}


# ------------------------------------------------------------------ what changed


@dataclass
class _Version:
    """Both versions of one changed file, read into items."""

    path: Path
    rel: str
    old_text: str
    new_text: str

    def __post_init__(self):
        self.old_headers, self.old_items = read_items(self.old_text, f"{self.rel} at the revision")
        self.new_headers, self.new_items = read_items(self.new_text, self.rel)

    def changed_functions(self) -> list[str]:
        old = {n: it.normal for it in self.old_items for n in it.names}
        return [n for it in self.new_items if it.keyword in FUNCTION_WORDS for n in it.names
                if n in old and old[n] != it.normal]

    def changed_names(self) -> set[str]:
        """Names whose definition differs (or that exist in one version only)."""
        old = {n: it.normal for it in self.old_items for n in it.names}
        new = {n: it.normal for it in self.new_items for n in it.names}
        return {n for n in old.keys() | new.keys() if old.get(n) != new.get(n)}

    def elaboration_changed(self) -> bool:
        return _elaboration(self.old_text) != _elaboration(self.new_text)


def _elaboration(text: str) -> list[str]:
    try:
        sentences = split_sentences(text)
    except SplitError:
        return ["<unreadable>"]
    out = []
    for s in sentences:
        clean = strip_comments(s.text).strip()
        if _keyword(clean)[0] in ELABORATION_WORDS:
            out.append(" ".join(clean.split()))
    return out


def _definition_line(text: str, name: str) -> int:
    m = re.search(r"\b(?:Definition|Fixpoint)\s+" + re.escape(name) + r"(?![\w'])", text)
    return text.count("\n", 0, m.start()) + 1 if m else 0


def _versions(repo: GitRepo, commit: str, project: CoqProject) -> list[_Version]:
    files = set(project.files)
    out = []
    for c in repo.changes(commit):
        if c.path is None or c.old_path is None or c.path.resolve() not in files:
            continue
        old = repo.show(commit, c.old_path)
        if old is not None:
            out.append(_Version(c.path.resolve(), repo.relative(c.path), old, read_source(c.path)))
    return out


# ------------------------------------------------------------------ one function


class Comparer:
    """States and proves ``F_old = F`` for the changed functions of one project."""

    def __init__(self, ws: Workspace, project: CoqProject, versions: list[_Version], config: AgentConfig,
                 model=None, trace: Trace | None = None, reserved: frozenset[str] = frozenset(), rev: str = "the revision"):
        self.ws = ws
        self.rev = rev
        self.project = project
        self.versions = versions
        self.config = config
        self.model = model
        self.trace = trace
        self.reserved = set(reserved)
        self.limits = config.limits()
        self.tmp = Path(tempfile.mkdtemp(prefix="proofmend-equiv-", dir=ws.tmp))

    def _elsewhere(self, v: _Version) -> tuple[dict[str, str], list[str]]:
        """Names changed in the files ``v`` requires (name -> file), and those files whose notations etc. changed."""
        needed, _ = dependencies_of(self.project, v.path)
        names: dict[str, str] = {}
        elaboration: list[str] = []
        for w in self.versions:
            if w.path in needed:
                names.update({n: w.rel for n in w.changed_names()})
                if w.elaboration_changed():
                    elaboration.append(w.rel)
        # what unchanged files in between define on top of those names changed with them
        for f in needed:
            if any(w.path == f for w in self.versions):
                continue
            try:
                _, items = read_items(f.read_text(encoding="utf-8"), str(f))
            except (InputError, OSError, UnicodeDecodeError):
                continue
            for it in items:
                hit = _basenames(it.tokens) & names.keys()
                if hit:
                    names.update({n: f"{f.name} (through {', '.join(sorted(hit))})" for n in it.names})
        return names, elaboration

    def compare_file(self, v: _Version) -> list[EquivResult]:
        functions = v.changed_functions()
        if not functions:
            return []
        ws_file = self.ws.path(v.path)
        failure = self.ws.ensure_dependencies(ws_file) or self.ws.build(ws_file)
        if failure is not None:
            msg = f"{v.rel} or a file it requires does not compile: {failure.message.splitlines()[0] if failure.message else ''}"
            return [EquivResult(v.rel, f, _definition_line(v.new_text, f), NOT_COMPARABLE, msg) for f in functions]
        elsewhere, elaboration = self._elsewhere(v)
        return [self.compare(v, f, elsewhere, elaboration) for f in functions]

    def compare(self, v: _Version, function: str, elsewhere: dict[str, str], elaboration: list[str]) -> EquivResult:
        t0 = time.monotonic()
        line = _definition_line(v.new_text, function)

        def no(reason: str) -> EquivResult:
            return EquivResult(v.rel, function, line, NOT_COMPARABLE, reason, elapsed_s=time.monotonic() - t0)

        if v.elaboration_changed() or elaboration:
            where = ", ".join(([v.rel] if v.elaboration_changed() else []) + elaboration)
            return no(f"notations, coercions, instances or Arguments changed in {where}: the old text may read differently now")
        module = self.project.logical_name(v.path)
        try:
            comb = combine(v.old_text, v.new_text, function, f"{v.rel} at {self.rev}", v.rel,
                           import_new=f"Require Import {module}." if module else None,
                           reserved=frozenset(self.reserved))
        except InputError as e:
            return no(f"the old version cannot be brought in: {e}")
        used = sorted(n for n in _basenames(comb.old_tokens) & elsewhere.keys() if n not in comb.old_defined)
        if used:
            return no("it relies on " + ", ".join(f"{n} (changed in {elsewhere[n]})" for n in used[:5])
                      + ": the old version cannot be brought in as it was")
        problem = self._same_names(v, comb) or self._same_type(comb)
        if problem:
            return no(problem)
        try:
            stmt, theorem = equivalence_statement(comb, coq_type(self.ws.project, self.limits))
        except InputError as e:
            return no(f"cannot state the equivalence: {e}")
        stated = comb.prefix + "\n" + stmt + "\nProof.\nAdmitted.\n"
        rc, out, _, src = compile_text(self.ws.project, stated, "EquivStatement.v", self.limits, workdir=self.tmp)
        if rc != 0:
            return no(f"the statement does not type-check: {first_error(out, stated, src) if rc is not None else 'coqc timed out'}")
        self.reserved |= set(comb.renamed.values()) | {theorem}
        hole, mended = self._prove(stated, theorem)
        base = dict(file=v.rel, function=function, line=line, theorem=theorem, statement=stmt,
                    attempts=hole.attempts if hole else 0, tokens_in=hole.tokens_in if hole else 0,
                    tokens_out=hole.tokens_out if hole else 0, cost_usd=hole.cost_usd if hole else 0.0, stated=stated)
        if hole is not None and hole.status == "fixed":
            return EquivResult(status=PROVED, proof=hole.proof, mended=mended, elapsed_s=time.monotonic() - t0, **base)
        why = (hole.error or hole.exit) if hole else "the statement could not be worked on"
        return EquivResult(status=UNPROVED, reason=(why or "").strip().splitlines()[0] if why else None,
                           elapsed_s=time.monotonic() - t0, **base)

    def _same_names(self, v: _Version, comb: Combination) -> str | None:
        """None when every name the old text takes from elsewhere resolves now as it did beside the old imports."""
        free = sorted(t for t in comb.old_tokens - comb.old_defined - NOT_NAMES if QUALID.fullmatch(t))
        if not free:
            return None
        probes = "".join(f"Locate {SEPARATOR}.\nLocate {t}.\n" for t in free)
        seen = []
        for label, headers in (("its old imports", v.old_headers), ("the combined imports", comb.headers)):
            text = "\n".join(headers) + "\n" + probes
            rc, out, _, src = compile_text(self.ws.project, text, "EquivNames.v", self.limits, workdir=self.tmp)
            if rc != 0:
                err = first_error(out, text, src) if rc is not None else "coqc timed out"
                return f"the old version cannot be brought in: its names cannot be looked up with {label}: {err}"
            seen.append(_resolutions(out))
        if len(seen[0]) != len(free) or len(seen[1]) != len(free):
            return "the old version cannot be brought in: cannot read how its names resolve"
        moved = [t for t, a, b in zip(free, *seen) if a != b]
        if moved:
            return ("the old version cannot be brought in as it was: " + ", ".join(moved[:5])
                    + " would now name something else (the imports changed)")
        return None

    def _same_type(self, comb: Combination) -> str | None:
        """None when the old and the new version have the same type; else why not comparable."""
        f, old = comb.function, comb.old_name
        checks = (f"\nCheck {old}.\nCheck {f}.\n"
                  f"Check ({old} : ltac:(let t := type of {f} in exact t)).\n"
                  f"Check ({f} : ltac:(let t := type of {old} in exact t)).\n")
        text = comb.prefix + checks
        rc, out, _, src = compile_text(self.ws.project, text, "EquivTypes.v", self.limits, workdir=self.tmp)
        if rc is None:
            return "coqc timed out on the old version"
        if rc == 0:
            return None
        err = first_error(out, text, src)
        m = re.match(r"line (\d+):", err)
        if m and int(m.group(1)) > comb.prefix.count("\n"):
            types = {n: _printed_type(out, n) for n in (old, f)}
            return f"the type changed: it was {types[old] or '?'}, it is {types[f] or '?'}"
        return f"the old version cannot be brought in: {err}"

    def _prove(self, stated: str, theorem: str):
        folder = Path(tempfile.mkdtemp(prefix="proof-", dir=self.tmp))
        name = f"Equiv_{theorem.replace(chr(39), '_')}.v"
        flags = " ".join(_quote(a) for a in self.ws.project.coq_flags())
        (folder / "_CoqProject").write_text(f"{flags}\n{name}\n", encoding="utf-8")
        (folder / name).write_text(stated, encoding="utf-8")
        run = mend_path(folder, self.config, model=self.model, theorem=theorem, trace=self.trace)
        fr = run.files[0] if run.files else None
        holes = [h for h in (fr.holes if fr else []) if h.theorem == theorem]
        return (holes[0] if holes else None), (fr.new_text if fr and fr.fixes else None)


def _basenames(tokens) -> set[str]:
    """Each name and, for a qualified one (``Money.percent_off``), its last part."""
    return {t for t in tokens} | {t.rsplit(".", 1)[-1] for t in tokens if "." in t}


def _resolutions(out: str) -> list[str]:
    """What each ``Locate`` between separators found first (one entry per name looked up)."""
    blocks = re.split(r"^No object of basename " + SEPARATOR + r"\s*$", out, flags=re.M)[1:]
    return [(b.strip().splitlines() or [""])[0].strip() for b in blocks]


def _quote(a: str) -> str:
    return a if re.fullmatch(r"[\w./:=+-]+", a) else '"' + a.replace('"', '\\"') + '"'


def _printed_type(out: str, name: str) -> str | None:
    m = re.search(r"^" + re.escape(name) + r"\n\s+: (.*?)(?=\n\S|\Z)", out, re.S | re.M)
    return " ".join(m.group(1).split()) if m else None


# ------------------------------------------------------------------ the command


def equiv_since(path: Path, rev: str, config: AgentConfig, model=None, trace: Trace | None = None,
                write: Path | None = None, on_result=None) -> EquivReport:
    """Compare every changed Definition/Fixpoint under ``path`` with its version at ``rev``."""
    t0 = time.monotonic()
    project, limit = project_and_limit(Path(path))
    repo = GitRepo.containing(limit)
    commit = repo.resolve(rev)
    versions = _versions(repo, commit, project)
    mine = [v for v in versions if v.path == limit or (limit.is_dir() and _inside(v.path, limit))]
    order = {f: i for i, f in enumerate(dependency_order(project, [v.path for v in mine]))}
    mine.sort(key=lambda v: order.get(v.path, len(order)))
    if write is not None:
        _check_target(write, project, [v for v in mine if v.changed_functions()])
    reserved = _names_in(write) if write is not None and write.exists() else frozenset()
    ws = Workspace(project, limit if limit.is_file() else None,
                   config.limits(),
                   use_user_build=config.use_user_build)
    try:
        comparer = Comparer(ws, project, versions, config, model, trace, reserved, rev)
        results: list[EquivResult] = []
        for v in mine:
            for r in comparer.compare_file(v):
                results.append(r)
                if on_result:
                    on_result(r)
        report = EquivReport(rev, commit, results, 0.0)
        if write is not None and any(r.status == PROVED for r in results):
            from .equiv_write import append_lemmas

            verdict = append_lemmas(write, [r for r in results if r.status == PROVED], ws.project,
                                    config.limits(), config, rev)
            if verdict.accepted:
                report.written = write
            else:
                report.write_error = "; ".join(str(f) for f in verdict.findings) or "rejected by the audit"
    finally:
        ws.close()
    report.seconds = time.monotonic() - t0
    return report


def _names_in(file: Path) -> frozenset[str]:
    try:
        _, items = read_items(read_source(file), str(file))
    except InputError:
        return frozenset()
    return frozenset(n for it in items for n in it.names)


def _check_target(write: Path, project: CoqProject, versions: list[_Version]) -> None:
    if write.suffix != ".v":
        raise InputError(f"--write needs a .v file: {write}")
    if write.exists() and not write.is_file():
        raise InputError(f"not a file: {write}")
    target = write.resolve()
    for v in versions:
        needed, _ = dependencies_of(project, v.path)
        if target == v.path or target in needed:
            raise InputError(f"cannot append the lemmas to {write}: {v.rel} requires it (or is it), so it cannot load them")
