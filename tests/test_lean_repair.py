"""`repair FILE.lean`, `check`, `audit` and `eval` on Lean, through the real command line and the real ``lean``.

Model replies come from ``replay:`` files written here; the offline search
runs for real.  Everything that needs ``lean`` is skipped without one.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli
from tests.test_lean import needs_lean

LEAN_CORPUS = ROOT / "proofmend" / "evals" / "corpus" / "lean"

FILE = """def add : Nat → Nat → Nat
  | n, 0 => n
  | n, m+1 => add n m + 1

theorem add_zero_right (n : Nat) : add n 0 = n := by
  exact sorry

theorem zero_add_left (n : Nat) : add 0 n = n := sorry

theorem add_one (n : Nat) : add n 1 = n + 1 := by
  exact Nat.le_refl (n + 1)
"""


def test_a_file_that_is_not_lean_is_bad_input(tmp_path):
    f = tmp_path / "A.lean.txt"
    f.write_text("x")
    r = run_cli("repair", str(tmp_path / "missing.lean"))
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "no such file" in r.stderr
    r = run_cli("check", str(f))
    assert r.returncode == 2 and r.stderr.count("\n") == 1


def test_without_lean_every_lean_command_exits_2(tmp_path, monkeypatch):
    f = tmp_path / "A.lean"
    f.write_text(FILE)
    monkeypatch.setenv("PROOFMEND_LEAN", str(tmp_path / "no-lean"))
    for args in (("check", str(f)), ("repair", str(f)), ("audit", str(f), "--against", str(f))):
        r = run_cli(*args)
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        assert r.stderr.startswith("proofmend: error:") and r.stderr.count("\n") == 1 and "PROOFMEND_LEAN" in r.stderr


@needs_lean
def test_repair_mends_sorries_and_a_failing_proof_offline(tmp_path):
    f = tmp_path / "A.lean"
    f.write_text(FILE)
    trace = tmp_path / "trace.jsonl"
    r = run_cli("repair", str(f), "--json", "--timeout", "120", "--trace", str(trace))
    out = json.loads(r.stdout)
    assert r.returncode == 0, r.stdout + r.stderr
    assert {h["theorem"]: h["status"] for h in out["holes"]} == {
        "add_zero_right": "fixed", "zero_add_left": "fixed", "add_one": "fixed"}
    assert f.read_text() == FILE  # nothing written without --write
    events = [json.loads(line) for line in trace.read_text().splitlines()]
    searches = [e for e in events if e["event"] == "search"]
    assert [e["exit"] for e in searches] == ["proved"] * 3 and all(e["tries"] >= 1 for e in searches)
    audits = [e for e in events if e["event"] == "audit"]
    assert {e.get("source") for e in audits} >= {"search", "file"}  # each proof in the session, then the file's audit
    assert all(e["accepted"] for e in audits)
    r = run_cli("repair", str(f), "--write", "--timeout", "120")
    assert r.returncode == 0, r.stdout + r.stderr
    mended = f.read_text()
    assert "sorry" not in mended and mended.startswith(FILE.split("theorem")[0])
    r = run_cli("check", str(f), "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["ok"], r.stdout


@needs_lean
def test_repair_with_a_model_hears_lean_errors(tmp_path):
    f = tmp_path / "A.lean"
    f.write_text(FILE)
    replies = tmp_path / "replies.jsonl"
    replies.write_text("\n".join(json.dumps({"content": c}) for c in [
        "```lean\ninduction n with\n| zero => rfl\n| succ n ih => exact ih\n```",
        "Fixed:\n```lean\ninduction n with\n| zero => rfl\n| succ n ih => simp [add, ih]\n```",
    ]) + "\n")
    trace = tmp_path / "trace.jsonl"
    r = run_cli("repair", str(f), "--json", "--theorem", "zero_add_left", "--model", f"replay:{replies}",
                "--strategy", "llm", "--timeout", "120", "--trace", str(trace))
    out = json.loads(r.stdout)
    assert r.returncode == 0, r.stdout + r.stderr
    [hole] = out["holes"]
    assert hole["status"] == "fixed" and hole["attempts"] == 2
    assert "simp [add, ih]" in hole["proof"]
    calls = [json.loads(line) for line in trace.read_text().splitlines() if '"model_call"' in line]
    second_prompt = calls[1]["messages"][-1]["content"]
    assert "type mismatch" in second_prompt and "```lean" in second_prompt


@needs_lean
def test_repair_refuses_a_model_that_cheats(tmp_path):
    f = tmp_path / "A.lean"
    f.write_text(FILE)
    replies = tmp_path / "replies.jsonl"
    replies.write_text(json.dumps({"content": "```lean\nexact sorryAx _ false\n```"}) + "\n")
    r = run_cli("repair", str(f), "--json", "--theorem", "zero_add_left", "--model", f"replay:{replies}",
                "--strategy", "llm", "--timeout", "60")
    [hole] = json.loads(r.stdout)["holes"]
    assert r.returncode == 1 and hole["status"] == "unsolved"
    assert hole["exit"] == "model_exhausted"


@needs_lean
def test_audit_command_on_lean(tmp_path):
    orig = tmp_path / "A.lean"
    orig.write_text(FILE)
    good = tmp_path / "B.lean"
    # the whole file must check: the failing proof of add_one is mended too (the other hole stays a sorry)
    good.write_text(FILE.replace("add n 0 = n := by\n  exact sorry", "add n 0 = n := by\n  rfl")
                    .replace("exact Nat.le_refl (n + 1)", "rfl"))
    r = run_cli("audit", str(good), "--against", str(orig), "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["accepted"], r.stdout
    bad = tmp_path / "C.lean"
    bad.write_text(FILE.replace("add n 0 = n := by\n  exact sorry", "add n 0 = n := by\n  exact sorryAx _ false"))
    r = run_cli("audit", str(bad), "--against", str(orig))
    assert r.returncode == 1 and "uses_sorry" in r.stdout and r.stdout.strip().endswith("rejected")


@needs_lean
def test_eval_scores_lean_tasks_with_the_search(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    lines = [json.loads(line) for line in (LEAN_CORPUS / "tasks.jsonl").read_text().splitlines()]
    chosen = [t for t in lines if t["id"] in ("lean/property/app_nil", "lean/property/nat_add_comm")]
    for t in chosen:
        (corpus / t["file"]).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(LEAN_CORPUS / t["file"], corpus / t["file"])
    (corpus / "tasks.jsonl").write_text("".join(json.dumps(t) + "\n" for t in chosen))
    out = tmp_path / "out"
    r = run_cli("eval", str(corpus), "--model", "search", "--timeout", "60", "--out", str(out))
    assert r.returncode in (0, 1), r.stdout + r.stderr
    results = {json.loads(x)["id"]: json.loads(x) for x in (out / "results.jsonl").read_text().splitlines()}
    assert set(results) == {"lean/property/app_nil", "lean/property/nat_add_comm"}
    assert results["lean/property/app_nil"]["status"] == "solved", results
    assert all(x["status"] in ("solved", "failed") for x in results.values()), results
    r = run_cli("eval", str(corpus), "--model", "reference", "--out", str(tmp_path / "ref"))
    assert r.returncode == 0, r.stdout + r.stderr


@needs_lean
def test_the_lean_corpus_validates():
    r = run_cli("eval", str(LEAN_CORPUS), "--validate", timeout=3000)
    assert r.returncode == 0, r.stdout + r.stderr


def test_a_lean_without_its_core_library_is_a_missing_tool(tmp_path, monkeypatch):
    # what a lean built from source says without LEAN_PATH, from a stand-in that says just that
    fake = tmp_path / "lean"
    fake.write_text('#!/bin/sh\nfor a; do f="$a"; done\n'
                    'echo "$f:1:0: error: unknown package \'Init\'"\necho "You might need to open a workspace"\nexit 1\n')
    fake.chmod(0o755)
    f = tmp_path / "A.lean"
    f.write_text(FILE)
    monkeypatch.setenv("PROOFMEND_LEAN", str(fake))
    for args in (("check", str(f)), ("check", str(f), "--json")):
        r = run_cli(*args)
        assert r.returncode == 2 and r.stderr.count("\n") == 1 and "LEAN_PATH" in r.stderr, (args, r.stdout, r.stderr)


@needs_lean
def test_repair_says_when_lean_cannot_find_its_library(tmp_path, monkeypatch):
    import subprocess

    from proofmend.provers.lean.toolchain import lean_binary

    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("LEAN_PATH", str(empty))
    probe = tmp_path / "P.lean"
    probe.write_text("theorem t : True := trivial\n")
    if "unknown package 'Init'" not in subprocess.run([lean_binary(), str(probe)], capture_output=True, text=True).stdout:
        pytest.skip("this lean finds its core library without LEAN_PATH")
    f = tmp_path / "A.lean"
    f.write_text(FILE)
    r = run_cli("repair", str(f), "--timeout", "30")  # through the language server
    assert r.returncode == 2 and "LEAN_PATH" in r.stderr.splitlines()[-1], (r.stdout, r.stderr)
    assert f.read_text() == FILE
