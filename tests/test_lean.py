"""The Lean backend: message parsing always; real checks only where lake is installed."""

from __future__ import annotations

import shutil

import pytest

from proofmend.provers.errors import ProverNotInstalledError
from proofmend.provers.lean.batch import check_lean_file, parse_messages


def test_parse_lean_json_messages():
    out = (
        '{"severity":"error","pos":{"line":3,"column":2},"endPos":{"line":3,"column":7},'
        '"fileName":"A.lean","data":"unknown identifier \'foo\'"}\n'
        '{"severity":"warning","pos":{"line":5,"column":0},"endPos":null,"fileName":"A.lean","data":"declaration uses \'sorry\'"}\n'
        "not json\n"
    )
    ds = parse_messages(out)
    assert [(d.severity, d.line, d.col, d.end_col) for d in ds] == [("error", 3, 2, 7), ("warning", 5, 0, 0)]
    assert "unknown identifier" in ds[0].message


@pytest.mark.skipif(shutil.which("lake") is not None, reason="lake is installed")
def test_without_lake_the_backend_says_so(tmp_path):
    f = tmp_path / "A.lean"
    f.write_text("theorem t : True := trivial\n")
    with pytest.raises(ProverNotInstalledError, match="lake"):
        check_lean_file(f)


@pytest.mark.skipif(shutil.which("lake") is None, reason="Lean 4 (lake) is not installed")
def test_real_lean_check(tmp_path):
    f = tmp_path / "A.lean"
    f.write_text("theorem t : True := trivial\ntheorem u : 1 = 2 := by sorry\n")
    r = check_lean_file(f)
    assert r.compiled and len(r.holes) == 1
