"""The `nn` command line: train, bound (text and JSON), pareto, and its input errors."""

from __future__ import annotations

import csv
import json

import pytest

pytest.importorskip("torch")

from typer.testing import CliRunner  # noqa: E402

from proofmend.nn_proofs.cli import app  # noqa: E402
from proofmend.nn_proofs.model import load_model, training_metadata  # noqa: E402
from proofmend.nn_proofs.strategies import STRATEGIES  # noqa: E402

runner = CliRunner()


@pytest.fixture(scope="module")
def model_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("nn") / "m.safetensors"
    res = runner.invoke(app, ["train", "--k", "3", "--vocab", "8", "--d-model", "8", "--steps", "400", "--seed", "2", "--out", str(path)])
    assert res.exit_code == 0, res.output
    assert "true accuracy" in res.output
    return path


def test_train_saves_weights_with_config(model_path) -> None:
    w = load_model(model_path)
    assert (w.config.k, w.config.vocab, w.config.d_model) == (3, 8, 8)
    assert w.W_E.shape == (8, 8) and w.W_pos.shape == (3, 8)
    meta = training_metadata(model_path)
    assert meta["steps"] == 400 and 0.0 <= meta["accuracy"] <= 1.0


@pytest.mark.parametrize("strategy", list(STRATEGIES))
def test_bound_json_shape(model_path, strategy: str) -> None:
    res = runner.invoke(app, ["bound", str(model_path), "--strategy", strategy, "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert set(data) == {"strategy", "bound", "cost", "seconds"}
    assert data["strategy"] == strategy
    assert 0.0 <= data["bound"] <= 1.0
    assert set(data["cost"]) == {"formula", "ops"} and data["cost"]["ops"] > 0


def test_bounds_never_exceed_the_trained_accuracy(model_path) -> None:
    acc = training_metadata(model_path)["accuracy"]
    for strategy in STRATEGIES:
        res = runner.invoke(app, ["bound", str(model_path), "-s", strategy, "--json"])
        assert json.loads(res.output)["bound"] <= acc + 1e-12


def test_missing_model_is_a_usage_error(tmp_path) -> None:
    res = runner.invoke(app, ["bound", str(tmp_path / "nope.safetensors"), "--strategy", "cubic"])
    assert res.exit_code == 2
    assert "not found" in res.stderr and "Traceback" not in res.output


def test_unknown_strategy_lists_valid_ones(model_path) -> None:
    res = runner.invoke(app, ["bound", str(model_path), "--strategy", "quartic"])
    assert res.exit_code == 2
    assert "cubic" in res.stderr and "subcubic-cheap" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_corrupt_model_is_a_usage_error(tmp_path) -> None:
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"not a model")
    res = runner.invoke(app, ["bound", str(bad)])
    assert res.exit_code == 2 and "Traceback" not in res.output


def test_pareto_writes_csv_and_png(tmp_path) -> None:
    out = tmp_path / "p"
    res = runner.invoke(app, ["pareto", "--seeds", "2", "--steps", "150", "--k", "3", "--vocab", "6", "--d-model", "8", "--out-dir", str(out)])
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader((out / "pareto.csv").open()))
    assert len(rows) == 2 * len(STRATEGIES)
    for row in rows:
        assert float(row["bound"]) <= float(row["accuracy"]) + 1e-12
    assert (out / "pareto.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
