"""Live session over the real coqidetop: results, checkpoints, queries, timeouts, crashes."""

from __future__ import annotations

import os
import signal
import time

import pytest

from proofmend.provers.coq.project import CoqProject, project_for
from proofmend.provers.coq.session import PrefixError, ProofSession
from proofmend.provers.errors import ProverCrashError
from proofmend.provers.limits import Limits
from proofmend.provers.results import TacticError, TacticOk

from .conftest import needs_coq

pytestmark = needs_coq

PREFIX = "Require Import Arith Lia.\nLemma add_comm' : forall n m : nat, n + m = m + n.\nProof."


@pytest.fixture
def session(tmp_path):
    s = ProofSession(CoqProject(tmp_path), PREFIX, tactic_timeout=10)
    yield s
    s.close()


def test_goals_at_the_base(session):
    g = session.goals()
    assert len(g.foreground) == 1
    assert g.foreground[0].conclusion == "forall n m : nat, n + m = m + n"


def test_success_and_finished(session):
    r = session.run("intros n m.\n  lia.")
    assert isinstance(r, TacticOk) and r.finished
    assert r.checkpoint.script == ("intros n m.", "lia.")


def test_error_location_inside_given_text_and_all_or_nothing(session):
    text = "intros n m. rewrite no_such_lemma."
    r = session.run(text)
    assert isinstance(r, TacticError)
    assert text[r.start : r.end] == "no_such_lemma"
    assert r.checked == "intros n m."
    assert r.goals is not None and r.goals.foreground[0].hypotheses == ("n, m : nat",)
    # nothing was kept: the base still has the original goal
    assert session.goals().foreground[0].conclusion.startswith("forall")
    # the checked part is a checkpoint we can continue from
    r2 = session.run("apply Nat.add_comm.", at=r.checked_checkpoint)
    assert isinstance(r2, TacticOk) and r2.finished


def test_error_location_with_multibyte_text(tmp_path):
    pre = "Require Import Utf8.\nLemma uni : ∀ (α β : nat), α = β → β = α.\nProof."
    with ProofSession(CoqProject(tmp_path), pre) as s:
        text = "intros α β Hαβ. rewrite ℕ_missing."
        r = s.run(text)
        assert isinstance(r, TacticError)
        assert text[r.start : r.end] == "ℕ_missing"
        ok = s.run("intros α β Hαβ. symmetry. exact Hαβ.")
        assert isinstance(ok, TacticOk) and ok.finished


def test_checkpoints_branching(session):
    a = session.run("intros n m.")
    assert isinstance(a, TacticOk) and not a.finished
    b1 = session.run("induction n.", at=a.checkpoint)
    b2 = session.run("destruct m.", at=a.checkpoint)
    assert isinstance(b1, TacticOk) and isinstance(b2, TacticOk)
    assert len(b1.goals.foreground) == 2 and len(b2.goals.foreground) == 2
    assert b1.goals.key() != b2.goals.key()
    assert session.goals(a.checkpoint).foreground[0].hypotheses == ("n, m : nat",)
    done = session.run("lia.", at=a.checkpoint)
    assert isinstance(done, TacticOk) and done.finished


def test_bullets_and_braces(session):
    r = session.run("intros n m. induction n as [|n IH].\n- simpl. lia.\n- { simpl. rewrite IH. lia. }")
    assert isinstance(r, TacticOk) and r.finished


def test_qed_or_vernacular_leaving_proof_mode_is_rejected(session):
    r = session.run("intros. lia. Qed.")
    assert isinstance(r, TacticError)


def test_query(session):
    out = session.query("Search (_ + _ = _ + _) inside Nat.")
    assert "Nat.add_comm" in out
    assert "nat -> nat -> nat" in session.query("Check Nat.add.")
    assert session.query("Check no_such_thing.").startswith("Error:")


def test_runaway_tactic_is_interrupted_and_session_survives(session):
    t0 = time.monotonic()
    r = session.run("intros. repeat rewrite Nat.add_comm.", timeout=1.0)
    assert isinstance(r, TacticError) and "Timeout" in r.message
    assert time.monotonic() - t0 < 8
    r2 = session.run("intros; lia.")
    assert isinstance(r2, TacticOk) and r2.finished


def test_killed_process_is_restarted_and_prefix_replayed(session):
    a = session.run("intros n m.")
    assert isinstance(a, TacticOk)
    os.kill(session._proc.proc.pid, signal.SIGKILL)
    with pytest.raises(ProverCrashError):
        session.run("lia.", at=a.checkpoint)
    # the next call restarts and replays; old checkpoints still work
    r = session.run("lia.", at=a.checkpoint)
    assert isinstance(r, TacticOk) and r.finished
    assert session.restarts == 1


def test_prefix_error_is_reported_with_its_line(tmp_path):
    with pytest.raises(PrefixError) as e:
        ProofSession(CoqProject(tmp_path), "Definition x := 1.\nDefinition y := undefined_name.\nLemma a : True.\nProof.")
    assert e.value.line == 2


def test_memory_limit_out_of_memory_is_survivable(tmp_path):
    pre = "Require Import List.\nLemma big : True.\nProof."
    with ProofSession(CoqProject(tmp_path), pre, limits=Limits(memory_mb=1200), tactic_timeout=60) as s:
        try:
            r = s.run("let l := eval vm_compute in (List.repeat 0 30000000) in idtac.")
        except ProverCrashError:
            r = None  # killed by the limit: the next call restarts
        if r is not None:
            assert isinstance(r, TacticError)
        ok = s.run("exact I.")
        assert isinstance(ok, TacticOk) and ok.finished


def test_project_flags_reach_the_session(write):
    write("p/_CoqProject", "-Q lib Lib\n")
    write("p/lib/Defs.v", "Definition three := 3.\n")
    f = write("p/use.v", "From Lib Require Import Defs.\nLemma t : three = 3.\nProof.\n")
    from proofmend.provers.coq.workspace import Workspace

    proj = project_for(f)
    with pytest.raises(PrefixError):  # not built anywhere yet: Lib.Defs cannot be found
        ProofSession(proj, f.read_text())
    with Workspace(proj) as ws:
        assert ws.ensure_dependencies(ws.path(f)) is None  # the workspace compiles Lib.Defs itself
        with ProofSession(ws.project, f.read_text()) as s:
            r = s.run("reflexivity.")
            assert isinstance(r, TacticOk) and r.finished
        with pytest.raises(PrefixError):  # the same compiled library, without "-Q lib Lib": not found
            ProofSession(CoqProject(ws.root), f.read_text())
    assert not [p.name for p in f.parent.rglob("*") if p.suffix in (".vo", ".vos", ".vok", ".glob")]
