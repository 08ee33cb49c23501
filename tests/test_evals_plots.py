"""The plots: tasks solved against time (a cactus plot), model calls and tokens; compare --plot."""

from __future__ import annotations

import json
import struct
from pathlib import Path

from typer.testing import CliRunner

from proofmend.evals.cli import app
from proofmend.evals.metrics import summarize
from proofmend.evals.plots import plot_run, solved_curve, used_model
from proofmend.evals.report import write_report


def rec(i, kind, status, seconds, attempts=0, tokens=0, sample=0):
    return {"id": f"{kind}/t{i}", "kind": kind, "sample": sample, "status": status, "seconds": seconds,
            "attempts": attempts, "tokens_in": tokens, "tokens_out": tokens // 4, "cost_usd": None}


SEARCH = [rec(0, "property", "solved", 0.4), rec(1, "property", "solved", 12.0), rec(2, "property", "failed", 30.0),
          rec(3, "repair", "solved", 2.5), rec(4, "repair", "error", 0.1)]
MODEL = [rec(0, "property", "solved", 3.0, 1, 800), rec(1, "property", "solved", 20.0, 4, 4000),
         rec(2, "property", "failed", 40.0, 8, 9000), rec(3, "repair", "solved", 1.0, 0, 0)]


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_solved_curve_is_a_cactus():
    xs, ys = solved_curve(SEARCH, "seconds")
    assert xs == [0.4, 2.5, 12.0] and ys == [1, 2, 3]
    xs, ys = solved_curve(MODEL, "calls")
    assert xs == [0, 1, 4] and ys == [1, 2, 3]
    xs, _ = solved_curve(MODEL, "tokens")
    assert xs == [1.0, 1000.0, 5000.0]  # in + out; none is drawn at 1 on the log axis
    two = SEARCH + [{**r, "sample": 1, "status": "failed"} for r in SEARCH]
    assert solved_curve(two, "seconds")[1] == [0.5, 1.0, 1.5]  # per sample, over 2 samples per task
    assert not used_model(SEARCH) and used_model(MODEL)


def test_a_search_run_gets_a_time_plot_and_a_model_run_three(tmp_path):
    plot_run(SEARCH, tmp_path / "s.png")
    plot_run(MODEL, tmp_path / "m.png")
    (ws, hs), (wm, hm) = png_size(tmp_path / "s.png"), png_size(tmp_path / "m.png")
    assert hs == hm and wm >= 2.5 * ws  # three panels against one
    summary = summarize(SEARCH, samples=1, run={"model": "search"})
    report = write_report(tmp_path, summary, SEARCH).read_text()
    assert "## Tasks solved against time (no model calls were made)" in report and "](success.png)" in report
    report = write_report(tmp_path, summarize(MODEL, samples=1, run={"model": "m"}), MODEL).read_text()
    assert "## Tasks solved against time, model calls and tokens" in report


def write_run(folder: Path, records: list[dict], model: str) -> Path:
    folder.mkdir()
    (folder / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    (folder / "summary.json").write_text(json.dumps(summarize(records, samples=1, run={"model": model})))
    return folder


def test_compare_draws_both_runs_on_one_plot(tmp_path):
    a = write_run(tmp_path / "a", SEARCH, "search")
    b = write_run(tmp_path / "b", MODEL, "openai/x")
    out = tmp_path / "both.png"
    result = CliRunner().invoke(app, ["compare", str(a), str(b), "--plot", str(out)])
    assert result.exit_code == 0, result.output
    assert "plot written to" in result.output
    w, h = png_size(out)
    assert w > 2.5 * h * 0.9  # calls and tokens panels too, since B used a model
    bad = CliRunner().invoke(app, ["compare", str(a), str(b), "--plot", str(tmp_path / "no" / "x.png")])
    assert bad.exit_code == 2 and "no folder" in bad.output
    (b / "results.jsonl").unlink()
    missing = CliRunner().invoke(app, ["compare", str(a), str(b), "--plot", str(out)])
    assert missing.exit_code == 2 and "no results.jsonl to plot" in missing.output
