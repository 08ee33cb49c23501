"""The repair agent end to end: real coqc/coqidetop, the offline search, replayed model replies."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from proofmend.agent.config import AgentConfig
from proofmend.agent.loop.repair import mend_path

from .conftest import ROOT, needs_coq, run_cli

pytestmark = needs_coq

HOLES = """Require Import Arith Lia.

Lemma add_0_r' : forall n : nat, n + 0 = n.
Proof.
Admitted.

Lemma mul_1_l' : forall n : nat, 1 * n = n.
Proof.
Admitted.
"""


def replies(tmp_path: Path, *contents: str) -> str:
    p = tmp_path / "replies.jsonl"
    p.write_text("".join(json.dumps({"content": c}) + "\n" for c in contents))
    return f"replay:{p}"


def events(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_main_command_mends_the_example_project(tmp_path):
    proj = tmp_path / "shop"
    shutil.copytree(ROOT / "examples" / "shop", proj)
    before = {p.name: p.read_bytes() for p in proj.glob("*.v")}
    r = run_cli("repair", str(proj), "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    data = json.loads(r.stdout)
    assert data["summary"]["total"] == data["summary"]["fixed"] >= 5
    # without --write nothing is touched, not even by build products
    assert {p.name: p.read_bytes() for p in proj.glob("*.v")} == before
    assert not list(proj.glob("*.vo"))
    r = run_cli("repair", str(proj), "--write")
    assert r.returncode == 0, r.stdout + r.stderr
    for name in ("Money", "Cart", "Discount", "Invoice"):
        subprocess.run(["coqc", "-R", ".", "Shop", f"{name}.v"], cwd=proj, check=True, capture_output=True)
    # only proof bodies changed: the audit of each written file against its original passes (the
    # original in a copy of the mended project, so what it requires is the mended dependencies)
    changed = [name for name, old in before.items() if (proj / name).read_bytes() != old]
    assert sorted(changed) == ["Cart.v", "Discount.v", "Invoice.v"]
    for name in changed:
        orig = tmp_path / f"orig-{name}"
        shutil.copytree(proj, orig)
        (orig / name).write_bytes(before[name])
        r = run_cli("audit", str(proj / name), "--against", str(orig / name), "--json")
        assert r.returncode == 0, (name, r.stdout, r.stderr)
        assert json.loads(r.stdout)["accepted"] is True


def test_diff_without_write_and_summary(write):
    f = write("single.v", HOLES)
    r = run_cli("repair", str(f))
    assert r.returncode == 0, r.stderr
    assert "--- a/" in r.stdout and "+++ b/" in r.stdout and "2/2 fixed" in r.stdout
    assert "built-in tactic search" in r.stderr
    assert f.read_text() == HOLES


def test_replay_wrong_then_right_with_trace(tmp_path, write):
    f = write("t.v", HOLES)
    model = replies(
        tmp_path,
        "```coq\nProof.\n  intros n. rewrite no_such_lemma. reflexivity.\nQed.\n```",
        "Sure:\n```coq\nintros n. induction n; simpl; auto.\n```",
        "```coq\nintros n. simpl. lia.\n```",
    )
    trace = tmp_path / "trace.jsonl"
    r = run_cli("repair", str(f), "--strategy", "stale,search,llm", "--model", model, "--trace", str(trace), "--json", "--search-first", "0")
    assert r.returncode == 0, r.stderr
    holes = json.loads(r.stdout)["holes"]
    assert [h["status"] for h in holes] == ["fixed", "fixed"]
    assert holes[0]["attempts"] == 2 and holes[1]["attempts"] == 1
    assert "induction n; simpl; auto." in holes[0]["proof"]
    evs = events(trace)
    calls = [e for e in evs if e["event"] == "model_call"]
    assert len(calls) == 3
    for c in calls:
        assert {"messages", "reply", "tokens_in", "tokens_out", "cost_usd", "seconds"} <= set(c)
        assert c["messages"][0]["role"] == "system"
    checks = [e for e in evs if e["event"] == "check"]
    assert checks[0]["ok"] is False and "no_such_lemma" in checks[0]["error"]
    assert {"theorem", "proof", "ok", "error", "goals", "seconds"} <= set(checks[0])
    # the second call is a repair round: it shows the error and the goals
    repair_prompt = calls[1]["messages"][-1]["content"]
    assert "no_such_lemma" in repair_prompt and "n + 0 = n" in repair_prompt


CHEATS = [
    "```coq\nAxiom cheat : forall P : Prop, P.\napply cheat.\n```",
    "```coq\nintros n. admit.\n```",
    "```coq\nRedirect \"/tmp/proofmend_replay_pwned\" Print nat.\nintros; lia.\n```",
    "```coq\nintros n.\nAdmitted.\n```",
    "```coq\nQed.\nAxiom x : False.\nLemma y : True.\n```",
]


def test_cheating_replies_are_rejected_and_never_written(tmp_path, write):
    f = write("t.v", HOLES)
    trace = tmp_path / "trace.jsonl"
    r = run_cli("repair", str(f), "--strategy", "stale,search,llm", "--model", replies(tmp_path, *CHEATS), "--theorem", "add_0_r'",
                "--attempts", "10", "--trace", str(trace), "--json", "--write", "--search-first", "0")
    assert r.returncode == 1
    [hole] = json.loads(r.stdout)["holes"]
    assert hole["status"] == "unsolved" and hole["exit"] == "model_exhausted"
    assert hole["attempts"] == len(CHEATS)
    assert f.read_text() == HOLES
    assert not Path("/tmp/proofmend_replay_pwned.out").exists()
    assert not any(e["event"] == "audit" and e["accepted"] for e in events(trace))


def test_replay_exhausted_stops_cleanly(tmp_path, write):
    f = write("t.v", HOLES)
    r = run_cli("repair", str(f), "--strategy", "stale,search,llm", "--model", replies(tmp_path, "```coq\nintros. reflexivity.\n```"), "--json",
                "--search-first", "0")
    assert r.returncode == 1, r.stderr
    holes = json.loads(r.stdout)["holes"]
    assert [h["exit"] for h in holes] == ["model_exhausted", "model_exhausted"]
    assert "Traceback" not in r.stderr


def test_attempt_limit_is_a_named_exit(tmp_path, write):
    f = write("t.v", HOLES)
    wrong = "```coq\nintros. reflexivity.\n```"
    r = run_cli("repair", str(f), "--strategy", "stale,search,llm", "--model", replies(tmp_path, *[wrong] * 6), "--attempts", "2",
                "--theorem", "add_0_r'", "--json", "--search-first", "0")
    [hole] = json.loads(r.stdout)["holes"]
    assert hole["exit"] == "attempts_exhausted" and hole["attempts"] == 2


def test_model_errors_are_one_line_exit_2(tmp_path, write):
    f = write("t.v", HOLES)
    for args, needle in (
        (["--model", "nonsense-form-without-provider"], "model"),
        (["--model", f"replay:{tmp_path / 'missing.jsonl'}"], "missing.jsonl"),
        (["--model", "openai/gpt-4o-mini", "--api-base", "http://127.0.0.1:9/v1"], "127.0.0.1:9"),
    ):
        env_run = subprocess.run(
            [sys.executable, "-m", "proofmend.cli", "repair", str(f), *args],
            capture_output=True, text=True, env={**os.environ, "OPENAI_API_KEY": "x"}, timeout=120,
        )
        assert env_run.returncode == 2, (args, env_run.stdout, env_run.stderr)
        assert len(env_run.stderr.strip().splitlines()) == 1 and needle in env_run.stderr, env_run.stderr
    r = subprocess.run([sys.executable, "-m", "proofmend.cli", "repair", str(f), "--model", "openai/gpt-4o-mini"],
                       capture_output=True, text=True, env={k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"},
                       timeout=120)
    assert r.returncode == 2 and "OPENAI_API_KEY" in r.stderr


def test_bad_input_exit_2(tmp_path, write):
    for target in (tmp_path / "nope.v", write("bad.v", "Lemma a : True. (* unterminated")):
        r = run_cli("repair", str(target))
        assert r.returncode == 2 and "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = run_cli("repair", str(write("ok.v", HOLES)), "--theorem", "no_such_theorem")
    assert r.returncode == 2 and "no_such_theorem" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    (tmp_path / "proj").mkdir()
    r = run_cli("repair", str(tmp_path / "proj"))
    assert r.returncode == 2 and "_CoqProject" in r.stderr


def _kill_idetop_when(trace: Path, needle: str, stop: threading.Event) -> None:
    while not stop.is_set():
        if trace.exists() and needle in trace.read_text():
            time.sleep(0.5)
            me = os.getpid()
            for pid in os.listdir("/proc"):
                if not pid.isdigit():
                    continue
                try:
                    stat = Path(f"/proc/{pid}/stat").read_text().split()
                    cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
                except OSError:
                    continue
                if int(stat[3]) == me and b"coqidetop" in cmd:
                    os.kill(int(pid), signal.SIGKILL)
            return
        time.sleep(0.05)


def test_prover_killed_mid_run_the_run_goes_on(tmp_path, write):
    f = write("t.v", HOLES)
    trace = tmp_path / "trace.jsonl"
    model = replies(
        tmp_path,
        "```coq\nintros n. do 100000000 (do 100000000 idtac).\n```",  # runs until interrupted
        "```coq\nintros n. induction n; simpl; auto.\n```",
        "```coq\nintros. lia.\n```",
    )
    stop = threading.Event()
    killer = threading.Thread(target=_kill_idetop_when, args=(trace, "do 100000000 (do", stop), daemon=True)
    killer.start()
    from proofmend.agent.models import make_model
    from proofmend.agent.trajectory import Trace

    try:
        with Trace(trace) as tr:
            report = mend_path(f, AgentConfig(model=model, tactic_timeout_s=30, timeout_s=120, search_first_s=0,
                                                   strategy=("stale", "search", "llm")),
                               model=make_model(model), trace=tr)
    finally:
        stop.set()
    statuses = [h.status for h in report.holes]
    assert statuses == ["fixed", "fixed"], [(h.exit, h.error) for h in report.holes]
    assert any(e["event"] == "prover_error" for e in events(trace))


def test_project_directory_in_dependency_order_with_jobs(tmp_path):
    proj = tmp_path / "p"
    (proj / "src").mkdir(parents=True)
    (proj / "_CoqProject").write_text("-Q src P\nsrc/C.v\nsrc/B.v\nsrc/A.v\n")
    (proj / "src" / "A.v").write_text("Definition twice (n : nat) := n + n.\nLemma twice_0 : twice 0 = 0.\nProof. Admitted.\n")
    (proj / "src" / "B.v").write_text("From P Require Import A.\nRequire Import Lia.\nLemma twice_le : forall n, n <= twice n.\nProof. intros n. unfold twice. lia. Qed.\n")
    (proj / "src" / "C.v").write_text("From P Require Import A B.\nLemma twice_1 : twice 1 = 2.\nProof. Admitted.\n")
    r = run_cli("repair", str(proj), "--json", "--jobs", "2")
    assert r.returncode == 0, r.stdout + r.stderr
    holes = json.loads(r.stdout)["holes"]
    assert [h["theorem"] for h in holes] == ["twice_0", "twice_1"]
    assert all(h["status"] == "fixed" for h in holes)
