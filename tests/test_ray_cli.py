"""The --ray option without a cluster: its parsing, and a clear refusal where Ray is not installed."""

from __future__ import annotations

import importlib
import json
import sys

import pytest
from typer.testing import CliRunner

from proofmend.evals.cli import _ray_address_optional, app


@pytest.mark.parametrize("args, expected", [
    (["c", "--ray"], ["c", "--ray", "local"]),
    (["c", "--ray", "--workers", "2"], ["c", "--ray", "local", "--workers", "2"]),
    (["c", "--ray", "auto"], ["c", "--ray", "auto"]),
    (["c", "--ray", "ray://head:10001", "-w", "2"], ["c", "--ray", "ray://head:10001", "-w", "2"]),
    (["c", "--ray", "10.0.0.1:6379"], ["c", "--ray", "10.0.0.1:6379"]),
    (["--ray", "builtin"], ["--ray", "local", "builtin"]),  # a corpus is not an address
    (["c", "--", "--ray"], ["c", "--", "--ray"]),
])
def test_ray_address_is_optional(args, expected):
    assert _ray_address_optional(args) == expected


def test_without_ray_the_package_imports_and_ray_is_one_line(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "ray", None)  # as if Ray were not installed
    import proofmend.evals.ray_runner as ray_runner

    importlib.reload(ray_runner)  # imports without Ray
    (tmp_path / "t.v").write_text("Lemma t : True.\nProof.\nAdmitted.\n")
    (tmp_path / "tasks.jsonl").write_text(json.dumps(
        {"id": "t", "kind": "property", "file": "t.v", "theorem": "t", "reference_proof": "exact I."}) + "\n")
    result = CliRunner().invoke(app, [str(tmp_path), "--model", "reference", "--out", str(tmp_path / "o"), "--ray"])
    assert result.exit_code == 2
    assert result.output.strip() == "proofmend: error: --ray needs Ray, which is not installed: pip install 'proofmend[ray]'"
    assert not (tmp_path / "o" / "results.jsonl").read_text()  # nothing ran
