"""proofmend equiv --since REV on a real git repository and the real Coq.

The change (see test_since): ``double`` refactored correctly (proved),
``inc`` changed into a different function (a false refactoring: never
proved), ``half`` changed its type (not comparable), ``quad`` rewritten on top
of the changed ``double`` of another file (not comparable: its old text would
not mean what it meant).
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from proofmend.agent.revisions.equivalence import combine, equivalence_statement

from .conftest import needs_coq, run_cli
from .test_since import FAST, USE, USE_CHANGED, git, make_repo, needs_git


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    repo = make_repo(tmp_path_factory.mktemp("equiv"), committed_change=False)
    res = run_cli("equiv", "theories", "--since", "HEAD", "--json", "--write", "theories/Equiv.v",
                  "--timeout", FAST[1], "--search-time", FAST[3], cwd=repo)
    return repo, res


@needs_git
@needs_coq
def test_each_changed_function_gets_a_verdict(run):
    repo, res = run
    assert res.returncode == 1, res.stderr  # not everything was proved
    out = json.loads(res.stdout)
    by = {r["function"]: r for r in out["functions"]}
    assert set(by) == {"double", "inc", "half", "quad"}
    assert by["double"]["status"] == "proved"
    assert by["double"]["statement"] == "Theorem double_equiv : forall (n : nat), double_old n = double n."
    assert "Qed." in by["double"]["proof"]
    assert by["inc"]["status"] == "unproved" and by["inc"]["proof"] is None  # S n is not n + 2
    assert by["half"]["status"] == "not_comparable" and "type changed" in by["half"]["reason"]
    assert "option nat" in by["half"]["reason"]
    assert by["quad"]["status"] == "not_comparable" and "double (changed in theories/Base.v)" in by["quad"]["reason"]
    assert by["double"]["file"] == "theories/Base.v" and by["double"]["line"] == 3
    assert out["summary"] == {**out["summary"], "total": 4, "proved": 1, "unproved": 1, "not_comparable": 2}
    assert out["since"]["rev"] == "HEAD"


@needs_git
@needs_coq
def test_write_appends_the_proved_lemma_and_it_compiles(run, tmp_path):
    repo, res = run
    out = json.loads(res.stdout)
    assert out["written"] and out["write_error"] is None
    text = (repo / "theories" / "Equiv.v").read_text()
    assert "Definition double_old (n : nat) : nat := n + n." in text
    assert "Theorem double_equiv : forall (n : nat), double_old n = double n." in text
    assert "inc_equiv" not in text and "Admitted" not in text
    # compile it beside Base.v (in a copy, with the proof the change broke mended by hand)
    proj = tmp_path / "build"
    shutil.copytree(repo / "theories", proj)
    (proj / "Base.v").write_text((proj / "Base.v").read_text().replace("intros n. reflexivity.", "intros n. unfold double. lia."))
    for f in ("Base.v", "Equiv.v"):
        subprocess.run(["coqc", "-R", ".", "Calc", f], cwd=proj, check=True, capture_output=True)
    (proj / "Check.v").write_text("From Calc Require Import Equiv.\nPrint Assumptions double_equiv.\n")
    chk = subprocess.run(["coqc", "-R", ".", "Calc", "Check.v"], cwd=proj, capture_output=True, text=True)
    assert chk.returncode == 0 and "Closed under the global context" in chk.stdout
    # the sources under version control are untouched
    assert git(repo, "status", "--porcelain", "--untracked-files=no").split() == ["M", "theories/Base.v", "M", "theories/Use.v"]


@needs_git
@needs_coq
def test_text_and_github_output(tmp_path):
    repo = make_repo(tmp_path, committed_change=True)
    # compare only Use.v: quad is not comparable, and nothing is proved
    res = run_cli("equiv", "theories/Use.v", "--since", "HEAD~1", "--format", "github", *FAST, cwd=repo)
    assert res.returncode == 1, res.stderr
    lines = [ln for ln in res.stdout.splitlines() if ln.startswith("::")]
    assert len(lines) == 1 and lines[0].startswith("::warning file=theories/Use.v,line=4,title=proofmend")
    assert "quad: not comparable" in lines[0]
    res = run_cli("equiv", "theories", "--since", "HEAD", cwd=repo)
    assert res.returncode == 0 and "no Definition or Fixpoint changed since HEAD" in res.stdout


@needs_git
def test_bad_input(tmp_path):
    repo = make_repo(tmp_path, committed_change=False)
    res = run_cli("equiv", "theories", "--since", "nope", cwd=repo)
    assert res.returncode == 2 and res.stderr.strip() == "proofmend: error: unknown git revision: nope"
    res = run_cli("equiv", "theories", "--since", "HEAD", "--write", "theories/Base.v", cwd=repo)
    assert res.returncode == 2 and "cannot append the lemmas to theories/Base.v" in res.stderr
    res = run_cli("equiv", "theories", "--since", "HEAD", "--write", "notes.txt", cwd=repo)
    assert res.returncode == 2 and "--write needs a .v file" in res.stderr


def test_the_old_version_comes_in_under_fresh_names_beside_the_module():
    comb = combine(USE, USE_CHANGED, "quad", import_new="Require Import Calc.Use.")
    assert comb.old_name == "quad_old" and comb.renamed == {"quad": "quad_old"}
    assert comb.prefix.splitlines()[:3] == ["From Calc Require Import Base.", "From Coq Require Import Arith Lia.",
                                            "Require Import Calc.Use."]
    assert "Definition quad_old (n : nat) : nat := double (double n)." in comb.prefix
    assert "double n + double n" not in comb.prefix  # the new version comes from the module
    assert "double" in comb.old_tokens
    stmt, name = equivalence_statement(comb)
    assert stmt == "Theorem quad_equiv : forall (n : nat), quad_old n = quad n." and name == "quad_equiv"
    # a name already taken (in the file appended to) is avoided
    comb = combine(USE, USE_CHANGED, "quad", import_new="Require Import Calc.Use.", reserved=frozenset({"quad_old"}))
    assert comb.old_name == "quad_old2"


SHADOW_OLD = """From Coq Require Import List.

Definition total (l : list nat) : nat := length l.
"""

# ``length`` now names a new definition of this file: brought in beside the
# module, the old ``total`` would use it, and "total_old = total" would be
# provable (both are 0) although the old total was the list's length.
SHADOW_NEW = """From Coq Require Import List.

Definition length (l : list nat) : nat := 0.

Definition total (l : list nat) : nat := length l + 0.
"""

ZERO = "Definition length (l : list nat) : nat := 0.\n"
# The imports swapped: ``length`` was the list's length, it is now B's.
ORDER_OLD = "From S Require Import B.\nFrom Coq Require Import List.\n\nDefinition total (l : list nat) : nat := length l.\n"
ORDER_NEW = "From Coq Require Import List.\nFrom S Require Import B.\n\nDefinition total (l : list nat) : nat := length l + 0.\n"


def _one_change(root, files_old: dict, files_new: dict):
    repo = root / "r"
    repo.mkdir()
    (repo / "_CoqProject").write_text("-R . S\n" + "".join(f"{f}\n" for f in sorted(files_old)))
    for f, text in files_old.items():
        (repo / f).write_text(text)
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "a")
    for f, text in files_new.items():
        (repo / f).write_text(text)
    res = run_cli("equiv", ".", "--since", "HEAD", "--json", *FAST, cwd=repo)
    assert res.returncode == 1, res.stderr
    return json.loads(res.stdout)["functions"]


@needs_git
@needs_coq
def test_a_name_the_old_text_used_now_defined_in_the_file_is_not_comparable(tmp_path):
    [r] = _one_change(tmp_path, {"A.v": SHADOW_OLD}, {"A.v": SHADOW_NEW})
    assert r["function"] == "total" and r["status"] == "not_comparable"
    assert "uses length, which the new text defines and the old one did not" in r["reason"]


@needs_git
@needs_coq
def test_a_name_the_old_text_used_now_resolving_elsewhere_is_not_comparable(tmp_path):
    [r] = _one_change(tmp_path, {"A.v": ORDER_OLD, "B.v": ZERO}, {"A.v": ORDER_NEW})
    assert r["function"] == "total" and r["status"] == "not_comparable"
    assert "length would now name something else" in r["reason"]
