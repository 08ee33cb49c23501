"""The real-breakage mining tools on a small git history made here (real git, real coqc)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCH))

import _real_projects as rp  # noqa: E402
import mine_breakages  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("coqc") is None or shutil.which("git") is None,
                                reason="coqc or git not installed")

A_OLD = "Definition double (n : nat) := n + n.\nLemma double_plus : forall n, double n = n + n.\nProof. reflexivity. Qed.\n"
A_NEW = "Definition double (n : nat) := 2 * n.\nLemma double_mul : forall n, double n = 2 * n.\nProof. reflexivity. Qed.\n"
B_OLD = ("From P Require Import A.\n(* uses A *)\nLemma four : double 2 = 4.\nProof.\n  rewrite double_plus.\n"
         "  reflexivity.\nQed.\n\nLemma same : 1 = 1.\nProof. reflexivity. Qed.\n")
B_NEW = ("From P Require Import A.\n(* uses A *)\nLemma four : double 2 = 4.\nProof.\n  rewrite double_mul.\n"
         "  reflexivity.\nQed.\n\nLemma same : 1 = 1.\nProof. auto. Qed.\n")


def _git(repo: Path, *args: str) -> str:
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t", "PATH": "/usr/bin:/bin"}
    return subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def history(tmp_path: Path) -> tuple[Path, str]:
    repo = tmp_path / "proj"
    (repo / "theories").mkdir(parents=True)
    _git(repo, "init", "-q")
    (repo / "_CoqProject").write_text("-Q theories P\n")
    (repo / "LICENSE").write_text("The MIT License (MIT)\n")
    (repo / "theories" / "A.v").write_text(A_OLD)
    (repo / "theories" / "B.v").write_text(B_OLD)
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "one")
    (repo / "theories" / "A.v").write_text(A_NEW)
    (repo / "theories" / "B.v").write_text(B_NEW)
    _git(repo, "commit", "-q", "-am", "two")
    return repo, _git(repo, "rev-parse", "HEAD").strip()


def test_layouts(tmp_path: Path) -> None:
    (tmp_path / "_CoqProject").write_text("# comment\n-R theories X\n-arg \"-w -notation-overridden\"\n")
    assert rp.layout_of(tmp_path) == "coqproject-flags"
    assert rp.coq_flags(tmp_path) == ["-R", "theories", "X", "-w", "-notation-overridden"]
    (tmp_path / "_CoqProject").write_text("-R theories X\ntheories/A.v\n")
    assert rp.layout_of(tmp_path) == "coqproject-files"
    (tmp_path / "_CoqProject").unlink()
    (tmp_path / "dune-project").write_text("(lang dune 2.9)\n(using coq 0.3)\n")
    (tmp_path / "theories").mkdir()
    (tmp_path / "theories" / "dune").write_text("(coq.theory\n (name X)\n (flags :standard))\n")
    assert rp.layout_of(tmp_path) == "dune"
    assert rp.coq_flags(tmp_path) == ["-Q", "_build/default/theories", "X"]


def test_candidates_then_validate(history: tuple[Path, str], tmp_path: Path) -> None:
    repo, head = history
    cands = tmp_path / "c.jsonl"
    assert mine_breakages.main(["candidates", "--git-dir", str(repo / ".git"), "--repo", "o/proj",
                                "--out", str(cands)]) == 0
    rows = [json.loads(ln) for ln in cands.read_text().splitlines()]
    # 'four' (uses the renamed lemma) and 'same' (a proof-only change) are candidates; double_* was renamed
    assert sorted(r["theorem"] for r in rows) == ["four", "same"]
    assert mine_breakages.licence_of(repo / ".git", head) == "MIT"

    # a checkout of the fixed commit, built here with coqc as the project's build would
    co = tmp_path / "co"
    assert rp.checkout(repo / ".git", head, co) == []
    tasks = tmp_path / "t.jsonl"
    # not built yet: nothing is kept
    mine_breakages.main(["validate", "--candidates", str(cands), "--commit", head[:8], "--checkout", str(co),
                         "--out", str(tasks)])
    assert not tasks.exists() or tasks.read_text() == ""
    for f in ("A", "B"):
        subprocess.run(["coqc", "-Q", "theories", "P", f"theories/{f}.v"], cwd=co, check=True)
    mine_breakages.main(["validate", "--candidates", str(cands), "--commit", head[:8], "--checkout", str(co),
                         "--licence", "MIT", "--git-dir", str(repo / ".git"), "--out", str(tasks)])
    kept = [json.loads(ln) for ln in tasks.read_text().splitlines()]
    assert [t["theorem"] for t in kept] == ["four"]  # the old proof of 'same' still checks
    t = kept[0]
    assert t["layout"] == "coqproject-flags" and t["fixed_proof_line"] == 3 and 4 <= t["old_error_line"] <= 7
    assert "double_plus" in t["old_error"]
    # double_plus went and no lemma of the same statement came: removed (double_mul states something else)
    assert (t["change_kind"], t["change_names"]) == ("removed-lemma", ["double_plus"])
    # the checkout is left as it was
    assert (co / "theories" / "B.v").read_text() == B_NEW

    manifest = tmp_path / "m.jsonl"
    mine_breakages.main(["manifest", str(tasks), str(tasks), "--out", str(manifest)])
    rows = [json.loads(ln) for ln in manifest.read_text().splitlines()]
    assert len(rows) == 1 and "old_proof" not in rows[0] and rows[0]["old_proof_sha"] == rp.sha(t["old_proof"])
    assert rows[0]["change_kind"] == "removed-lemma"


def test_validate_with_a_live_pass(history: tuple[Path, str], tmp_path: Path) -> None:
    """One live pass judges every candidate of a file; only those it finds failing go to coqc."""
    repo, head = history
    cands = tmp_path / "c.jsonl"
    mine_breakages.main(["candidates", "--git-dir", str(repo / ".git"), "--repo", "o/proj", "--out", str(cands)])
    co = tmp_path / "co"
    rp.checkout(repo / ".git", head, co)
    for f in ("A", "B"):
        subprocess.run(["coqc", "-Q", "theories", "P", f"theories/{f}.v"], cwd=co, check=True)
    tasks = tmp_path / "t.jsonl"
    mine_breakages.main(["validate", "--candidates", str(cands), "--commit", head[:8], "--checkout", str(co),
                         "--live-pass", "--out", str(tasks)])
    kept = [json.loads(ln) for ln in tasks.read_text().splitlines()]
    assert [t["theorem"] for t in kept] == ["four"] and "double_plus" in kept[0]["old_error"]
    assert (co / "theories" / "B.v").read_text() == B_NEW


def test_checkout_from_a_built_checkout(history: tuple[Path, str], tmp_path: Path) -> None:
    repo, head = history
    first = _git(repo, "rev-parse", "HEAD~1").strip()
    base = tmp_path / "base"
    rp.checkout(repo / ".git", first, base)
    subprocess.run(["coqc", "-Q", "theories", "P", "theories/A.v"], cwd=base, check=True)
    vo_time = (base / "theories" / "A.vo").stat().st_mtime_ns
    dest = tmp_path / "next"
    changed = rp.checkout_from(repo / ".git", first, base, head, dest)
    assert sorted(changed) == ["theories/A.v", "theories/B.v"]
    assert (dest / "theories" / "A.v").read_text() == A_NEW and (dest / "theories" / "B.v").read_text() == B_NEW
    # the build product came along with its time stamp; the changed source is newer, so a build redoes it
    assert (dest / "theories" / "A.vo").stat().st_mtime_ns == vo_time
    assert rp.built_vo(dest, "theories/A.v") is None


@pytest.mark.parametrize("old,new,error,kind", [
    ("Lemma a_b : 1 = 1.\nProof. reflexivity. Qed.\n", "Lemma b_c : 1 = 1.\nProof. reflexivity. Qed.\n",
     "Error: The reference a_b was not found in the current environment.", "renamed-lemma"),
    ("Lemma l (n : nat) : n = n.\nProof. reflexivity. Qed.\n", "Lemma l (n m : nat) : n = n.\nProof. reflexivity. Qed.\n",
     "Error: Unable to unify", "restated-lemma"),
    ("Inductive t := A | B.\n", "Inductive t := A | B | C.\n", "Error: Non exhaustive", "constructor-field"),
    ("Definition d := 1.\n", "Definition d := 2.\n", "Error: Unable to unify", "definition-changed"),
    ("Notation \"'one'\" := 1.\n", "Notation \"'one'\" := (0 + 1).\n", "Error: Unable to unify", "notation-changed"),
])
def test_change_kinds(tmp_path: Path, old: str, new: str, error: str, kind: str) -> None:
    repo = tmp_path / "r"
    repo.mkdir()
    _git(repo, "init", "-q")
    user_old = "Require Import Lib.\nLemma u : True.\nProof. pose proof (a_b, l, A, d, one). exact I. Qed.\n"
    (repo / "Lib.v").write_text(old)
    (repo / "U.v").write_text(user_old)
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "one")
    (repo / "Lib.v").write_text(new)
    (repo / "U.v").write_text(user_old.replace("exact I", "trivial"))
    _git(repo, "commit", "-q", "-am", "two")
    task = {"parent": _git(repo, "rev-parse", "HEAD~1").strip(), "commit": _git(repo, "rev-parse", "HEAD").strip(),
            "file": "U.v", "old_file": "U.v", "theorem": "u", "statement_changed": False, "old_error": error}
    assert rp.classify_change(repo / ".git", task)[0] == kind
    assert rp.classify_change(repo / ".git", {**task, "statement_changed": True})[0] == "statement-changed"
