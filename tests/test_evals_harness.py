"""The harness end to end on a tiny corpus with the reference solver (real coqc)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from proofmend.agent.config import AgentConfig
from proofmend.evals.cli import app
from proofmend.evals.harness import read_results, run_eval
from proofmend.evals.schema import load_corpus

from .conftest import needs_coq

pytestmark = needs_coq

FILE = """Require Import Arith.

Definition double (n : nat) : nat := n + n.

Lemma double_plus : forall n, double n = n + n.
Proof.
Admitted.

Lemma double_zero : double 0 = 0.
Proof.
Admitted.
"""

TASKS = [
    {"id": "p/plus", "kind": "property", "file": "double.v", "theorem": "double_plus",
     "reference_proof": "intros n. reflexivity.", "tags": ["easy"]},
    {"id": "p/zero_wrong", "kind": "property", "file": "double.v", "theorem": "double_zero",
     "reference_proof": "Proof.\n  intros n. lia.\nQed.", "tags": ["easy"]},
    {"id": "r/missing", "kind": "repair", "file": "double.v", "theorem": "no_such_lemma",
     "reference_proof": "auto.", "tags": []},
]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    root.mkdir()
    (root / "double.v").write_text(FILE)
    (root / "tasks.jsonl").write_text("".join(json.dumps(t) + "\n" for t in TASKS))
    return root


def by_key(records):
    return {(r["id"], r["sample"]): r for r in records}


def test_reference_run_end_to_end_with_resume(corpus, tmp_path):
    out = tmp_path / "out"
    before = (corpus / "double.v").read_text()
    run = run_eval(load_corpus(corpus), AgentConfig(model="reference"), samples=2, workers=2, out_dir=out)
    assert (run.ran, run.skipped) == (6, 0)
    assert (corpus / "double.v").read_text() == before  # the corpus is never modified
    recs = by_key(read_results(out / "results.jsonl"))
    assert len(recs) == 6
    ok = recs[("p/plus", 1)]
    assert ok["status"] == "solved" and ok["kind"] == "property" and ok["tags"] == ["easy"] and ok["attempts"] == 1
    assert "intros n" in ok["proof"] and ok["reason"] is None
    bad = recs[("p/zero_wrong", 0)]
    assert bad["status"] == "failed" and "compile_failed" in bad["reason"]
    err = recs[("r/missing", 0)]
    assert err["status"] == "error" and "no_such_lemma" in err["reason"]
    for key in ("id", "kind", "sample", "status", "attempts", "tokens_in", "tokens_out", "cost_usd", "seconds",
                "proof", "reason", "tags"):
        assert key in ok

    summary = json.loads((out / "summary.json").read_text())
    assert summary["overall"]["tasks"] == 3 and summary["overall"]["solved_tasks"] == 1
    assert summary["by_kind"]["property"]["pass@2"] == pytest.approx(0.5)
    report = (out / "report.md").read_text()
    assert "| property | 2 | 1 | 50.0% |" in report and "](success.png)" in report
    assert (out / "success.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # a rerun skips everything already recorded
    again = run_eval(load_corpus(corpus), AgentConfig(model="reference"), samples=2, workers=1, out_dir=out)
    assert (again.ran, again.skipped) == (0, 6)
    assert len(read_results(out / "results.jsonl")) == 6

    # an interrupted write (a cut-short last line) is ignored and that pair runs again
    data = (out / "results.jsonl").read_bytes()
    last_start = data.rstrip(b"\n").rfind(b"\n") + 1
    lost = json.loads(data[last_start:])
    (out / "results.jsonl").write_bytes(data[: last_start + 25])
    assert len(read_results(out / "results.jsonl")) == 5
    resumed = run_eval(load_corpus(corpus), AgentConfig(model="reference"), samples=2, workers=1, out_dir=out)
    assert (resumed.ran, resumed.skipped) == (1, 5)
    recs = by_key(read_results(out / "results.jsonl"))
    assert len(recs) == 6 and (lost["id"], lost["sample"]) in recs
    assert all(line.strip() for line in (out / "results.jsonl").read_text().splitlines())

    # more samples later: only the new ones run
    more = run_eval(load_corpus(corpus), AgentConfig(model="reference"), samples=3, workers=1, out_dir=out)
    assert (more.ran, more.skipped) == (3, 6)

    # fresh: everything again
    fresh = run_eval(load_corpus(corpus), AgentConfig(model="reference"), samples=1, workers=1, out_dir=out, fresh=True)
    assert (fresh.ran, fresh.skipped) == (3, 0)
    assert len(read_results(out / "results.jsonl")) == 3


def test_garbled_middle_line_is_an_input_error(corpus, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "results.jsonl").write_text('{"id": "p/plus", "sample": 0}\nGARBAGE\n{"id": "x", "sample": 0}\n')
    result = CliRunner().invoke(app, [str(corpus), "--model", "reference", "--out", str(out)])
    assert result.exit_code == 2
    assert "results.jsonl:2: corrupt result line" in result.output


def test_cli_run_resume_fresh_and_other_settings(corpus, tmp_path):
    out = tmp_path / "cli-out"
    runner = CliRunner()
    args = [str(corpus), "--model", "reference", "--out", str(out), "--task", "p/plus", "--task", "p/zero_wrong"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "2 run, 0 already done" in first.output
    second = runner.invoke(app, args)
    assert second.exit_code == 0 and "0 run, 2 already done" in second.output
    third = runner.invoke(app, [*args, "--fresh"])
    assert third.exit_code == 0 and "2 run, 0 already done" in third.output
    other = runner.invoke(app, [*args, "--attempts", "3"])
    assert other.exit_code == 2 and "other settings" in other.output
    errored = runner.invoke(app, [str(corpus), "--model", "reference", "--out", str(tmp_path / "o2"), "--kind", "repair"])
    assert errored.exit_code == 1  # a task sample errored
    unknown = runner.invoke(app, [str(corpus), "--model", "reference", "--task", "nope"])
    assert unknown.exit_code == 2 and "no task with id 'nope'" in unknown.output


def test_cli_validate_names_each_bad_task(corpus):
    result = CliRunner().invoke(app, [str(corpus), "--validate", "--workers", "2"])
    assert result.exit_code == 1
    lines = [ln for ln in result.output.splitlines() if ln.startswith(("p/", "r/"))]
    assert any(ln.startswith("p/zero_wrong: reference proof rejected by the audit: compile_failed") for ln in lines)
    assert any(ln.startswith("r/missing: no theorem named 'no_such_lemma'") for ln in lines)
    assert not any(ln.startswith("p/plus") for ln in lines)


def test_validate_flags_a_task_that_is_already_solved(tmp_path):
    (tmp_path / "done.v").write_text("Lemma t : True.\nProof.\n  exact I.\nQed.\n")
    (tmp_path / "tasks.jsonl").write_text(json.dumps(
        {"id": "d", "kind": "property", "file": "done.v", "theorem": "t", "reference_proof": "exact I."}) + "\n")
    result = CliRunner().invoke(app, [str(tmp_path), "--validate"])
    assert result.exit_code == 1 and "d: the file as given already checks" in result.output


def test_help_texts():
    runner = CliRunner()
    top = runner.invoke(app, ["--help"])
    assert top.exit_code == 0 and "compare" in top.output and "make-equivalence" in top.output
    run = runner.invoke(app, ["run", "--help"])
    text = " ".join(run.output.replace("│", " ").split())  # the help table wraps at 80 columns
    assert "pipeline check" in text and "--validate" in text
    assert "--ray [ADDRESS]" in text and "proofmend[ray]" in text and "--model-concurrency" in text


@pytest.mark.slow
def test_search_agent_on_three_easy_tasks(tmp_path):
    ids = ["property/andb_true_split", "repair/traffic_light_amber", "property/my_app_nil_r"]
    corpus = load_corpus("builtin").select(ids=ids)
    config = AgentConfig(model="search", timeout_s=30)
    run = run_eval(corpus, config, samples=1, workers=2, out_dir=tmp_path / "out")
    recs = by_key(run.records)
    assert set(recs) == {(i, 0) for i in ids}
    assert all(r["status"] in ("solved", "failed") for r in recs.values()), recs
    assert sum(r["status"] == "solved" for r in recs.values()) >= 2
    assert all((tmp_path / "out" / "traces").iterdir())


def test_validate_counts_a_task_without_reference_as_unverified(tmp_path):
    (tmp_path / "open.v").write_text("Lemma t : True.\nProof.\nAdmitted.\n\nLemma u : 1 = 1.\nProof.\nAdmitted.\n")
    (tmp_path / "tasks.jsonl").write_text(
        json.dumps({"id": "open", "kind": "property", "file": "open.v", "theorem": "t"}) + "\n"
        + json.dumps({"id": "known", "kind": "property", "file": "open.v", "theorem": "u",
                      "reference_proof": "reflexivity."}) + "\n")
    result = CliRunner().invoke(app, [str(tmp_path), "--validate"])
    assert result.exit_code == 0, result.output
    assert "open: unverified: no reference proof" in result.output
    assert "2 of 2 tasks valid, 1 unverified (no reference proof)" in result.output
    strict = CliRunner().invoke(app, [str(tmp_path), "--validate", "--strict"])
    assert strict.exit_code == 1 and "1 of 2 tasks valid, 1 bad" in strict.output
