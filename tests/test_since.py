"""repair --since REV on real git repositories and the real Coq.

The project: ``Base.v`` (definitions and a lemma about them), ``Use.v``
(requires Base; a lemma about ``inc`` and a hole left from before), and
``Other.v`` (requires nothing; a hole that a run --since must not visit).
The change refactors ``double`` correctly (``n + n`` → ``2 * n``: the proof
by ``reflexivity`` in Base.v breaks and can be mended) and ``inc`` wrongly
(``S n`` → ``n + 2``: the lemma in Use.v breaks and cannot be mended).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import needs_coq, run_cli

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

BASE = """From Coq Require Import Arith Lia.

Definition double (n : nat) : nat := n + n.

Definition inc (n : nat) : nat := S n.

Definition half (n : nat) : nat := n / 2.

Lemma double_spec : forall n, double n = n + n.
Proof.
  intros n. reflexivity.
Qed.
"""

USE = """From Calc Require Import Base.
From Coq Require Import Arith Lia.

Definition quad (n : nat) : nat := double (double n).

Lemma inc_double : forall n, inc (double n) = S (n + n).
Proof.
  intros n. reflexivity.
Qed.

Lemma double_zero : double 0 = 0.
Admitted.
"""

OTHER = """Lemma other_hole : forall n : nat, n + 0 = n.
Admitted.
"""

# A correct refactoring (double), a wrong one (inc: not the same function), a
# type change (half) and a change that relies on another changed file (quad).
BASE_CHANGED = (BASE.replace("n : nat) : nat := n + n.", "n : nat) : nat := 2 * n.")
                .replace("(n : nat) : nat := S n.", "(n : nat) : nat := n + 2.")
                .replace("Definition half (n : nat) : nat := n / 2.", "Definition half (n : nat) : option nat := Some (n / 2)."))
USE_CHANGED = USE.replace("double (double n).", "double n + double n.")

GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_SYSTEM": os.devnull}

FAST = ["--timeout", "20", "--search-time", "6"]


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV}).stdout


def make_repo(root: Path, committed_change: bool) -> Path:
    """A git repository with the project committed, then changed (committed as a second commit, or left as is)."""
    repo = root / "repo"
    proj = repo / "theories"
    proj.mkdir(parents=True)
    (proj / "_CoqProject").write_text("-R . Calc\n\nBase.v\nUse.v\nOther.v\n")
    (proj / "Base.v").write_text(BASE)
    (proj / "Use.v").write_text(USE)
    (proj / "Other.v").write_text(OTHER)
    (repo / "README").write_text("calc\n")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "calc")
    (proj / "Base.v").write_text(BASE_CHANGED)
    (proj / "Use.v").write_text(USE_CHANGED)
    if committed_change:
        git(repo, "commit", "-q", "-am", "refactor")
    return repo


@pytest.fixture(scope="module")
def uncommitted(tmp_path_factory):
    return make_repo(tmp_path_factory.mktemp("since"), committed_change=False)


@needs_git
@needs_coq
def test_changed_files_and_dependents_are_visited_with_state_at_rev(uncommitted):
    before = git(uncommitted, "status", "--porcelain")
    res = run_cli("repair", "theories", "--since", "HEAD", "--json", *FAST, cwd=uncommitted)
    assert res.returncode == 1, res.stderr  # one proof cannot be mended
    out = json.loads(res.stdout)
    assert out["since"]["changed"] == ["theories/Base.v", "theories/Use.v"]
    assert out["since"]["dependents"] == []
    holes = {h["theorem"]: h for h in out["holes"]}
    assert set(holes) == {"double_spec", "inc_double", "double_zero"}  # Other.v is neither changed nor dependent
    assert holes["double_spec"]["status"] == "fixed" and holes["double_spec"]["at_rev"] == "ok"
    assert holes["inc_double"]["status"] == "unsolved" and holes["inc_double"]["at_rev"] == "ok"
    assert holes["double_zero"]["at_rev"] == "broken"  # Admitted already at REV
    assert holes["double_spec"]["file"].endswith("Base.v") and holes["inc_double"]["file"].endswith("Use.v")
    assert out["summary"]["broken_by_change"] == 2
    # nothing written, the working tree and the index untouched
    assert git(uncommitted, "status", "--porcelain") == before
    assert (uncommitted / "theories" / "Base.v").read_text() == BASE_CHANGED


@needs_git
@needs_coq
def test_a_committed_change_and_an_unchanged_dependent(tmp_path):
    repo = make_repo(tmp_path, committed_change=True)
    # only Base.v differs from HEAD~1 in a way Use.v's proofs notice; make Use.v unchanged since HEAD~1
    git(repo, "checkout", "-q", "HEAD~1", "--", "theories/Use.v")
    git(repo, "commit", "-q", "-m", "keep Use.v as it was")
    res = run_cli("repair", "theories", "--since", "main~2", "--json", *FAST, cwd=repo)
    out = json.loads(res.stdout)
    assert out["since"]["changed"] == ["theories/Base.v"]
    assert out["since"]["dependents"] == ["theories/Use.v"]
    holes = {h["theorem"]: h for h in out["holes"]}
    assert holes["inc_double"]["at_rev"] == "ok" and holes["inc_double"]["status"] == "unsolved"
    assert holes["double_zero"]["at_rev"] == "broken"
    # limited to one file: only Base.v
    res = run_cli("repair", "theories/Base.v", "--since", "main~2", "--json", *FAST, cwd=repo)
    out = json.loads(res.stdout)
    assert res.returncode == 0, res.stderr
    assert [h["theorem"] for h in out["holes"]] == ["double_spec"]
    # nothing changed since HEAD: nothing to do, exit 0
    res = run_cli("repair", "theories", "--since", "HEAD", cwd=repo)
    assert res.returncode == 0 and "no .v file of the project changed since HEAD" in res.stdout


@needs_git
@needs_coq
def test_text_output_names_the_state_at_rev(uncommitted):
    res = run_cli("repair", "theories", "--since", "HEAD", *FAST, cwd=uncommitted)
    assert res.returncode == 1
    assert "changed since HEAD" in res.stdout and "at HEAD" in res.stdout
    assert "--- a/theories/Base.v" in res.stdout  # the proposed diff


@needs_git
def test_bad_revision_and_no_repository_are_input_errors(tmp_path, uncommitted):
    res = run_cli("repair", "theories", "--since", "no-such-rev", cwd=uncommitted)
    assert res.returncode == 2 and res.stderr.strip() == "proofmend: error: unknown git revision: no-such-rev"
    res = run_cli("repair", "theories", "--since", "--oops", cwd=uncommitted)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    lone = tmp_path / "lone"
    lone.mkdir()
    (lone / "_CoqProject").write_text("-R . L\n")
    (lone / "A.v").write_text("Lemma a : True. Proof. exact I. Qed.\n")
    env_home = {**os.environ, "GIT_CEILING_DIRECTORIES": str(tmp_path)}
    res = subprocess.run([*_cli(), "repair", str(lone), "--since", "HEAD"], cwd=lone, capture_output=True, text=True,
                         env=env_home)
    assert res.returncode == 2 and res.stderr.startswith("proofmend: error: not inside a git repository")
    assert len(res.stderr.strip().splitlines()) == 1


def _cli() -> list[str]:
    import sys

    return [sys.executable, "-m", "proofmend.cli"]


@needs_git
def test_git_changes_renames_deletions_and_untracked(tmp_path):
    from proofmend.agent.changes.gitrev import GitRepo

    repo = tmp_path / "r"
    repo.mkdir()
    (repo / "A.v").write_text("Definition a := 1.\n")
    (repo / "B.v").write_text("Definition b := 2.\n" * 20)
    (repo / "C.v").write_text("Definition c := 3.\n")
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "x")
    git(repo, "mv", "B.v", "B2.v")
    (repo / "C.v").unlink()
    (repo / "A.v").write_text("Definition a := 10.\n")
    (repo / "D.v").write_text("Definition d := 4.\n")
    g = GitRepo.containing(repo)
    changes = {(c.status, c.path.name if c.path else None, c.old_path) for c in g.changes(g.resolve("HEAD"))}
    assert changes == {("modified", "A.v", "A.v"), ("renamed", "B2.v", "B.v"), ("deleted", None, "C.v"),
                       ("added", "D.v", None)}
    assert g.show(g.resolve("HEAD"), "A.v") == "Definition a := 1.\n"
    assert g.show(g.resolve("HEAD"), "D.v") is None


@needs_git
@pytest.mark.parametrize("layout", ["dune", "files", "flags"])
def test_scope_in_each_project_layout(tmp_path, layout):
    from proofmend.agent.revisions.since import changed_scope

    from .test_projects import LAYOUTS

    root = tmp_path / "proj"
    user = LAYOUTS[layout](root)
    base = next(p for p in root.rglob("Base.v"))
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "x")
    assert changed_scope(root, "HEAD").files == ()
    base.write_text(base.read_text().replace("n + n", "2 * n"))
    scope = changed_scope(root, "HEAD")
    assert scope.changed == (base.resolve(),) and scope.dependents == (user.resolve(),)
    assert scope.target == root.resolve()
    # a folder inside the project limits the files; the user file alone is only a dependent
    assert changed_scope(user, "HEAD").files == (user.resolve(),)
    same_folder = base.parent == user.parent
    assert changed_scope(base.parent, "HEAD").files == ((base.resolve(), user.resolve()) if same_folder else (base.resolve(),))
    git(root, "commit", "-q", "-am", "y")
    assert changed_scope(root, "HEAD~1").changed == (base.resolve(),)
    if layout != "dune":  # a changed _CoqProject changes every file
        pf = root / "_CoqProject"
        pf.write_text(pf.read_text() + "\n-arg -w -arg -notation-overridden\n")
        assert set(changed_scope(root, "HEAD").changed) == {base.resolve(), user.resolve()}


@needs_git
def test_the_former_dependents_of_a_deleted_module_are_visited(tmp_path):
    from proofmend.agent.revisions.since import changed_scope

    root = tmp_path / "p"
    root.mkdir()
    (root / "_CoqProject").write_text("-R . P\n")
    (root / "A.v").write_text("Definition a := 1.\n")
    (root / "B.v").write_text("From P Require Import A.\nDefinition b := a.\n")
    (root / "C.v").write_text("Definition c := 3.\n")
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "x")
    (root / "A.v").unlink()
    scope = changed_scope(root, "HEAD")
    assert scope.files == ((root / "B.v").resolve(),) and scope.changed == ()


@needs_git
@needs_coq
def test_a_renamed_file_is_compared_with_its_old_path(tmp_path):
    repo = make_repo(tmp_path, committed_change=False)
    proj = repo / "theories"
    git(repo, "checkout", "-q", "--", "theories/Base.v")  # only inc changes now, and Use.v moves
    (proj / "Base.v").write_text(BASE.replace("(n : nat) : nat := S n.", "(n : nat) : nat := n + 2."))
    git(repo, "mv", "theories/Use.v", "theories/Usage.v")
    (proj / "Usage.v").write_text(USE)
    (proj / "_CoqProject").write_text("-R . Calc\n\nBase.v\nUsage.v\nOther.v\n")
    res = run_cli("repair", "theories", "--since", "HEAD", "--json", *FAST, cwd=repo)
    out = json.loads(res.stdout)
    holes = {h["theorem"]: h for h in out["holes"]}
    assert holes["inc_double"]["file"].endswith("Usage.v") and holes["inc_double"]["at_rev"] == "ok"
    assert holes["double_zero"]["at_rev"] == "broken" and holes["other_hole"]["at_rev"] == "broken"
