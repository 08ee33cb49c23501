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
from dataclasses import replace
from pathlib import Path

from ..provers.coq.livedoc import LiveDocument
from ..provers.coq.locator import ADMITTED_BODY, CoqDocument, ProofItem, parse_document
from ..provers.coq.project import CoqProject, dependencies
from ..provers.coq.queries import QueryError
from ..provers.coq.session import ProofSession
from ..provers.coq.sentences import SplitError, code_tokens
from ..provers.errors import InputError, ProverError
from ..provers.limits import Limits
from ..provers.results import TacticOk
from .builds import Library, statements_only
from .changemap import ChangeMap
from .changes import Comparison
from .gitrev import Change
from .oldenv import Base, OldTree, choose_base, open_env
from .staleedit import ChangeContext, GoalsSeen
from .trajectory import Trace

_FAILURES = (ProverError, InputError, QueryError, OSError, SplitError)


def prefix_module(text: str, p: ProofItem) -> str:
    """``text`` up to ``p``'s statement, the statement admitted, the sections and modules around it closed."""
    closers = "".join(f"\nEnd {sc.name}." for sc in reversed(p.scopes))
    return statements_only(text[: p.body_start]) + ADMITTED_BODY + closers + "\n"


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
        except _FAILURES as e:
            ctx = ChangeContext(ChangeMap(notes=(f"the change could not be read: {str(e).splitlines()[0] if str(e) else e}",)),
                                f"{base.rev} ({base.why})")
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
        changes = self._changes[base.commit]
        now_changed = {c.path.resolve() for c in changes if c.path is not None}
        old_rel = next((c.old_path for c in changes if c.path is not None and c.path.resolve() == user_file.resolve()),
                       None)
        unchanged = user_file.resolve() not in now_changed
        old_file = tree.path(user_file, None if unchanged else old_rel)
        if not unchanged and old_rel is None:
            old_file = None  # F is new since the base
        old_text = old_file.read_bytes().decode("utf-8", "replace") if old_file is not None and old_file.is_file() else None
        old_p = None
        if old_text is not None:
            try:
                old_p = _find(parse_document(old_text), name)
            except SplitError:
                old_p = None
        notes: list[str] = []
        old_project = tree.project
        assert old_project is not None
        old_overrides = {}
        if old_file is not None and old_text is not None:
            old_overrides[old_file] = prefix_module(old_text, old_p) if old_p is not None else statements_only(old_text)
        if old_p is None:
            notes.append(f"no proof named {name} at {base.rev}")

        def old_vo(f: Path) -> Path | None:
            try:
                now = self.project.root / Path(f).relative_to(tree.root)
                if now.read_bytes() != Path(f).read_bytes():
                    return None
            except (OSError, ValueError):
                return None
            return self.now_vo(now)

        deadline = time.monotonic() + self.time_s
        if base.commit not in self._deps:
            self._deps[base.commit] = dependencies(old_project)
        if "" not in self._deps:
            self._deps[""] = dependencies(self.project)
        lib_old = Library(old_project, self.limits, overrides=old_overrides, prebuilt=old_vo,
                          deps=self._deps[base.commit])
        lib_old.deadline = deadline
        opened: list = [lib_old]
        new_doc_p = _find(parse_document(new_prefix + "\nAdmitted."), name)
        new_module_text = (prefix_module(new_prefix + "\nAdmitted.", new_doc_p) if new_doc_p is not None
                           else statements_only(new_prefix) + ADMITTED_BODY)
        lib_new = Library(self.project, self.limits, overrides={user_file: new_module_text}, prebuilt=self.now_vo,
                          deps=self._deps[""])
        lib_new.deadline = deadline
        opened.append(lib_new)
        try:
            ctx = self._compare(base, tree, changes, now_changed, user_file, old_file, old_text, old_p, name,
                                new_prefix, stale, notes, lib_old, lib_new, where)
        except BaseException:
            for x in opened:
                x.close()
            raise
        ctx.closers += [x.close for x in opened]  # after the hole: the old session lives in the old tree
        return ctx

    def _compare(self, base: Base, tree: OldTree, changes: list[Change], now_changed: set[Path], user_file: Path,
                 old_file: Path | None, old_text: str | None, old_p: ProofItem | None, name: str, new_prefix: str,
                 stale: list[str], notes: list[str], lib_old: Library, lib_new: Library, where: str) -> ChangeContext:
        # the files compared: F and the changed files it requires (in either version)
        new_files = [f for f in lib_new.needed(user_file) if f.resolve() in now_changed] + [user_file]
        old_changed = {tree.path(c.path or Path(c.old_path), c.old_path).resolve() for c in changes if c.old_path}
        old_files = ([f for f in lib_old.needed(old_file) if f.resolve() in old_changed] + [old_file]
                     if old_file is not None else [])
        old_env, old_mods, p_old = open_env(lib_old, old_files) if old_files else (None, [], [])
        new_env, new_mods, p_new = open_env(lib_new, new_files)
        notes += [f"at {base.rev}: {x}" for x in p_old] + [f"now: {x}" for x in p_new]
        cmap = ChangeMap(notes=tuple(notes))
        try:
            if old_env is not None and new_env is not None:
                texts = [(old_text, new_prefix)]
                for f in new_files[:-1]:
                    rel = f.resolve().relative_to(self.project.root.resolve())
                    of = tree.root / rel
                    texts.append((of.read_text(encoding="utf-8", errors="replace") if of.is_file() else None,
                                  f.read_text(encoding="utf-8", errors="replace")))
                used = {t.rpartition(".")[2] for s in stale for t in code_tokens(s)}
                moves = {o: n for o, n in [(lib_old.module(old_file), lib_new.module(user_file))] if o and n and o != n}
                cmap = Comparison(old_env, new_env, old_mods, new_mods, texts, moves, focus=used).run()
                if notes:
                    cmap = replace(cmap, notes=tuple(notes) + cmap.notes)
        finally:
            for env in (old_env, new_env):
                if env is not None:
                    env.close()
        ctx = ChangeContext(cmap, where, theorem=name)
        if old_p is not None and old_file is not None:
            self._replay(ctx, lib_old, old_file, old_text, old_p, stale)
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
