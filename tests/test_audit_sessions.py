"""The audit's sessions opened ahead of time (what `repair` starts beside its search) give the verdicts of
sessions opened when the audit runs: an honest proof accepted, a proof resting on an admitted lemma, or on an
axiom, refused — with the targets' assumptions asked in the second, spare session (real coqc, coqidetop)."""

from __future__ import annotations

import pytest

from proofmend.provers.coq import audit as audit_module
from proofmend.provers.coq.audit import AxiomPolicy, Reason, audit, prepare_reference
from proofmend.provers.coq.locator import parse_document
from proofmend.provers.coq.project import CoqProject
from proofmend.provers.limits import Limits

from .conftest import needs_coq

pytestmark = needs_coq

ORIGINAL = """Require Import Arith Lia.

Axiom excluded : forall P : Prop, P \\/ ~ P.

Lemma helper : forall n, n + 0 = n.
Proof. Admitted.

Module M.
  Lemma inner : forall n m : nat, n + m = m + n.
  Proof.
  Admitted.
End M.

Lemma target : forall n : nat, n * 1 = n.
Proof.
Admitted.
"""

HOLE = "Lemma target : forall n : nat, n * 1 = n.\nProof.\nAdmitted."
INNER = "  Lemma inner : forall n m : nat, n + m = m + n.\n  Proof.\n  Admitted."


def with_target(body: str, inner: str | None = None) -> str:
    text = ORIGINAL.replace(HOLE, "Lemma target : forall n : nat, n * 1 = n.\n" + body)
    if inner is not None:
        text = text.replace(INNER, "  Lemma inner : forall n m : nat, n + m = m + n.\n" + inner)
    return text


CASES = {
    "honest": (with_target("Proof. intros n. lia. Qed."), True, None),
    "honest_in_a_module_too": (with_target("Proof. intros n. lia. Qed.", "  Proof. intros. lia. Qed."), True, None),
    "rests_on_admitted": (with_target("Proof. intros n. pose proof (helper n). lia. Qed."), False,
                          Reason.ADMITTED_DEPENDENCY),
    "rests_on_an_admitted_module_lemma": (with_target("Proof. intros n. pose proof (M.inner n 0). lia. Qed."), False,
                                          Reason.ADMITTED_DEPENDENCY),
    "rests_on_an_axiom": (with_target("Proof. intros n. destruct (excluded (n = n)); lia. Qed."), False,
                          Reason.AXIOM_NOT_ALLOWED),
}


def _verdict(folder, candidate: str, ahead: bool):
    folder.mkdir()
    project = CoqProject(folder)
    limits = Limits(timeout_s=120)
    if ahead:
        # As repair does: the reference (holes as written) compiled and its sessions opened before the audit.
        prepare_reference(project, ORIGINAL, "T.v", limits).result()
        assert audit_module._OPENED.has(audit_module._REFERENCES.submit(project, ORIGINAL, "T", limits))
    return audit(candidate, ORIGINAL, project, "T.v", limits, AxiomPolicy(allowed=frozenset()))


@pytest.mark.parametrize("case", sorted(CASES))
def test_sessions_opened_ahead_give_the_same_verdict(tmp_path, case, monkeypatch):
    candidate, accepted, reason = CASES[case]
    cold = _verdict(tmp_path / "cold", candidate, ahead=False)
    asked: list[dict[str, str]] = []

    def beside(*args):  # observed, not replaced: the spare session answers
        out = beside.__wrapped__(*args)  # type: ignore[attr-defined]
        asked.append(out)
        return out
    beside.__wrapped__ = audit_module.assumptions_beside  # type: ignore[attr-defined]
    monkeypatch.setattr(audit_module, "assumptions_beside", beside)
    warm = _verdict(tmp_path / "warm", candidate, ahead=True)
    # The spare session gave the target's Print Assumptions (Coq's answer, read by the audit).
    assert asked and any(k.endswith(".target") and v for k, v in asked[0].items()), asked
    assert not audit_module._OPENED.has(audit_module._REFERENCES.submit(
        CoqProject(tmp_path / "warm"), ORIGINAL, "T", Limits(timeout_s=120)))  # the audit took the sessions
    for v in (cold, warm):
        assert v.accepted is accepted, v.findings
        if reason is not None:
            assert reason in {f.reason for f in v.findings}, v.findings
    assert {f.reason for f in cold.findings} == {f.reason for f in warm.findings}
    assert cold.assumptions == warm.assumptions


def test_the_sessions_are_used_once_and_a_second_audit_opens_its_own(tmp_path):
    project = CoqProject(tmp_path)
    limits = Limits(timeout_s=120)
    prepare_reference(project, ORIGINAL, "T.v", limits).result()
    job = audit_module._REFERENCES.submit(project, ORIGINAL, "T", limits)
    candidate = CASES["honest"][0]
    first = audit(candidate, ORIGINAL, project, "T.v", limits)
    assert first.accepted, first.findings
    assert not audit_module._OPENED.has(job)  # both sessions were taken (and closed after)
    again = audit(CASES["rests_on_admitted"][0], ORIGINAL, project, "T.v", limits)
    assert not again.accepted and Reason.ADMITTED_DEPENDENCY in {f.reason for f in again.findings}


def test_the_reference_the_sessions_loaded_matches_the_targets(tmp_path):
    # Sessions opened for the original with *all* its holes admitted serve an audit whose reference is that text.
    doc = parse_document(ORIGINAL)
    assert [p.name for p in doc.proofs if p.is_hole] == ["helper", "inner", "target"]
    project = CoqProject(tmp_path)
    limits = Limits(timeout_s=120)
    prepare_reference(project, ORIGINAL, "T.v", limits).result()
    v = audit(with_target("Proof. intros n. lia. Qed."), ORIGINAL, project, "T.v", limits)
    assert v.accepted, v.findings
