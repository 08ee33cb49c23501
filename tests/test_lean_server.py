"""Lean's language server through proofmend's client, and the proof session on top of it: the real ``lean --server``."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from proofmend.provers.deadline import Deadline, DeadlineReached
from proofmend.provers.errors import ProverCrashError
from proofmend.provers.lean.server import LeanServer
from proofmend.provers.lean.session import LeanPrefixError, LeanProofSession, LiveLeanFile
from proofmend.provers.lean.toolchain import Toolchain
from proofmend.provers.limits import Limits
from proofmend.provers.results import TacticError, TacticOk
from tests.test_lean import needs_lean

pytestmark = needs_lean

DEFS = """def add : Nat → Nat → Nat
  | n, 0 => n
  | n, m+1 => add n m + 1

"""


def live_file(tmp_path: Path, name: str = "A.lean") -> LiveLeanFile:
    path = tmp_path / name
    path.write_text("")
    return LiveLeanFile(Toolchain.for_file(path), Limits(timeout_s=120), path)


def test_server_diagnostics_goals_symbols_and_clean_shutdown(tmp_path):
    path = tmp_path / "A.lean"
    text = DEFS + "theorem t (n : Nat) : add n 0 = n := by\n  skip\n\ntheorem «ü» : 1 = 1 := rfl\n"
    server = LeanServer(Toolchain.for_file(path), Limits())
    uri = path.as_uri()
    server.open(uri, text)
    diags = server.diagnostics(uri, Deadline(60))
    assert [(d.severity, d.line) for d in diags] == [("error", 5)]
    assert diags[0].message.startswith("unsolved goals")
    goals = server.plain_goal(uri, 6, 2, Deadline(30))
    assert goals == ["n : Nat\n⊢ add n 0 = n"]
    names = [s.name for s in server.document_symbols(uri, Deadline(30))]
    assert names == ["add", "t", "«ü»"]  # as written, as the locator names it
    # an edit is a range change; its diagnostics replace the old ones
    server.change(uri, text.replace("  skip", "  rfl"))
    assert server.diagnostics(uri, Deadline(60)) == []
    server.close()
    assert server.proc.poll() is not None


def test_a_killed_server_is_an_exception_and_the_next_call_starts_afresh(tmp_path):
    live = live_file(tmp_path)
    try:
        assert live.check("theorem t : 1 = 1 := rfl\n", Deadline(60)) == []
        os.killpg(live.server.proc.pid, signal.SIGKILL)
        live.server.proc.wait()
        time.sleep(0.2)
        with pytest.raises(ProverCrashError):
            live.server.diagnostics(live.uri, Deadline(10))
        assert live.check("theorem t : 1 = 2 := rfl\n", Deadline(60))[0].severity == "error"
        assert live.starts == 2
    finally:
        live.close()


def test_the_deadline_bounds_every_wait(tmp_path):
    live = live_file(tmp_path)
    try:
        # about 30 s of simp on the 2021 build (a big decide only hits the recursion limit there, at once)
        slow = "def f : Nat → Nat\n  | 0 => 0\n  | n+1 => f n + 1\n\ntheorem t : f 200 = 200 := by simp [f]\n"
        t0 = time.monotonic()
        with pytest.raises(DeadlineReached):
            live.check(slow, Deadline(1.0))
        assert time.monotonic() - t0 < 5
    finally:
        live.close()


def test_session_runs_steps_from_checkpoints(tmp_path):
    live = live_file(tmp_path)
    head = DEFS + "theorem zero_add_left (n : Nat) : add 0 n = n :="
    try:
        with LeanProofSession(live, head) as s:
            g0 = s.goals()
            assert [g.conclusion for g in g0.foreground] == ["add 0 n = n"]
            r = s.run("induction n with\n| zero => ?_\n| succ n ih => ?_")
            assert isinstance(r, TacticOk) and not r.finished
            # current Lean shows the constructors as literals, the 2021 build as Nat.zero / Nat.succ
            assert [g.conclusion for g in r.goals.foreground] in (
                ["add 0 0 = 0", "add 0 (n + 1) = n + 1"], ["add 0 Nat.zero = Nat.zero", "add 0 (Nat.succ n) = Nat.succ n"])
            r2 = s.run("rfl", at=r.checkpoint)
            assert isinstance(r2, TacticOk)
            assert r2.goals.foreground[0].hypotheses == ("n : Nat", "ih : add 0 n = n")
            bad = s.run("exact ih", at=r2.checkpoint)
            assert isinstance(bad, TacticError) and "type mismatch" in bad.message
            assert bad.goals is not None and bad.goals.foreground == r2.goals.foreground
            done = s.run("simp [add, ih]", at=r2.checkpoint)
            assert isinstance(done, TacticOk) and done.finished
            assert done.checkpoint.script == ("induction n with\n| zero => ?_\n| succ n ih => ?_", "rfl", "simp [add, ih]")
            # the checkpoint before the failure is still there to go on from
            again = s.run("simp [add, ih]", at=r2.checkpoint)
            assert isinstance(again, TacticOk) and again.finished
            assert s.closes(" by\n  induction n with\n  | zero => rfl\n  | succ n ih => simp [add, ih]") is None
            assert s.closes(" by\n  exact sorry") == "the proof uses sorry"
            assert s.closes(" sorry") == "the proof uses sorry"
            assert "unsolved goals" in s.closes(" by\n  induction n")
    finally:
        live.close()


def test_an_error_is_placed_in_the_given_text(tmp_path):
    live = live_file(tmp_path)
    try:
        with LeanProofSession(live, "theorem t (a b : Nat) (h : a = b) : b = a :=") as s:
            text = "intro x\nexact h.symm"
            r = s.run("skip\n" + text)
            assert isinstance(r, TacticError)
            assert r.sentence == "intro x" and r.checked == "skip"
            assert ("skip\n" + text)[r.start:r.end] == "intro x"
            assert isinstance(r.checked_checkpoint, type(s.base)) and r.checked_checkpoint.script == ("skip",)
            ok = s.run("exact h.symm", at=r.checked_checkpoint)
            assert isinstance(ok, TacticOk) and ok.finished
            # a tactic the version lacks is named (Lean's own message says only 'unknown tactic')
            r = s.run("skip\nintro x; frobnicate")
            assert isinstance(r, TacticError) and r.message == "unknown tactic 'frobnicate'", r
    finally:
        live.close()


def test_a_runaway_tactic_fails_as_a_step(tmp_path):
    live = live_file(tmp_path)
    try:
        head = "def f : Nat → Nat\n  | 0 => 0\n  | n+1 => f n + 1\n\ntheorem t : f 200 = 200 :="
        with LeanProofSession(live, head, tactic_timeout=3) as s:
            t0 = time.monotonic()
            r = s.run("simp [f]")  # about 30 s of work: heartbeats do not stop simp on the 2021 build
            assert isinstance(r, TacticError) and r.message.startswith("Timeout"), r
            assert time.monotonic() - t0 < 20
            ok = s.run("skip")
            assert isinstance(ok, TacticOk)
            assert live.starts == 2
    finally:
        live.close()


def test_text_before_the_proof_that_fails_is_a_prefix_error(tmp_path):
    live = live_file(tmp_path)
    try:
        with pytest.raises(LeanPrefixError, match="line 1"):
            LeanProofSession(live, "def x : Nat := y\n\ntheorem t : x = x :=")
        with pytest.raises(LeanPrefixError):
            LeanProofSession(live, "theorem t : undefined_thing = 1 :=")
    finally:
        live.close()


def test_query_runs_a_hash_command_before_the_target(tmp_path):
    live = live_file(tmp_path)
    try:
        with LeanProofSession(live, DEFS + "theorem t : add 1 1 = 2 :=") as s:
            assert "add : Nat → Nat → Nat" in s.query("#check add")
            assert s.query("Search add.").startswith("Error")
    finally:
        live.close()
