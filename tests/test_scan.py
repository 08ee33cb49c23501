"""The failing-proof scan (``provers.coq.scan.scan_proofs``) over the real coqidetop."""

from __future__ import annotations

import pytest

from proofmend.provers.coq.locator import parse_document
from proofmend.provers.coq.project import CoqProject
from proofmend.provers.coq.scan import scan_proofs

from .conftest import needs_coq

pytestmark = needs_coq

SEVERAL = """Require Import Arith.

Lemma ok_first : forall n : nat, n + 0 = n.
Proof. intros n. rewrite Nat.add_0_r. reflexivity. Qed.

Lemma broken_name : forall n : nat, 0 + n = n.
Proof.
  intros n.
  rewrite no_such_lemma.
  reflexivity.
Qed.

Lemma still_admitted : forall n : nat, n * 1 = n.
Proof.
Admitted.

Lemma broken_tactic : forall n m : nat, n + m = m + n.
Proof.
  intros n m.
  reflexivity.
Qed.

Lemma uses_broken : forall n : nat, 0 + n + 0 = n.
Proof. intros n. rewrite broken_name. apply ok_first. Qed.
"""


def scan(tmp_path, text: str):
    doc = parse_document(text)
    return doc, scan_proofs(CoqProject(tmp_path), doc)


def names(doc, indices) -> list[str]:
    return [doc.proofs[i].name for i in sorted(indices)]


def test_every_failing_proof_is_found_with_its_line(tmp_path):
    doc, r = scan(tmp_path, SEVERAL)
    assert r.outside_error is None
    assert names(doc, r.failing) == ["broken_name", "broken_tactic"]
    by_name = {doc.proofs[i].name: f for i, f in r.failing.items()}
    assert by_name["broken_name"].line == 9 and "no_such_lemma" in by_name["broken_name"].message
    assert by_name["broken_tactic"].line == 20 and "Unable to unify" in by_name["broken_tactic"].message
    # a failing proof is admitted and the scan goes on: what uses it still loads, Admitted is no failure
    assert all(doc.proofs[i].name != "uses_broken" for i in r.failing)


def test_an_error_outside_proofs_stops_the_scan_at_its_line(tmp_path):
    text = SEVERAL.replace(
        "Lemma uses_broken",
        "Definition bad : nat := true.\n\nLemma after_bad : 1 = 1.\nProof. reflexivity. Qed.\n\nLemma uses_broken",
    )
    doc, r = scan(tmp_path, text)
    assert text.splitlines()[22].startswith("Definition bad")
    assert r.outside_line == 23, r
    assert '"true"' in r.outside_error and "bool" in r.outside_error
    assert r.stopped_at == text.index("Definition bad")
    # what comes before is judged; nothing after the error is
    assert names(doc, r.failing) == ["broken_name", "broken_tactic"]


@pytest.mark.parametrize("after", ["Lemma after_bad : 1 = 2.\nProof. reflexivity. Qed.\n",
                                   "Lemma fine : 1 = 1.\nProof. reflexivity. Qed.\n"
                                   "Lemma later_bad : 1 = 2.\nProof. reflexivity. Qed.\n"])
def test_an_error_outside_proofs_before_a_proof_that_fails(tmp_path, after):
    # coqidetop skips a failing command by default and goes on: the proof after it must not be blamed
    text = "Definition bad : nat := true.\n" + after
    doc, r = scan(tmp_path, text)
    assert (r.outside_line, r.stopped_at, r.failing) == (1, 0, {}), r


def test_unicode_names_and_text_keep_their_lines(tmp_path):
    text = """(* « ∀ » and friends *)
Definition dbl (n : nat) := n + n.
Notation "'𝔻' x" := (dbl x) (at level 10).

Lemma αβ_ok : forall n, 𝔻 n = n + n.
Proof. intros n. reflexivity. Qed.

Lemma γδ_broken : forall n, 𝔻 n = 2 * n.
Proof.
  intros n. (* « ça » *)
  exact (eq_refl (𝔻 n)).
Qed.

Lemma ε_missing : forall n : nat, n = n.
Proof. apply ζ_unknown. Qed.
"""
    doc, r = scan(tmp_path, text)
    assert r.outside_error is None
    assert names(doc, r.failing) == ["γδ_broken", "ε_missing"]
    by_name = {doc.proofs[i].name: f for i, f in r.failing.items()}
    assert by_name["γδ_broken"].line == 11
    assert by_name["ε_missing"].line == 15 and "ζ_unknown" in by_name["ε_missing"].message


def test_a_file_whose_proofs_all_check_has_no_failure(tmp_path):
    text = SEVERAL.split("Lemma broken_name")[0]
    doc, r = scan(tmp_path, text)
    assert (r.failing, r.outside_error, r.stopped_at) == ({}, None, None)
    assert [p.name for p in doc.proofs] == ["ok_first"]
