"""``equiv --write FILE``: append the proved equivalence lemmas to a file, after the audit.

Each lemma goes in with what it needs: the ``Require`` lines, the old
definitions under their fresh names, the statement and its proof.  The whole
new file is audited against the same file with the lemmas ``Admitted``
(nothing else may differ, a fresh compile must pass, no axiom or admitted
lemma may creep in) and only then written, atomically.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from ...provers.coq.audit import Verdict, admitted_names, audit
from ...provers.coq.batch import read_source
from ...provers.coq.project import CoqProject
from ...provers.limits import Limits
from ..config import AgentConfig

HEADER = "\n(* Proved by proofmend equiv: changed definitions agree with their versions at {rev}. *)\n"


def append_lemmas(target: Path, results: list, project: CoqProject, limits: Limits, config: AgentConfig,
                  rev: str) -> Verdict:
    """Audit ``target`` with the lemmas of ``results`` (proved ones) appended; write it only if accepted."""
    original = read_source(target) if target.exists() else ""
    sep = "" if not original or original.endswith("\n") else "\n"
    head = original + sep + (HEADER if original else HEADER.lstrip("\n")).format(rev=rev)
    reference = head + "\n".join(r.stated for r in results)
    candidate = head + "\n".join(r.mended for r in results)
    policy = config.axiom_policy(admitted_names(project))
    verdict = audit(candidate, reference, project, target.name, limits, policy)
    if verdict.accepted:
        _write_atomically(target, candidate)
    return verdict


def _write_atomically(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(text.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        if target.exists():
            shutil.copymode(target, tmp)
        else:
            os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
