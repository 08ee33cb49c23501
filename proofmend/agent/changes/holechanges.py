"""The change behind one broken proof: its change map and the old environment, for the stale-proof repair.

For a failing proof in file F (see :mod:`.oldenv` for the base revision):

- the *old side* is the project at the base: the files F requires, compiled
  privately, and F itself up to the old version of the theorem (its
  statement, admitted); the *new side* is today's: what F requires as the
  run's workspace compiled it, and F up to the theorem (earlier failing
  proofs admitted).  Each side's F is compiled as F's own module, so names
  print alike in both;
- the change map compares both sides' versions of the files that changed
  since the base among F and what it requires (:mod:`.changes`);
- the old proof is replayed in the old environment, parked at the old
  theorem: the goals it had after each sentence tell the repair which goals
  are new today; the same session answers ``Check``/``About``/``Print`` about
  the names the old proof used.

Anything that cannot be built or loaded leaves that part out (the repair
then works with less); nothing here ends a run.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from ...provers.coq.livedoc import LiveDocument
from ...provers.coq.locator import ADMITTED_BODY, CoqDocument, ProofItem, parse_document
from ...provers.coq.project import CoqProject, dependencies
from ...provers.coq.queries import QueryError
from ...provers.coq.session import ProofSession
from ...provers.coq.sentences import SplitError, code_tokens
from ...provers.errors import InputError, ProverError
from ...provers.limits import Limits
from ...provers.results import TacticOk
from .builds import Library, statements_only
from .changemap import ChangeMap, short
from .changes import Comparison
from .gitrev import Change
from .oldenv import Base, OldTree, choose_base, open_env, same_as_now
from .staleedit import ChangeContext, GoalsSeen
from ..trajectory import Trace

_FAILURES = (ProverError, InputError, QueryError, OSError, SplitError)


def prefix_module(text: str, p: ProofItem) -> str:
    """``text`` up to ``p``'s statement, the statement admitted, the sections and modules around it closed."""
    closers = "".join(f"\nEnd {sc.name}." for sc in reversed(p.scopes))
    return statements_only(text[: p.body_start]) + ADMITTED_BODY + closers + "\n"


def old_proofs_of(cmap: ChangeMap, old_texts: list[str | None]) -> dict[str, tuple[tuple[str, ...], bool]]:
    """The proofs, in the old texts, of the lemmas ``cmap`` says were removed or restated: their tactic sentences (the
    ``Proof`` opener left out) and whether they stood in a section (their statement then closes over its
    variables, which the proof found in its context)."""
    wanted = {short(r.name) for r in cmap.removed} | {short(r.name) for r in cmap.restated if r.new_name == r.name}
    out: dict[str, tuple[tuple[str, ...], bool]] = {}
    for text in old_texts:
        if not wanted - set(out) or not text:
            break
        try:
            doc = parse_document(text)
        except SplitError:
            continue
        for p in doc.proofs:
            if p.name in wanted and p.name not in out and p.terminator.first_word in ("Qed", "Defined"):
                body = [b.text for i, b in enumerate(p.body) if not (i == 0 and b.first_word == "Proof")]
                out[p.name] = (tuple(body), p.in_section)
    return out


def compiled_in(ws) -> Callable[[Path], Path | None]:
    """The workspace's compiled file of a project file, where it has one (built or linked from the user's build)."""

    def vo(f: Path) -> Path | None:
        try:
            p = ws.path(Path(f)).with_suffix(".vo")
        except ValueError:
            return None
        return p if p.exists() else None

    return vo


def _find(doc: CoqDocument, name: str) -> ProofItem | None:
    for p in doc.proofs:
        if p.qualname == name:
            return p
    return next((p for p in doc.proofs if p.name == name), None)


@dataclass(frozen=True)
class _Proof:
    """The broken proof, and its file and theorem at the base revision (when there)."""

    user_file: Path
    name: str
    new_prefix: str  # today's text up to the theorem's statement, as the run loads it
    stale: list[str]  # the old proof's sentences
    old_file: Path | None = None  # in the old tree
    old_text: str | None = None
    old_p: ProofItem | None = None


class ChangeSource:
    """Change contexts for the failing proofs of one run (the old environments built once per revision)."""

    def __init__(self, project: CoqProject, rev: str | None, limits: Limits = Limits(),
                 now_vo: Callable[[Path], Path | None] | None = None, tactic_timeout: float = 10.0,
                 trace: Trace | None = None, time_s: float | None = None):
        """``time_s``: what compiling the old and new files may take for one proof (default: the limits'
        compile time)."""
        self.project = project
        self.rev = rev
        self.limits = limits
        self.now_vo = now_vo or (lambda f: None)
        self.tactic_timeout = tactic_timeout
        self.time_s = time_s if time_s is not None else limits.timeout_s
        self.trace = trace or Trace(None)
        self._trees: dict[str, OldTree | None] = {}
        self._changes: dict[str, list[Change]] = {}
        self._deps: dict[str, dict[Path, list[Path]]] = {}  # what each file requires, at a commit ("" for now)
        self._bases: dict[Path, Base | None] = {}
        self._lock = threading.Lock()  # files mended in parallel share the old environments

    def close(self) -> None:
        for t in self._trees.values():
            if t is not None:
                t.close()
        self._trees.clear()

    # ------------------------------------------------------------ one proof
    def for_hole(self, user_file: Path, doc: CoqDocument, index: int, new_prefix: str,
                 stale: list[str]) -> ChangeContext | None:
        """The change context of proof ``index`` of ``user_file`` (``new_prefix``: the text up to its
        statement as the run loads it; ``stale``: the old proof's sentences)."""
        with self._lock:
            return self._for_hole(Path(user_file), doc, index, new_prefix, stale)

    def _for_hole(self, user_file: Path, doc: CoqDocument, index: int, new_prefix: str,
                  stale: list[str]) -> ChangeContext | None:
        t0 = time.monotonic()
        if user_file not in self._bases:
            try:
                self._bases[user_file] = choose_base(self.project, Path(user_file), self.rev)
            except InputError:
                self._bases[user_file] = None
        base = self._bases[user_file]
        if base is None:
            return None
        p = doc.proofs[index]
        name = p.qualname or p.name
        try:
            ctx = self._context(base, Path(user_file), p, name, new_prefix, stale)
        except Exception as e:  # reading the change helps the repair; it never ends the run
            why = str(e).splitlines()[0] if str(e) else type(e).__name__
            if not isinstance(e, _FAILURES):
                why = f"{type(e).__name__}: {why}"
            ctx = ChangeContext(ChangeMap(notes=(f"the change could not be read: {why}",)), f"{base.rev} ({base.why})")
        self.trace.emit("change_map", theorem=name, base=base.rev, commit=base.commit, why=base.why,
                        changes=ctx.map.lines(), notes=list(ctx.map.notes),
                        old_goals=sum(g is not None for g in ctx.old_goals), seconds=round(time.monotonic() - t0, 3))
        return ctx

    def _tree(self, base: Base) -> OldTree | None:
        if base.commit not in self._trees:
            tree = OldTree(base.repo, base.commit, self.project)
            self._trees[base.commit] = tree if tree.project is not None else None
            if tree.project is None:
                tree.close()
            self._changes[base.commit] = base.repo.changes(base.commit)
        return self._trees[base.commit]

    def _context(self, base: Base, user_file: Path, p: ProofItem, name: str, new_prefix: str,
                 stale: list[str]) -> ChangeContext:
        where = f"{base.rev} ({base.why})"
        tree = self._tree(base)
        if tree is None:
            return ChangeContext(ChangeMap(notes=(f"no Coq project at {base.rev}",)), where)
        proof = self._old_version(base, tree, _Proof(user_file, name, new_prefix, stale))
        notes = [] if proof.old_p is not None else [f"no proof named {name} at {base.rev}"]
        assert tree.project is not None
        if base.commit not in self._deps:
            self._deps[base.commit] = dependencies(tree.project)
        if "" not in self._deps:
            self._deps[""] = dependencies(self.project)
        old_overrides = {}
        if proof.old_file is not None and proof.old_text is not None:
            old_overrides[proof.old_file] = (prefix_module(proof.old_text, proof.old_p) if proof.old_p is not None
                                             else statements_only(proof.old_text))
        new_p = _find(parse_document(new_prefix + ADMITTED_BODY), name)
        new_module = (prefix_module(new_prefix + ADMITTED_BODY, new_p) if new_p is not None
                      else statements_only(new_prefix) + ADMITTED_BODY)
        deadline = time.monotonic() + self.time_s
        libs = [Library(tree.project, self.limits, overrides=old_overrides, prebuilt=same_as_now(tree, self.now_vo),
                        deps=self._deps[base.commit]),
                Library(self.project, self.limits, overrides={user_file: new_module}, prebuilt=self.now_vo,
                        deps=self._deps[""])]
        for lib in libs:
            lib.deadline = deadline
        try:
            ctx = self._compare(base, tree, proof, libs[0], libs[1], notes)
        except BaseException:
            for lib in libs:
                lib.close()
            raise
        ctx.closers += [lib.close for lib in libs]  # after the hole: the old session lives in the old tree
        return ctx

    def _old_version(self, base: Base, tree: OldTree, proof: "_Proof") -> "_Proof":
        """``proof`` with its file's version at the base (none when the file is new) and the proof there."""
        changes = self._changes[base.commit]
        me = proof.user_file.resolve()
        change = next((c for c in changes if c.path is not None and c.path.resolve() == me), None)
        if change is None:
            old_file: Path | None = tree.path(proof.user_file)
        else:
            old_file = tree.path(proof.user_file, change.old_path) if change.old_path is not None else None
        if old_file is None or not old_file.is_file():
            return proof
        old_text = old_file.read_bytes().decode("utf-8", "replace")
        try:
            old_p = _find(parse_document(old_text), proof.name)
        except SplitError:
            old_p = None
        return replace(proof, old_file=old_file, old_text=old_text, old_p=old_p)

    def _compare(self, base: Base, tree: OldTree, proof: "_Proof", lib_old: Library, lib_new: Library,
                 notes: list[str]) -> ChangeContext:
        """Compare F and the changed files it requires (each in its version), then replay the old proof."""
        changes = self._changes[base.commit]
        now_changed = {c.path.resolve() for c in changes if c.path is not None}
        old_changed = {tree.path(c.path or Path(c.old_path), c.old_path).resolve() for c in changes if c.old_path}
        new_files = [f for f in lib_new.needed(proof.user_file) if f.resolve() in now_changed] + [proof.user_file]
        old_files = ([f for f in lib_old.needed(proof.old_file) if f.resolve() in old_changed] + [proof.old_file]
                     if proof.old_file is not None else [])
        old_env, old_mods, p_old = open_env(lib_old, old_files) if old_files else (None, [], [])
        new_env, new_mods, p_new = open_env(lib_new, new_files)
        notes = notes + [f"at {base.rev}: {x}" for x in p_old] + [f"now: {x}" for x in p_new]
        cmap = ChangeMap(notes=tuple(notes))
        try:
            if old_env is not None and new_env is not None:
                old_prefix = (proof.old_text[: proof.old_p.body_start] if proof.old_p is not None and proof.old_text
                              else proof.old_text)
                texts = [(old_prefix, proof.new_prefix)]
                for f in new_files[:-1]:
                    of = tree.root / f.resolve().relative_to(self.project.root.resolve())
                    texts.append((of.read_text(encoding="utf-8", errors="replace") if of.is_file() else None,
                                  f.read_text(encoding="utf-8", errors="replace")))
                used = {t.rpartition(".")[2] for s in proof.stale for t in code_tokens(s)}
                moved = (lib_old.module(proof.old_file) if proof.old_file else None, lib_new.module(proof.user_file))
                moves = {moved[0]: moved[1]} if moved[0] and moved[1] and moved[0] != moved[1] else {}
                cmap = Comparison(old_env, new_env, old_mods, new_mods, texts, moves, focus=used).run()
                cmap = replace(cmap, notes=tuple(notes) + cmap.notes)
        finally:
            for env in (old_env, new_env):
                if env is not None:
                    env.close()
        ctx = ChangeContext(cmap, f"{base.rev} ({base.why})", theorem=proof.name,
                            old_proofs=old_proofs_of(cmap, [t for t, _ in texts] if old_env is not None else []))
        if proof.old_p is not None and proof.old_file is not None and proof.old_text is not None:
            self._replay(ctx, lib_old, proof.old_file, proof.old_text, proof.old_p, proof.stale)
        return ctx

    def _replay(self, ctx: ChangeContext, lib: Library, old_file: Path, old_text: str, old_p: ProofItem,
                stale: list[str]) -> None:
        """Run the old proof in the old environment, parked at the old theorem; keep its goals along the way."""
        if lib.ensure(old_file, with_file=False) is not None:
            return
        document = LiveDocument(lib.project, self.limits, topfile=lib.tree_path(old_file))
        try:
            session = ProofSession(lib.project, old_text[: old_p.body_start], limits=self.limits,
                                   tactic_timeout=self.tactic_timeout, document=document)
        except _FAILURES:
            document.close()
            return
        ctx.closers += [session.close, document.close]
        opener = old_p.opener.text if old_p.opener is not None else "Proof."
        r = session.run(opener)
        if not isinstance(r, TacticOk):
            return
        start = r.checkpoint
        ctx.old_query = lambda q: _ask(session, q, start)
        cp = start
        for sentence in stale:
            try:
                r = session.run(sentence, at=cp)
            except _FAILURES:
                break
            if not isinstance(r, TacticOk):
                break
            ctx.old_goals.append(GoalsSeen.of(r.goals))
            cp = r.checkpoint


def _ask(session: ProofSession, query: str, at) -> str | None:
    try:
        return session.query(query, at=at)
    except _FAILURES:
        return None
