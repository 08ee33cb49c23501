"""``repair FILE --theorem T --model search --since HEAD`` on git fixtures, one per kind of change.

Each fixture is a project whose last commit holds the version before a change
and whose working tree holds the change with the old proof, as a project is
measured.  The mended proof must keep the old one's sentences where they still
fit and show the change was read (the new name, the new argument order, the
new constructor's branch).  The old stale repair (the change map turned off)
leaves one of them unmended; the same machinery mends a permuted call without
git, from the error and the lemma's current statement.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from .conftest import needs_coq
from .gitfixtures import changed_repo, git

pytestmark = [needs_coq, pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")]


def repair(target: Path, *args: str, cache: Path, trace: Path | None = None) -> tuple[int, dict]:
    env = {**os.environ, "PROOFMEND_BUILD_CACHE": str(cache)}
    cmd = [sys.executable, "-m", "proofmend.cli", "repair", str(target), "--model", "search", "--json", *args]
    if trace is not None:
        cmd += ["--trace", str(trace)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env, cwd=target.parent)
    assert r.returncode in (0, 1), r.stdout + r.stderr
    return r.returncode, json.loads(r.stdout)


@dataclass(frozen=True)
class Case:
    kind: str
    before: dict[str, str]
    after: dict[str, str]
    file: str
    theorem: str
    expect: tuple[str, ...] = ()  # in the mended proof
    keep: tuple[str, ...] = ()  # old sentences still there


R = """Inductive R : nat -> nat -> Prop := R0 : R 0 0 | RS n m : R n m -> R (S n) (S m).
"""
R_TRANS_OLD = R + """Lemma R_trans : forall a b c, R a b -> R b c -> R a c.
Proof. intros a b c H; revert c; induction H; intros c H2; inversion H2; subst; constructor; auto. Qed.
"""
R_TRANS_NOW = R + """Lemma R_trans : forall b a c, R a b -> R b c -> R a c.
Proof. intros b a c H; revert c; induction H; intros c H2; inversion H2; subst; constructor; auto. Qed.
"""
R_RENAMED = R + """Lemma chain_R : forall a b c, R a b -> R b c -> R a c.
Proof. intros a b c H; revert c; induction H; intros c H2; inversion H2; subst; constructor; auto. Qed.
"""
R_USE = """From Calc Require Import Base.
Lemma R_chain : forall x y z w, R x y -> R y z -> R z w -> R x w.
Proof.
  intros x y z w H1 H2 H3.
  apply (R_trans x z w).
  - apply (R_trans x y z H1 H2).
  - exact H3.
Qed.
"""

COLORS = """Inductive color := Red | Green | Blue.
Definition code (c : color) : nat := match c with Red => 10 | Green => 20 | Blue => 30 end.
"""
COLORS_NOW = """Inductive color := Red | Yellow | Green | Blue.
Definition code (c : color) : nat := match c with Red => 10 | Yellow => 15 | Green => 20 | Blue => 30 end.
"""
COLORS_USE = """From Calc Require Import Base.
From Coq Require Import Lia.
Lemma code_pos : forall c, 5 * 2 <= code c.
Proof.
  intros c. destruct c as [| |].
  - simpl. lia.
  - simpl. lia.
  - simpl. lia.
Qed.
"""

CASES = [
    Case("renamed lemma", {"Base.v": "From Coq Require Import Arith.\nLemma mul_comm_helper : forall a b : nat, a * b = b * a.\n"
                                     "Proof. intros a b. apply PeanoNat.Nat.mul_comm. Qed.\n",
                           "Use.v": "From Calc Require Import Base.\nFrom Coq Require Import Arith.\nLemma use_swap : forall x y : nat, x * y + 0 = y * x.\n"
                                    "Proof.\n  intros x y.\n  rewrite PeanoNat.Nat.add_0_r.\n  apply mul_comm_helper.\nQed.\n"},
         {"Base.v": "From Coq Require Import Arith.\nLemma times_swap : forall a b : nat, a * b = b * a.\n"
                    "Proof. intros a b. apply PeanoNat.Nat.mul_comm. Qed.\n"},
         "Use.v", "use_swap", ("apply times_swap.",), ("intros x y.", "rewrite PeanoNat.Nat.add_0_r.")),
    Case("renamed lemma (Unicode names)",
         {"Base.v": "Lemma θ_helper : forall α : nat, α + 0 = α.\nProof. intros α. induction α; simpl; congruence. Qed.\n",
          "Use.v": "From Calc Require Import Base.\nLemma ψ_use : forall β : nat, β + 0 + 0 = β.\n"
                   "Proof.\n  intros β.\n  rewrite θ_helper.\n  rewrite θ_helper.\n  reflexivity.\nQed.\n"},
         {"Base.v": "Lemma ω_plus_zero : forall α : nat, α + 0 = α.\nProof. intros α. induction α; simpl; congruence. Qed.\n"},
         "Use.v", "ψ_use", ("rewrite ω_plus_zero.",), ("intros β.", "reflexivity.")),
    Case("removed lemma", {"Base.v": "Lemma my_add_0_l : forall n : nat, 0 + n = n.\nProof. reflexivity. Qed.\n"
                                     "Definition keep := 0.\n",
                           "Use.v": "From Calc Require Import Base.\nFrom Coq Require Import Arith.\n"
                                    "Lemma use0 : forall n : nat, 0 + (n + 0) = n.\n"
                                    "Proof.\n  intros n.\n  rewrite my_add_0_l.\n  rewrite Nat.add_0_r.\n  reflexivity.\nQed.\n"},
         {"Base.v": "Definition keep := 0.\n"},
         "Use.v", "use0", ("rewrite Nat.add_0_l.",), ("intros n.", "rewrite Nat.add_0_r.", "reflexivity.")),
    Case("restated: arguments permuted", {"Base.v": R_TRANS_OLD, "Use.v": R_USE}, {"Base.v": R_TRANS_NOW},
         "Use.v", "R_chain", ("apply (R_trans z x w).", "apply (R_trans y x z H1 H2)."), ("exact H3.",)),
    Case("restated: a hypothesis added",
         {"Base.v": "From Coq Require Import Lia.\nLemma sub0 : forall n : nat, n - 0 = n.\nProof. lia. Qed.\n",
          "Use.v": "From Calc Require Import Base.\nLemma use_sub : forall n : nat, 0 < n -> S (n - 0) = S n.\n"
                   "Proof.\n  intros n H.\n  rewrite sub0.\n  reflexivity.\nQed.\n"},
         {"Base.v": "From Coq Require Import Lia.\nLemma sub0 : forall n : nat, 0 < n -> n - 0 = n.\nProof. lia. Qed.\n"},
         "Use.v", "use_sub", ("rewrite sub0.", "2: {"), ("intros n H.", "reflexivity.")),
    Case("restated: an argument made implicit",
         {"Base.v": "From Coq Require Import Arith.\nLemma swap_add : forall a b : nat, a + b = b + a.\nProof. intros a b. apply PeanoNat.Nat.add_comm. Qed.\n",
          "Use.v": "From Calc Require Import Base.\nLemma use_imp : forall x y : nat, x + y = y + x.\n"
                   "Proof.\n  intros x y.\n  exact (swap_add x y).\nQed.\n"},
         {"Base.v": "From Coq Require Import Arith.\nLemma swap_add : forall {a} (b : nat), a + b = b + a.\nProof. intros a b. apply PeanoNat.Nat.add_comm. Qed.\n"},
         "Use.v", "use_imp", ("exact (swap_add (a := x) y).",), ("intros x y.",)),
    Case("constructor added", {"Base.v": COLORS, "Use.v": COLORS_USE}, {"Base.v": COLORS_NOW},
         "Use.v", "code_pos", ("destruct c as [| | |].", "2: {"), ("intros c.", "- simpl. lia.")),
    Case("constructor renamed (change and proof in one file)",
         # (a tactic named with a capital, as some projects do, in a proof before it)
         {"Use.v": "Inductive shape := Circle (r : nat) | Square (s : nat).\nLtac Crush := reflexivity.\n"
                   "Lemma sq : Square 1 = Square 1.\nProof. Crush. Qed.\n"
                   "Lemma mk : exists s, s = Circle 2.\nProof.\n  exists (Circle 2).\n  reflexivity.\nQed.\n"},
         {"Use.v": "Inductive shape := Disc (r : nat) | Square (s : nat).\nLtac Crush := reflexivity.\n"
                   "Lemma sq : Square 1 = Square 1.\nProof. Crush. Qed.\n"
                   "Lemma mk : exists s, s = Disc 2.\nProof.\n  exists (Circle 2).\n  reflexivity.\nQed.\n"},
         "Use.v", "mk", ("exists (Disc 2).",), ("reflexivity.",)),
    Case("record field added",
         {"Base.v": "Record point := mkPoint { px : nat; py : nat }.\n",
          "Use.v": "From Calc Require Import Base.\nFrom Coq Require Import Arith.\nLemma py_of : forall p : point, py p = py p + 0.\n"
                   "Proof.\n  intros [x y].\n  simpl.\n  exact (eq_sym (PeanoNat.Nat.add_0_r y)).\nQed.\n"},
         {"Base.v": "Record point := mkPoint { px : nat; pz : nat; py : nat }.\n"},
         "Use.v", "py_of", (), ("simpl.",)),
    Case("changed definition",
         {"Base.v": "Definition double (n : nat) : nat := n + n.\n",
          "Use.v": "From Calc Require Import Base.\nLemma double_spec : forall n, double n = n + n.\n"
                   "Proof.\n  intros n.\n  reflexivity.\nQed.\n"},
         {"Base.v": "Definition double (n : nat) : nat := 2 * n.\n"},
         "Use.v", "double_spec", (), ("intros n.",)),
    Case("changed notation",
         {"Base.v": "Notation \"x +++ y\" := (x + y) (at level 50).\n",
          "Use.v": "From Calc Require Import Base.\nFrom Coq Require Import Arith.\nLemma pp : forall a, a +++ 0 = a.\n"
                   "Proof.\n  intros a.\n  apply Nat.add_0_r.\nQed.\n"},
         {"Base.v": "Notation \"x +++ y\" := (y + x) (at level 50).\n"},
         "Use.v", "pp", (), ("intros a.",)),
    Case("section variable added",
         {"Base.v": "From Coq Require Import Lia.\nSection S.\nVariable k : nat.\nLemma k_le : k <= k + 1.\nProof. lia. Qed.\nEnd S.\n",
          "Use.v": "From Calc Require Import Base.\nLemma use_k : forall n, 0 < n -> n <= n + 1.\n"
                   "Proof.\n  intros n H.\n  apply (k_le n).\nQed.\n"},
         {"Base.v": "From Coq Require Import Lia.\nSection S.\nVariable k : nat.\nHypothesis Hk : 0 < k.\n"
                    "Lemma k_le : k <= k + 1.\nProof. pose proof Hk. lia. Qed.\nEnd S.\n"},
         "Use.v", "use_k", (), ("intros n H.",)),
    Case("the theorem's own arguments permuted",
         {"Use.v": "From Coq Require Import Arith.\nLemma le_twice : forall a b : nat, a <= b -> a + a <= b + b.\n"
                   "Proof.\n  intros a b H.\n  exact (Nat.add_le_mono a b a b H H).\nQed.\n"},
         {"Use.v": "From Coq Require Import Arith.\nLemma le_twice : forall b a : nat, a <= b -> a + a <= b + b.\n"
                   "Proof.\n  intros a b H.\n  exact (Nat.add_le_mono a b a b H H).\nQed.\n"},
         "Use.v", "le_twice", ("intros b a H.",), ("exact (Nat.add_le_mono a b a b H H).",)),
]


@pytest.mark.parametrize("case", CASES, ids=[c.kind for c in CASES])
def test_repair_since_head_mends_each_kind_of_change(case: Case, tmp_path):
    files = dict(case.before)
    if "Use.v" not in files:
        files["Use.v"] = case.after["Use.v"]
    project = "-R . Calc\n" + "".join(f"{f}\n" for f in files)
    repo = changed_repo(tmp_path / "repo", case.before, case.after, project=project)
    original = (repo / case.file).read_text()
    trace = tmp_path / "trace.jsonl"
    rc, out = repair(repo / case.file, "--theorem", case.theorem, "--since", "HEAD", cache=tmp_path / "cache",
                     trace=trace)
    [hole] = out["holes"]
    assert hole["at_rev"] == "ok"  # the old proof checked before the change
    assert (hole["theorem"], hole["status"]) == (case.theorem, "fixed"), (hole["exit"], hole["error"],
                                                                        _events(trace))
    assert rc == 0
    proof = hole["proof"]
    for s in case.expect:
        assert s in proof, proof
    for s in case.keep:
        assert s in proof, proof
    assert (repo / case.file).read_text() == original  # nothing written without --write
    [event] = [e for e in _events(trace) if e["event"] == "change_map"]
    assert event["base"] == "HEAD" and event["changes"] and not event["notes"], event


def _events(trace: Path) -> list[dict]:
    return [json.loads(line) for line in trace.read_text().splitlines()] if trace.exists() else []


def test_the_change_map_mends_what_the_old_stale_repair_did_not(tmp_path):
    # R_trans renamed chain_R: nothing in the name says so, and the search cannot use a transitivity lemma
    # (it would have to guess the middle term)
    repo = changed_repo(tmp_path / "repo", {"Base.v": R_TRANS_OLD, "Use.v": R_USE}, {"Base.v": R_RENAMED},
                        project="-R . Calc\nBase.v\nUse.v\n")
    args = ["--theorem", "R_chain", "--since", "HEAD", "--timeout", "30", "--search-time", "10"]
    (repo / "proofmend.toml").write_text("read_changes = false\n")
    rc, out = repair(repo / "Use.v", *args, cache=tmp_path / "cache")
    [hole] = out["holes"]
    assert rc == 1 and hole["status"] == "unsolved", hole
    (repo / "proofmend.toml").write_text("read_changes = true\n")
    rc, out = repair(repo / "Use.v", *args, cache=tmp_path / "cache")
    [hole] = out["holes"]
    assert rc == 0 and hole["status"] == "fixed" and "apply (chain_R x z w)." in hole["proof"], hole
    assert "apply (chain_R x y z H1 H2)." in hole["proof"]


def test_without_git_a_permuted_call_is_mended_from_the_error_and_the_current_statement(tmp_path):
    root = tmp_path / "plain"
    root.mkdir()
    (root / "_CoqProject").write_text("-R . Calc\nBase.v\nUse.v\n")
    (root / "Base.v").write_text(R_TRANS_NOW)
    (root / "Use.v").write_text(R_USE)
    rc, out = repair(root / "Use.v", "--theorem", "R_chain", "--strategy", "stale", cache=tmp_path / "cache")
    [hole] = out["holes"]
    assert hole["status"] == "fixed" and "R_trans z x w" in hole["proof"], hole


def test_a_committed_change_is_read_against_the_commit_before_it(tmp_path):
    # no --since: the working tree is clean, so the base is the parent of the last commit that changed the files
    repo = changed_repo(tmp_path / "repo", {"Base.v": COLORS, "Use.v": COLORS_USE}, {"Base.v": COLORS_NOW},
                        commit_after=True, project="-R . Calc\nBase.v\nUse.v\n")
    git(repo, "commit", "-q", "--allow-empty", "-m", "unrelated")
    trace = tmp_path / "trace.jsonl"
    rc, out = repair(repo / "Use.v", "--theorem", "code_pos", cache=tmp_path / "cache", trace=trace)
    [hole] = out["holes"]
    assert rc == 0 and hole["status"] == "fixed" and "destruct c as [| | |]." in hole["proof"], hole
    [event] = [e for e in _events(trace) if e["event"] == "change_map"]
    first = git(repo, "rev-list", "--max-parents=0", "HEAD").strip()
    assert event["commit"] == first and event["base"].endswith("^") and "parent of the newest commit" in event["why"]


IN_MAP_OLD = """From Coq Require Import List.
Section S.
Variables A B : Type.
Variable f : A -> B.
Lemma in_map_inv : forall b l, In b (map f l) -> exists a, In a l /\\ b = f a.
Proof. intros b l Hin. apply in_map_iff in Hin. destruct Hin as [x [H1 H2]]; eauto. Qed.
End S.
Definition keep := 0.
"""
IN_MAP_USE = """From Calc Require Import Base.
From Coq Require Import List.
Section T.
Variable A : Type.
Lemma use_inv : forall (g : A -> nat) l, In 3 (map g l) -> exists a, In a l /\\ g a = 3.
Proof.
  intros g l H.
  case in_map_inv with (1 := H).
  intros a (Ha, E).
  exists a.
  rewrite E.
  split; [exact Ha | reflexivity].
Qed.
End T.
"""


def test_a_removed_lemma_is_put_back_as_a_hypothesis_proved_by_its_own_old_proof(tmp_path):
    # in_map_inv went (its users were to use the standard library's in_map_iff, an iff the other way round):
    # its old statement, read from the old environment, is asserted at the start of the proof and proved by
    # its own old proof (after the section variables it closed over, whose names clash with the proof's own
    # section variable A), and every old sentence then runs as written
    repo = changed_repo(tmp_path / "repo", {"Base.v": IN_MAP_OLD, "Use.v": IN_MAP_USE},
                        {"Base.v": "Definition keep := 0.\n"}, project="-R . Calc\nBase.v\nUse.v\n")
    trace = tmp_path / "trace.jsonl"
    rc, out = repair(repo / "Use.v", "--theorem", "use_inv", "--since", "HEAD", cache=tmp_path / "cache",
                     trace=trace)
    [hole] = out["holes"]
    assert rc == 0 and hole["status"] == "fixed", (hole, _events(trace))
    proof = hole["proof"]
    assert "assert (in_map_inv : forall (A B : Type) (f : A -> B)" in proof, proof
    assert "apply in_map_iff in Hin." in proof, proof  # its own old proof
    for kept in ("case in_map_inv with (1 := H).", "intros a (Ha, E).", "split; [exact Ha | reflexivity]."):
        assert kept in proof, proof
    [stale] = [e for e in _events(trace) if e["event"] == "stale_repair"]
    assert stale["exit"] == "proved" and any("put back as a hypothesis" in n for n in stale["notes"]), stale
