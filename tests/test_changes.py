"""``proofmend changes --since REV``: the change map, from the real Coq in both versions of git fixtures.

One project changed in every way a proof can be broken by (``BASE`` →
``BASE_NOW``), read once through the command line; then smaller fixtures for
a module that moved, a renamed inductive, and the build cache.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from proofmend.agent.changes.builds import Library
from proofmend.agent.changes.coqtypes import compare, parse_type, reargue
from proofmend.provers.coq.project import project_for

from .conftest import needs_coq
from .gitfixtures import changed_repo

pytestmark = [needs_coq, pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")]

BASE = """From Coq Require Import Arith Lia.
Inductive color := Red | Green | Blue.
Inductive shape := Circle (r : nat) | Square (s : nat).
Record point := mkPoint { px : nat; py : nat }.
Definition double (n : nat) : nat := n + n.
Lemma mul_comm_helper : forall a b : nat, a * b = b * a.
Proof. intros; lia. Qed.
Lemma double_le : forall n m, n <= m -> double n <= double m.
Proof. unfold double. lia. Qed.
Lemma my_add_0_l : forall n : nat, 0 + n = n.
Proof. reflexivity. Qed.
Lemma imp_lemma : forall a b : nat, a + b = b + a.
Proof. lia. Qed.
Lemma cond_lemma : forall n : nat, n - 0 = n.
Proof. lia. Qed.
Notation "x +++ y" := (x + y + 0) (at level 50).
Infix "<**>" := Nat.mul (at level 40).
Section S.
Variable k : nat.
Definition addk n := n + k.
Lemma addk_0 : addk 0 = k.
Proof. reflexivity. Qed.
End S.
Lemma θ_refl : forall n : nat, n = n. Proof. auto. Qed.
"""

BASE_NOW = """From Coq Require Import Arith Lia.
Inductive color := Red | Yellow | Green | Blue.
Inductive shape := Disc (r : nat) | Square (s : nat).
Record point := mkPoint { px : nat; pz : nat; py : nat }.
Definition double (n : nat) : nat := 2 * n.
Lemma times_swap : forall a b : nat, a * b = b * a.
Proof. intros; lia. Qed.
Lemma double_le : forall m n, n <= m -> double n <= double m.
Proof. unfold double. lia. Qed.
Lemma imp_lemma : forall {a} (b : nat), a + b = b + a.
Proof. lia. Qed.
Lemma cond_lemma : forall n : nat, 0 < n -> n - 0 = n.
Proof. lia. Qed.
Notation "x +++ y" := (x + y + 1) (at level 50).
Infix "<**>" := Nat.add (at level 40).
Section S.
Variable k : nat.
Hypothesis Hk : k > 0.
Definition addk n := n + k.
Lemma addk_0 : addk 0 = k /\\ k > 0.
Proof. split. reflexivity. exact Hk. Qed.
End S.
Lemma ψ_refl : forall n : nat, n = n. Proof. auto. Qed.
"""

USE = """From Calc Require Import Base.
Lemma use1 : forall n, double n = n + n.
Proof. intros. unfold double. lia. Qed.
"""


def cli(*args: str, cwd: Path, cache: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PROOFMEND_BUILD_CACHE": str(cache)}
    return subprocess.run([sys.executable, "-m", "proofmend.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600, env=env)


@pytest.fixture(scope="module")
def changed(tmp_path_factory):
    root = tmp_path_factory.mktemp("changes")
    repo = changed_repo(root / "repo", {"Base.v": BASE, "Use.v": USE}, {"Base.v": BASE_NOW})
    r = cli("changes", "--since", "HEAD", "--json", cwd=repo, cache=root / "cache")
    assert r.returncode == 0, r.stdout + r.stderr
    return json.loads(r.stdout), repo, root


def by(items: list[dict], key: str) -> dict[str, dict]:
    return {i[key].rsplit(".", 1)[-1]: i for i in items}


def test_the_files_compared(changed):
    out, _, _ = changed
    assert out["files"] == [{"file": "Base.v", "status": "modified", "old_module": "Calc.Base",
                             "new_module": "Calc.Base"}]
    assert out["modules"] == ["Calc.Base"] and out["problems"] == []


def test_renamed_lemmas_same_statement_new_name(changed):
    out, _, _ = changed
    ren = {r["old"]: r["new"] for r in out["renamed"]}
    assert ren["Calc.Base.mul_comm_helper"] == "Calc.Base.times_swap"
    assert ren["Calc.Base.θ_refl"] == "Calc.Base.ψ_refl"  # Unicode names
    assert all(r["kind"] == "lemma" for r in out["renamed"])


def test_a_removed_lemma_and_the_closest_ones_now(changed):
    out, _, _ = changed
    gone = by(out["removed"], "name")
    assert set(gone) == {"my_add_0_l"}
    cands = [c["name"] for c in gone["my_add_0_l"]["candidates"]]
    # Search with the old conclusion (0 + _ = _) finds the standard library's statements of it first
    assert {"Coq.Arith.PeanoNat.Nat.add_0_l", "Coq.Init.Peano.plus_O_n"} <= set(cands[:3])
    assert all(c["type"] == "forall n : nat, 0 + n = n" for c in gone["my_add_0_l"]["candidates"][:2])


def test_restated_lemmas_say_how_to_call_the_new_one(changed):
    out, _, _ = changed
    rs = by(out["restated"], "name")
    perm = rs["double_le"]
    assert perm["permuted"] and perm["arguments"] == [1, 0, 2] and not perm["conclusion_changed"]
    assert perm["call"] == "double_le n m H1 ~> double_le m n H1"
    imp = rs["imp_lemma"]
    assert imp["implicits"] == [{"name": "a", "old": None, "new": "{}"}] and not imp["permuted"]
    assert imp["call"] == "imp_lemma a b ~> imp_lemma (a := a) b"
    hyp = rs["cond_lemma"]
    assert hyp["added"] == [{"name": None, "type": "0 < n", "implicit": None}] and hyp["removed"] == []
    assert not hyp["conclusion_changed"]


def test_constructors_and_fields(changed):
    out, _, _ = changed
    inds = by(out["inductives"], "name")
    color = inds["color"]
    assert color["kind"] == "inductive" and color["added"] == ["Yellow"] and color["removed"] == []
    assert color["new_constructors"] == ["Red", "Yellow", "Green", "Blue"] and not color["reordered"]
    shape = inds["shape"]
    assert shape["renamed"] == [["Circle", "Disc"]] and shape["added"] == [] and shape["removed"] == []
    point = inds["point"]
    assert point["kind"] == "record" and point["added"] == ["pz"] and point["new_fields"] == ["px", "pz", "py"]


def test_changed_definitions(changed):
    out, _, _ = changed
    defs = by(out["definitions"], "name")
    assert defs["double"]["old"] == "fun n : nat => n + n" and defs["double"]["new"] == "fun n : nat => 2 * n"
    assert not defs["double"]["type_changed"]
    assert "addk" not in defs  # same body: its section did not change it


def test_notations(changed):
    out, _, _ = changed
    nots = {n["notation"]: n for n in out["notations"]}
    assert nots["x +++ y"]["old"] == "(Nat.add (Nat.add x y) 0)" and nots["x +++ y"]["new"] == "(Nat.add (Nat.add x y) 1)"
    assert nots["x <**> y"]["old"].endswith("Nat.mul x y)") and nots["x <**> y"]["new"].endswith("Nat.add x y)")


def test_section_variables(changed):
    out, _, _ = changed
    [sv] = out["section_variables"]
    assert sv["name"] == "Hk" and sv["old_type"] is None and sv["new_type"] == "k > 0"
    assert sv["lemmas"] == ["Calc.Base.addk_0"]
    addk_0 = by(out["restated"], "name")["addk_0"]
    assert addk_0["added"] == [{"name": None, "type": "k > 0", "implicit": None}]
    assert addk_0["section_variables"] == ["Hk"]


def test_text_output_and_nothing_written(changed):
    _, repo, root = changed
    r = cli("changes", "--since", "HEAD", cwd=repo, cache=root / "cache")
    assert r.returncode == 0, r.stderr
    assert "`mul_comm_helper` was renamed `times_swap` (lemma; same statement)" in r.stdout
    assert "`color` (inductive): new constructors `Yellow`" in r.stdout
    assert "where the old one was called `double_le n m H1`, write `double_le m n H1`" in r.stdout
    status = subprocess.run(["git", "status", "--porcelain", "--ignored"], cwd=repo, capture_output=True,
                            text=True).stdout
    assert status.strip() == "M Base.v"  # no compiled file, no cache, nothing else in the user's tree


def test_a_moved_module_and_a_renamed_inductive(tmp_path):
    rest = "".join(f"Lemma l{k} : forall n : nat, n + {k} = {k} + n.\nProof. intros. apply PeanoNat.Nat.add_comm. Qed.\n"
                   for k in range(8))
    old = ("Inductive tri := T1 | T2 | T3.\nLemma tri_dec : forall t : tri, t = T1 \\/ t <> T1.\n"
           "Proof. destruct t; [left|right|right]; congruence. Qed.\n") + rest
    before = {"Old.v": old}
    after = {"Old.v": None, "New.v": old.replace("tri :=", "three :=").replace("t : tri", "t : three")}
    repo = changed_repo(tmp_path / "repo", before, after, commit_after=True)
    r = cli("changes", "--since", "HEAD~1", "--json", cwd=repo, cache=tmp_path / "cache")
    assert r.returncode == 0, r.stdout + r.stderr
    out = json.loads(r.stdout)
    assert {(f["old_module"], f["new_module"]) for f in out["files"]} == {("Calc.Old", "Calc.New")}
    assert [(x["old"], x["new"], x["kind"]) for x in out["renamed"]] == [("Calc.Old.tri", "Calc.New.three", "inductive")]
    assert out["removed"] == [] and out["added"] == []


def test_a_lone_file_without_a_project(tmp_path):
    old = "Lemma foo_old : forall n : nat, n = n.\nProof. auto. Qed.\nLemma use : 1 = 1.\nProof. apply foo_old. Qed.\n"
    repo = changed_repo(tmp_path / "repo", {"A.v": old}, {"A.v": old.replace("foo_old : forall", "foo_new : forall")},
                        project=None)
    r = cli("changes", "--since", "HEAD", "A.v", cwd=repo, cache=tmp_path / "cache")
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip() == "`foo_old` was renamed `foo_new` (lemma; same statement)"


def test_bad_input(tmp_path):
    (tmp_path / "A.v").write_text("Lemma a : True. Proof. exact I. Qed.\n")
    (tmp_path / "_CoqProject").write_text("-R . P\nA.v\n")
    r = cli("changes", "--since", "HEAD", str(tmp_path), cwd=tmp_path, cache=tmp_path / "cache")
    assert r.returncode == 2 and "not inside a git repository" in r.stderr and "Traceback" not in r.stderr
    repo = changed_repo(tmp_path / "repo", {"A.v": "Lemma a : True. Proof. exact I. Qed.\n"}, {})
    r = cli("changes", "--since", "no-such-rev", cwd=repo, cache=tmp_path / "cache")
    assert r.returncode == 2 and r.stderr.strip() == "proofmend: error: unknown git revision: no-such-rev"


def test_the_build_cache_is_reused_across_runs(tmp_path):
    root = tmp_path / "p"
    root.mkdir()
    (root / "_CoqProject").write_text("-R . P\nA.v\nB.v\n")
    (root / "A.v").write_text("Lemma a : forall n : nat, n + 0 = n.\nProof. induction n; simpl; congruence. Qed.\n")
    (root / "B.v").write_text("From P Require Import A.\nLemma b : 1 + 0 = 1.\nProof. apply a. Qed.\n")
    project = project_for(root)
    counts = []
    for _ in range(2):
        with Library(project, cache_dir=tmp_path / "cache") as lib:
            assert lib.ensure(root / "B.v") is None
            counts.append((lib.compiled, lib.reused))
    assert counts == [(2, 0), (0, 2)]
    assert not list(root.glob("*.vo"))  # compiled privately
    with Library(project, cache_dir=None) as lib:  # no cache: compiled again
        assert lib.ensure(root / "B.v") is None and lib.compiled == 2


# ------------------------------------------------------------------ statements read as telescopes


def test_telescopes_compare_and_reargue():
    old = parse_type("forall (A : Type) (l : list A) {n : nat}, length l = n -> P l -> Q l n")
    new = parse_type("forall (A : Type) (n : nat) (l : list A), P l -> length l = n -> Q l n")
    r = compare(old, new)
    assert r.mapping == (0, 2, 1, 4, 3) and r.implicit_changed == (("n", "{}", ""),) and not r.conclusion_changed
    assert reargue(r, ["A", "xs", "H1", "H2"]) == ["A", "_", "xs", "H2", "H1"]
    renamed_var = compare(parse_type("forall x : nat, x = x"), parse_type("forall y : nat, y = y"))
    assert renamed_var.mapping == (0,) and not renamed_var.calls_change and not renamed_var.conclusion_changed
    assert parse_type("forall n : nat, (exists m, m = n) -> exists k, k = n -> True").conclusion == \
        "exists k, k = n -> True"


def test_hypotheses_and_search_hits_with_unicode_names():
    from proofmend.agent.search import hypotheses, parse_search
    from proofmend.agent.proposers.stale import missing_name
    from proofmend.provers.results import Goal

    goal = Goal(("α, β : nat", "Hαβ : α = β", "f := fun x : nat => x : nat -> nat"), "β = α")
    assert hypotheses(goal) == [("α", "nat"), ("β", "nat"), ("Hαβ", "α = β")]
    assert parse_search("θ_plus_0: forall θ : nat, θ + 0 = θ\nNat.add_0_r: forall n : nat, n + 0 = n") == [
        ("θ_plus_0", "forall θ : nat, θ + 0 = θ"), ("Nat.add_0_r", "forall n : nat, n + 0 = n")]
    assert missing_name("The reference Base.θ_helper was not found in the current environment.") == "Base.θ_helper"


def test_an_old_sentence_written_for_the_new_statements():
    from proofmend.agent.changes.changemap import ChangeMap, InductiveChange, Renamed, Restated
    from proofmend.agent.changes.staleedit import pattern_candidates, rewrite

    cmap = ChangeMap(
        renamed=(Renamed("C.B.plus_zero_r", "C.B.add_zero_r", "lemma", "forall n : nat, n + 0 = n"),),
        restated=(Restated("C.B.le_mono", "C.B.le_mono", "lemma", "forall a b : nat, a <= b -> f a <= f b",
                           "forall b a : nat, a <= b -> f a <= f b"),
                  Restated("C.U.thm", "C.U.thm", "lemma", "forall x y : nat, x <= y -> P x y",
                           "forall y x : nat, x <= y -> P x y")),
        inductives=(InductiveChange("C.B.color", "C.B.color", "inductive", ("Red", "Green", "Blue"),
                                    ("Red", "Yellow", "Green", "Blue")),
                    InductiveChange("C.B.pt", "C.B.pt", "record", ("px", "py"), ("px", "pz", "py"))))
    assert rewrite("rewrite B.plus_zero_r in H; apply (le_mono n m Hnm).", cmap) == \
        "rewrite B.add_zero_r in H; apply (le_mono m n Hnm)."
    assert rewrite("apply le_mono.", cmap) == "apply le_mono."  # no arguments: nothing to move
    assert rewrite("intros x y H.", cmap, theorem="C.U.thm") == "intros y x H."
    assert rewrite("intros x y H.", cmap, theorem="C.U.other") == "intros x y H."
    assert rewrite("destruct p as [a b].", cmap) == "destruct p as [a ? b]."
    assert pattern_candidates("destruct c as [|n|].", "Expects a disjunctive pattern with 4 branches.", cmap)[0] == \
        "destruct c as [| |n|]."
    assert pattern_candidates("destruct c as [|n|].", "No such goal.", cmap) == []
