"""--timeout bounds the work on a hole and --load-timeout the loading of its file: every prover call obeys one deadline."""

from __future__ import annotations

import json
import time

from proofmend.agent.config import AgentConfig
from proofmend.agent.loop.repair import mend_path

from .conftest import needs_coq, run_cli

pytestmark = needs_coq

# The definition takes several seconds to compute (about 4 s of CPU here).
SLOW_DEF = "Definition slow := Eval vm_compute in (Z.iter 30000000 Z.succ 0%Z).\n"
SLOW = f"""Require Import ZArith.
{SLOW_DEF}
Lemma after : 1 + 1 = 2.
Proof. Admitted.
"""
#: What a deadline may overrun: an interrupted tactic's answer, the processes' start and end.
GRACE_S = 3.0


def test_a_slow_prefix_past_the_load_timeout_ends_in_time_with_exit_timeout(write):
    f = write("slow.v", SLOW)
    t0 = time.monotonic()
    report = mend_path(f, AgentConfig(load_timeout_s=1))
    took = time.monotonic() - t0
    assert took < 1 + GRACE_S, took
    [hole] = report.holes
    assert (hole.status, hole.exit) == ("unsolved", "timeout")
    assert report.errors and "--load-timeout" in report.errors[0].error  # said, never "nothing to do"


def test_the_command_line_says_so_and_exits_1(write):
    f = write("slow.v", SLOW)
    r = run_cli("repair", str(f), "--load-timeout", "1", "--json")
    assert r.returncode == 1, r.stderr
    data = json.loads(r.stdout)
    assert data["holes"][0]["exit"] == "timeout" and data["summary"]["seconds"] < 1 + GRACE_S


def test_a_runaway_candidate_is_cut_at_the_deadline(write, tmp_path):
    # The file loads at once; the model's only reply loops: the hole ends at its deadline.
    f = write("loop.v", "Lemma l : True.\nProof.\nAdmitted.\n")
    replay = tmp_path / "r.jsonl"
    replay.write_text(json.dumps({"content": "```coq\nProof. let rec loop x := loop (S x) in loop 0. exact I.\nQed.\n```"}) + "\n")
    t0 = time.monotonic()
    report = mend_path(f, AgentConfig(model=f"replay:{replay}", timeout_s=2, tactic_timeout_s=60, search_first_s=0,
                                      strategy=("llm",)), model=None)
    took = time.monotonic() - t0
    [hole] = report.holes
    assert hole.status == "unsolved" and hole.exit in ("timeout", "model_exhausted"), hole
    assert took < 2 + GRACE_S + 2, took


def test_loading_has_its_own_time_by_default(write, tmp_path):
    # Loading the slow prefix takes longer than the hole's --timeout: it is not the hole's time.
    from proofmend.agent.trajectory import Trace

    f = write("slow.v", SLOW)
    with Trace(tmp_path / "trace.jsonl") as tr:
        report = mend_path(f, AgentConfig(timeout_s=2), trace=tr)
    assert report.errors == [] and [h.status for h in report.holes] == ["fixed"], report.to_json()
    loaded = [json.loads(line) for line in (tmp_path / "trace.jsonl").read_text().splitlines()]
    assert [e["seconds"] for e in loaded if e["event"] == "loaded"][0] > 2  # longer than the hole's time


def test_a_hole_is_worked_on_before_the_rest_of_its_file_loads(write, tmp_path):
    # The trajectory says how far the file was loaded when each hole's work started.
    f = write("long.v", "Lemma first : 2 + 2 = 4.\nProof.\nAdmitted.\n\nRequire Import ZArith.\n"
              "Definition z := Eval vm_compute in (Z.iter 1000 Z.succ 0%Z).\n\n"
              "Lemma broken : z = 1000%Z.\nProof. exact I. Qed.\n\nLemma last : 1 + 1 = 2.\nProof. Admitted.\n")
    trace = tmp_path / "trace.jsonl"
    from proofmend.agent.trajectory import Trace

    with Trace(trace) as tr:
        report = mend_path(f, AgentConfig(), trace=tr)
    assert [(h.theorem, h.status) for h in report.holes] == [("first", "fixed"), ("broken", "fixed"),
                                                             ("last", "fixed")], report.to_json()
    events = [json.loads(line) for line in trace.read_text().splitlines()]
    order = [(e["event"], e["theorem"] if e["event"] == "hole_start" else e["line"])
             for e in events if e["event"] in ("loaded", "hole_start")]
    assert order == [("loaded", 1), ("hole_start", "first"), ("loaded", 8), ("hole_start", "broken"),
                     ("loaded", 11), ("hole_start", "last"), ("loaded", 13)]
    assert events[-1]["event"] != "loaded" and [e for e in events if e["event"] == "loaded"][-1]["complete"]


def test_a_slow_model_is_cut_at_the_deadline(write, tmp_path, monkeypatch):
    """A model server slower than the hole's time: the call is abandoned at the deadline, the exit is timeout."""
    from .replay_server import ReplayServer

    monkeypatch.setenv("PROOFMEND_CACHE_DIR", str(tmp_path / "cache"))  # a reply from an earlier run would be instant
    monkeypatch.setenv("OPENAI_API_KEY", "test")
    f = write("quick.v", "Lemma quick : 2 + 2 = 4.\nProof.\nAdmitted.\n")
    with ReplayServer(["```coq\nreflexivity.\n```"], delay_s=30) as server:
        config = AgentConfig(model="openai/replay", api_base=server.url, timeout_s=4, strategy=("llm",),
                             load_timeout_s=60)
        model = config.make_model()  # litellm's import (seconds) is not the hole's
        t0 = time.monotonic()
        report = mend_path(f, config, model=model)
        took = time.monotonic() - t0
    [hole] = report.holes
    assert (hole.status, hole.exit) == ("unsolved", "timeout")
    assert took < 4 + GRACE_S + 2, took  # not the server's 30 s, nor retries of it
