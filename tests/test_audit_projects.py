"""Admitted lemmas the audit never reads the text of: in a file _CoqProject does not list,
in a library outside the project, in a module of another file, behind an alias.  Coq
records them as conjectures; the audit asks Coq.  Also: coqchk as a second kernel."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from proofmend.provers.coq.assumptions import parse_coqchk
from proofmend.provers.coq.audit import AxiomPolicy, audit
from proofmend.provers.coq.project import project_for

from .conftest import needs_coq, run_cli

pytestmark = needs_coq

HIDDEN = """Lemma hidden : forall n : nat, n * 1 = n.
Proof. Admitted.

Module Deep. Module Er.
  Lemma nested : forall n : nat, 1 * n = n.
  Proof. Admitted.
End Er. End Deep.

Definition alias := hidden.
"""
LIB = """Lemma from_library : forall n : nat, n - 0 = n.
Proof. Admitted.
"""
MAIN = """Require Import Arith Lia.
Require Import P.Hidden.
Require Import L.Lib.

Lemma goal_one : forall n : nat, n * 1 = n.
Proof.
Admitted.
"""
HOLE = "Proof.\nAdmitted."


@pytest.fixture(scope="module")
def layout(tmp_path_factory) -> Path:
    """proj/ with _CoqProject listing only Main.v; Hidden.v unlisted; lib/ outside the project."""
    base = tmp_path_factory.mktemp("layout")
    proj, lib = base / "proj", base / "lib"
    proj.mkdir()
    lib.mkdir()
    (lib / "Lib.v").write_text(LIB)
    subprocess.run(["coqc", "-Q", str(lib), "L", "Lib.v"], cwd=lib, check=True, capture_output=True)
    (proj / "_CoqProject").write_text(f"-R . P\n-Q {lib} L\nMain.v\n")
    (proj / "Hidden.v").write_text(HIDDEN)
    subprocess.run(["coqc", "-R", ".", "P", "-Q", str(lib), "L", "Hidden.v"], cwd=proj, check=True, capture_output=True)
    (proj / "Main.v").write_text(MAIN)
    return proj


CHEATS = {
    "unlisted_file": "Proof. exact hidden. Qed.",
    "library_outside_project": "Proof. intros n. pose proof (from_library n). lia. Qed.",
    "module_of_another_file": "Proof. intros n. rewrite Nat.mul_comm. apply Deep.Er.nested. Qed.",
    "behind_an_alias": "Proof. exact alias. Qed.",
}


@pytest.mark.parametrize("name", sorted(CHEATS))
def test_admitted_lemma_outside_the_read_text_is_refused(name, layout):
    original = MAIN
    candidate = original.replace(HOLE, CHEATS[name])
    project = project_for(layout / "Main.v")
    for policy in (AxiomPolicy(), AxiomPolicy(allowed=frozenset({"P.Hidden.hidden", "L.Lib.from_library"}))):
        v = audit(candidate, original, project, "Main.v", policy=policy)
        assert not v.accepted and "admitted_dependency" in v.reasons, (name, v.findings)


def test_honest_proof_in_the_project_is_accepted(layout):
    original = MAIN
    candidate = original.replace(HOLE, "Proof. intros n. apply PeanoNat.Nat.mul_1_r. Qed.")
    v = audit(candidate, original, project_for(layout / "Main.v"), "Main.v", policy=AxiomPolicy(allowed=frozenset()))
    assert v.accepted, v.findings


@pytest.mark.skipif(shutil.which("coqchk") is None, reason="coqchk is not installed")
def test_coqchk_rechecks_the_candidate(layout, tmp_path):
    candidate = MAIN.replace(HOLE, "Proof. intros n. apply PeanoNat.Nat.mul_1_r. Qed.")
    v = audit(candidate, MAIN, project_for(layout / "Main.v"), "Main.v", coqchk=True)
    assert v.accepted, v.findings
    assert v.kernel_axioms is not None
    # the admitted lemma the file loads shows in coqchk's list, fully qualified
    assert "P.Hidden.hidden" in v.kernel_axioms
    orig = tmp_path / "o" / "T.v"
    cand = tmp_path / "c" / "T.v"
    orig.parent.mkdir()
    cand.parent.mkdir()
    orig.write_text("Lemma one : 1 = 1.\nProof.\nAdmitted.\n")
    cand.write_text("Lemma one : 1 = 1.\nProof. reflexivity. Qed.\n")
    r = run_cli("audit", str(cand), "--against", str(orig), "--coqchk", "--json", timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert '"coqchk_axioms": []' in r.stdout


def test_coqchk_summary_is_read_whole():
    out = """
CONTEXT SUMMARY
===============

* Theory: Set is predicative

* Axioms:
    Top.U.C_instance_0
    Coq.Logic.ProofIrrelevance.proof_irrelevance

* Constants/Inductives relying on type-in-type: <none>

* Constants/Inductives relying on unsafe (co)fixpoints:
    Top.U.loop

* Inductives whose positivity is assumed:
    Top.U.bad
"""
    axioms, unsafe = parse_coqchk(out)
    assert axioms == ["Top.U.C_instance_0", "Coq.Logic.ProofIrrelevance.proof_irrelevance"]
    assert unsafe == ["Constants/Inductives relying on unsafe (co)fixpoints: Top.U.loop",
                      "Inductives whose positivity is assumed: Top.U.bad"]
