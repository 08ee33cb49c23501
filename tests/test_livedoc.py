"""One live document per file: the scan and every hole share one coqidetop and what it has loaded."""

from __future__ import annotations

import os
import signal
import time

import pytest

from proofmend.provers.coq.livedoc import LiveDocument, LoadError
from proofmend.provers.coq.locator import parse_document
from proofmend.provers.coq.project import CoqProject
from proofmend.provers.coq.scan import scan_proofs
from proofmend.provers.coq.session import PrefixError, ProofSession
from proofmend.provers.deadline import Deadline, DeadlineReached
from proofmend.provers.results import TacticError, TacticOk

from .conftest import needs_coq

pytestmark = needs_coq

FILE = """Require Import Arith Lia.

Definition double (n : nat) := n + n.

Lemma double_plus : forall n, double n = n + n.
Proof. intros n. reflexivity. Qed.

Lemma broken_one : forall n, double n = 2 * n.
Proof. intros n. unfold double. rewrite no_such_lemma. Qed.

Lemma fine : forall n, n + 0 = n.
Proof. intros. lia. Qed.

Lemma hole_two : forall n, double (S n) = S (S (double n)).
Proof. Admitted.

Lemma last_one : 1 + 1 = 2.
Proof. reflexivity. Qed.
"""


def test_scan_leaves_the_file_loaded_with_failing_proofs_admitted(tmp_path):
    doc = parse_document(FILE)
    with LiveDocument(CoqProject(tmp_path)) as live:
        scan = scan_proofs(CoqProject(tmp_path), doc, document=live)
        assert list(scan.failing) == [1] and scan.outside_error is None
        keys = [k for k, _ in live.chain]
        assert keys[-1] == "Qed." and "rewrite no_such_lemma." not in keys
        stmt = keys.index(doc.proofs[1].statement.text)
        assert keys[stmt + 1] == "Admitted."  # the failing body, as the agent's baseline writes it
        assert live.alive


def test_parking_at_each_hole_reuses_what_is_loaded(tmp_path):
    doc = parse_document(FILE)
    project = CoqProject(tmp_path)
    with LiveDocument(project) as live:
        scan_proofs(project, doc, document=live)
        loaded = live.loads
        # the baseline for hole_two: the failing proof admitted, everything else as written
        broken = doc.proofs[1]
        baseline = FILE[: broken.body_start] + "\nAdmitted." + FILE[broken.body_end :]
        hole = parse_document(baseline).proofs[3]
        with ProofSession(project, baseline[: hole.body_start], document=live) as s:
            assert live.loads == loaded  # nothing added: the scan had it all
            r = s.run("Proof. intros n. unfold double. simpl. rewrite <- plus_n_Sm. reflexivity.")
            assert isinstance(r, TacticOk) and r.finished
        # back to an earlier proof: Edit_at only
        early = parse_document(baseline).proofs[0]
        with ProofSession(project, baseline[: early.body_start], document=live) as s:
            assert live.loads == loaded
            assert isinstance(s.run("Proof. reflexivity."), TacticOk)
        # forward again after a change of an earlier body: only the part after it is added,
        # and opaque proofs in that part are loaded as admitted (one item each)
        mended = baseline[: early.body_start] + "\nProof. intros n. unfold double. reflexivity. Qed." + \
            baseline[early.body_end :]
        hole = parse_document(mended).proofs[3]
        with ProofSession(project, mended[: hole.body_start], document=live) as s:
            added = live.loads - loaded
            assert 0 < added <= 9  # the new body (5 sentences), 'fine' as one admitted block, statements
            r = s.run("Proof. intros n. unfold double. simpl. rewrite <- plus_n_Sm. reflexivity.")
            assert isinstance(r, TacticOk) and r.finished


def test_a_candidate_failing_does_not_disturb_the_document(tmp_path):
    project = CoqProject(tmp_path)
    prefix = "Lemma a : True.\n"
    with LiveDocument(project) as live:
        with ProofSession(project, prefix, document=live) as s:
            assert isinstance(s.run("Proof. exact 0."), TacticError)
            assert isinstance(s.run("Proof. exact I."), TacticOk)
        with ProofSession(project, prefix, document=live) as s:
            assert isinstance(s.run("Proof. exact I."), TacticOk)


def test_load_error_names_its_line(tmp_path):
    with LiveDocument(CoqProject(tmp_path)) as live:
        with pytest.raises(LoadError) as e:
            live.sync("Definition x := 1.\nDefinition y := undefined_name.\nLemma a : True.\n", Deadline(60))
        assert e.value.line == 2
        # the part that checked stays loaded and usable
        tip = live.sync("Definition x := 1.\nLemma b : x = 1.\n", Deadline(60))
        assert tip == live.tip and [k for k, _ in live.chain] == ["Definition x := 1.", "Lemma b : x = 1."]
    with LiveDocument(CoqProject(tmp_path)) as live:
        with pytest.raises(PrefixError):
            ProofSession(CoqProject(tmp_path), "Definition y := undefined_name.\nLemma a : True.\n", document=live)


def test_a_killed_shared_process_is_restarted_for_the_next_hole(tmp_path):
    project = CoqProject(tmp_path)
    prefix = "Definition x := 1.\nLemma a : x = 1.\n"
    with LiveDocument(project) as live:
        s = ProofSession(project, prefix, document=live)
        assert live.proc is not None
        os.kill(live.proc.proc.pid, signal.SIGKILL)
        time.sleep(0.2)
        r = s.run("Proof. reflexivity.")  # restarted, prefix loaded again
        assert isinstance(r, TacticOk) and r.finished and s.restarts == 1
        s.close()
        with ProofSession(project, prefix, document=live) as s2:
            assert isinstance(s2.run("Proof. reflexivity."), TacticOk)


def test_an_interrupt_that_comes_late_does_not_end_the_document(tmp_path):
    # A deadline's interrupt can reach coqidetop after the work it was for has ended; going back
    # to an earlier state is asked again rather than taken for a crash.
    project = CoqProject(tmp_path)
    text = "Definition x := 1.\nDefinition y := 2.\nLemma a : x = 1.\n"
    with LiveDocument(project) as live:
        live.sync(text, Deadline(60))
        loaded = len(live.chain)
        for _ in range(3):
            live.proc.interrupt()
            time.sleep(0.2)
            live.back_to(loaded - 1)
            live.sync(text, Deadline(60))
        assert live.alive and len(live.chain) == loaded


def test_every_call_obeys_the_deadline(tmp_path):
    project = CoqProject(tmp_path)
    slow = "Require Import Arith.\nDefinition big := Eval vm_compute in (Nat.pow 3 2000 mod 7).\nLemma a : True.\n"
    t0 = time.monotonic()
    with LiveDocument(project) as live:
        with pytest.raises(DeadlineReached):
            live.sync(slow, Deadline(0.5))
    assert time.monotonic() - t0 < 0.5 + 6  # the deadline, then at most the interrupt's grace
