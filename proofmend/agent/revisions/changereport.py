"""``proofmend changes --since REV``: the change map between a revision and the working tree.

The project files that differ between REV and the working tree (under the
path asked for) are compiled in both versions, privately (:mod:`..changes.builds`:
opaque proofs admitted, compiled files reused from the workspace where the
text did not change, and cached by content across runs), loaded each in a
coqidetop, and compared by :mod:`..changes.changes`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ...provers.coq.project import _inside
from ...provers.coq.workspace import Workspace
from ...provers.limits import Limits
from ..changes.builds import Library
from ..changes.changemap import ChangeMap
from ..changes.changes import Comparison
from ..changes.gitrev import GitRepo
from ..changes.holechanges import compiled_in
from ..changes.oldenv import OldTree, open_env, same_as_now
from .since import project_and_limit



@dataclass
class ChangeReport:
    rev: str
    commit: str
    files: list[dict]  # {"file", "status", "old_module", "new_module"}
    map: ChangeMap
    problems: list[str]

    def to_json(self) -> dict:
        return {"since": {"rev": self.rev, "commit": self.commit}, "files": self.files, **self.map.to_json(),
                "problems": self.problems}


def changes_since(path, rev: str, limits=None) -> ChangeReport:
    """The change map between ``rev`` and the working tree, for the project files changed under ``path``."""
    limits = limits or Limits()
    project, limit = project_and_limit(Path(path))
    repo = GitRepo.containing(limit)
    commit = repo.resolve(rev)
    now_files = {f.resolve() for f in project.files}
    tree = OldTree(repo, commit, project)
    ws = lib_new = lib_old = old_env = new_env = None
    try:
        old_project = tree.project
        old_files = {f.resolve() for f in old_project.files} if old_project is not None else set()
        rows, pairs = [], []  # pairs: (old file at rev or None, file now or None)
        for c in repo.changes(commit):
            now = c.path.resolve() if c.path is not None and c.path.resolve() in now_files else None
            old = None
            if c.old_path is not None and old_project is not None:
                cand = tree.path(c.path or Path(c.old_path), c.old_path).resolve()
                old = cand if cand in old_files else None
            if now is None and old is None:
                continue
            if now is not None and not (now == limit or (limit.is_dir() and _inside(now, limit))):
                continue
            pairs.append((old, now))
            rows.append({"file": repo.relative(c.path) if c.path is not None else c.old_path, "status": c.status,
                         "old_module": old_project.logical_name(old) if old is not None and old_project else None,
                         "new_module": project.logical_name(now) if now is not None else None})
        problems: list[str] = []
        if not pairs:
            return ChangeReport(rev, commit, rows, ChangeMap(), problems)
        ws = Workspace(project, limit if project.project_file is None else None, limits, use_user_build=True)
        now_vo = compiled_in(ws)
        lib_new = Library(project, limits, prebuilt=now_vo)

        if old_project is None:
            problems.append(f"no Coq project at {rev}")
        else:
            lib_old = Library(old_project, limits, prebuilt=same_as_now(tree, now_vo))
        new_env, new_mods, p_new = open_env(lib_new, [n for _, n in pairs if n is not None])
        problems += [f"now: {p}" for p in p_new]
        if lib_old is not None:
            old_env, old_mods, p_old = open_env(lib_old, [o for o, _ in pairs if o is not None])
            problems += [f"at {rev}: {p}" for p in p_old]
        if old_env is None or new_env is None:
            problems.append("nothing to compare: " + ("the old version" if old_env is None else "the new version")
                            + " could not be loaded")
            return ChangeReport(rev, commit, rows, ChangeMap(), problems)
        texts = [(o.read_text(encoding="utf-8", errors="replace") if o else None,
                  n.read_text(encoding="utf-8", errors="replace") if n else None) for o, n in pairs]
        moves = {r["old_module"]: r["new_module"] for r in rows
                 if r["old_module"] and r["new_module"] and r["old_module"] != r["new_module"]}
        cmap = Comparison(old_env, new_env, old_mods, new_mods, texts, moves).run()
        return ChangeReport(rev, commit, rows, cmap, problems)
    finally:
        for x in (old_env, new_env, lib_old, lib_new, ws):
            if x is not None:
                x.close()
        tree.close()
