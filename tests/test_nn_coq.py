"""`proofmend nn export-coq`: the exported development compiles, its theorem rests only
on the standard library's real-number axioms, and its bound is the Python mirror's."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("safetensors")

from proofmend.nn_proofs import coq_export  # noqa: E402
from proofmend.nn_proofs.model import ModelConfig, save_model  # noqa: E402
from proofmend.nn_proofs.train import TrainConfig, train  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("coqc") is None, reason="coqc not installed")

#: The axioms of Coq's real numbers (what `Print Assumptions exp_ineq1_le` shows).
REAL_AXIOMS = {
    "ClassicalDedekindReals.sig_not_dec",
    "ClassicalDedekindReals.sig_forall_dec",
    "FunctionalExtensionality.functional_extensionality_dep",
    "Classical_Prop.classic",
}


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    import torch

    torch.set_num_threads(1)
    config = ModelConfig(k=3, vocab=6, d_model=8, d_head=8)
    result = train(config, TrainConfig(steps=150, seed=1))  # undertrained: some inputs fail
    path = tmp_path_factory.mktemp("coq") / "tiny.safetensors"
    save_model(result.model.weights(), path)
    return path


def compile_all(out: Path) -> None:
    names = [line for line in (out / "_CoqProject").read_text().splitlines()[1:] if line.strip()]
    for name in names:
        proc = subprocess.run(["coqc", "-Q", ".", "NNCert", name], cwd=out, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stdout + proc.stderr


def assumptions(out: Path, theorem: str) -> set[str]:
    (out / "Assume.v").write_text(f"From NNCert Require Import Main.\nPrint Assumptions {theorem}.\n")
    proc = subprocess.run(["coqc", "-Q", ".", "NNCert", "Assume.v"], cwd=out, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    if "Closed under the global context" in text:
        return set()
    return {line.split(" :")[0].strip() for line in text.splitlines() if line and not line[0].isspace() and line != "Axioms:"}


def test_export_compiles_and_agrees(tiny_model: Path, tmp_path: Path) -> None:
    out = tmp_path / "dev"
    proc = subprocess.run(
        [sys.executable, "-m", "proofmend.nn_proofs.cli", "export-coq", str(tiny_model), "--strategy", "brute",
         "--out", str(out), "--json"],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert set(report) == {"files", "theorem", "bound"}
    assert [Path(f).name for f in report["files"]] == ["MaxOfK.v", "ExpBounds.v", "Brute.v", "Weights.v", "Main.v"]
    project = (out / "_CoqProject").read_text().split()
    assert project[:3] == ["-Q", ".", "NNCert"] and project[3:] == [Path(f).name for f in report["files"]]
    for f in report["files"]:
        text = Path(f).read_text()
        assert "Admitted" not in text and "admit." not in text and "Axiom" not in text
    compile_all(out)
    assert assumptions(out, report["theorem"]) <= REAL_AXIOMS
    # the bound in the checked theorem is the one reported, and it is sound against the Python brute force
    from proofmend.nn_proofs.model import load_model
    from proofmend.nn_proofs.strategies import run_strategy

    exact = run_strategy("brute", load_model(tiny_model)).bound
    assert 0 < report["bound"] <= exact + 1e-12
    assert abs(report["bound"] - exact) <= 0.02  # exp bounds cost almost nothing at this size
    main = (out / "Main.v").read_text()
    total = 6**3
    assert f"IZR {round(report['bound'] * total)} / IZR {total} <= accuracy net0" in main


def test_dyadic_weights_are_exact(tiny_model: Path) -> None:
    from fractions import Fraction

    import numpy as np

    from proofmend.nn_proofs.model import load_model

    w = load_model(tiny_model)
    iw = coq_export.integer_weights(w)
    for key, name, e in (("WE", "W_E", "E"), ("WP", "W_pos", "E"), ("WQ", "W_Q", "Q"), ("WU", "W_U", "U")):
        a = np.asarray(getattr(w, name), dtype=np.float32)
        for row, zrow in zip(a, iw.mats[key]):
            for x, z in zip(row, zrow):
                assert Fraction(z, 2 ** iw.exps[e]) == Fraction(float(x))


def test_unknown_strategy_is_a_usage_error(tiny_model: Path, tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "proofmend.nn_proofs.cli", "export-coq", str(tiny_model), "--strategy", "nope",
         "--out", str(tmp_path / "x")],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1


def test_cubic_export_compiles_and_is_sound(tiny_model: Path, tmp_path: Path) -> None:
    out = tmp_path / "cubic"
    proc = subprocess.run(
        [sys.executable, "-m", "proofmend.nn_proofs.cli", "export-coq", str(tiny_model), "--strategy", "cubic",
         "--out", str(out), "--json"],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert [Path(f).name for f in report["files"]] == ["MaxOfK.v", "ExpBounds.v", "Brute.v", "Cubic.v", "Weights.v", "Main.v"]
    for f in report["files"]:
        text = Path(f).read_text()
        assert "Admitted" not in text and "admit." not in text and "Axiom" not in text
    compile_all(out)  # Main.v's Qed re-runs the checker: a count that differs from the mirror's fails here
    assert assumptions(out, report["theorem"]) <= REAL_AXIOMS
    from proofmend.nn_proofs.model import load_model
    from proofmend.nn_proofs.strategies import run_strategy

    w = load_model(tiny_model)
    exact = run_strategy("brute", w).bound
    assert 0 < report["bound"] <= exact + 1e-12
    # the same argument in floating point: the rigorous version loses only rounding
    assert abs(report["bound"] - run_strategy("cubic", w).bound) <= 0.05
    assert "cubic_sound" in (out / "Main.v").read_text()
    # other roundings: Coq's count equals the mirror's (the reflection step fails otherwise), and stays sound
    iw = coq_export.integer_weights(w)
    e_s = 2 * iw.exps["E"] + iw.exps["Q"] + iw.exps["K"]
    for n, params in enumerate((
        coq_export.CubicParams.for_weights(iw, margin_bits=4, bits=4),  # coarse: loses bound
        coq_export.CubicParams(r=0, rb=0, width=60, si=2, sv=3, so=1, su=5, sk=min(2, e_s // 4), sq=1, sd=4),
    )):
        proven = coq_export.cubic_count(iw, params)
        assert proven <= round(exact * 6**3)
        (out / f"Odd{n}.v").write_text(coq_export.main_v_cubic(iw, proven, params))
        proc = subprocess.run(["coqc", "-Q", ".", "NNCert", f"Odd{n}.v"], cwd=out, capture_output=True, text=True,
                              timeout=300)
        assert proc.returncode == 0, proc.stdout + proc.stderr


def test_cubic_mirror_is_sound_on_random_models() -> None:
    """The integer mirror of the Coq cubic checker never counts more inputs than are correct."""
    from proofmend.nn_proofs import brute
    from proofmend.nn_proofs.model import MaxOfK
    from proofmend.nn_proofs.paths import path_tables

    for trial, (v, k) in enumerate([(3, 1), (4, 2), (5, 3), (6, 4), (7, 2), (5, 4)]):
        w = MaxOfK(ModelConfig(k=k, vocab=v, d_model=4, d_head=4), seed=200 + trial).weights()
        iw = coq_export.integer_weights(w)
        exact = brute.naive_count_correct(path_tables(w))
        e_s = 2 * iw.exps["E"] + iw.exps["Q"] + iw.exps["K"]
        odd = coq_export.CubicParams(r=0, rb=0, width=60, si=min(3, e_s // 4), sv=5, so=2, su=7, sk=min(4, e_s // 4),
                                     sq=min(1, e_s // 4), sd=6)
        for params in (coq_export.CubicParams.for_weights(iw), coq_export.CubicParams.for_weights(iw, bits=4),
                       coq_export.CubicParams.for_weights(iw, margin_bits=4, bits=40), odd):
            assert coq_export.cubic_count(iw, params) <= exact, (v, k, params)


def test_cubic_mirror_proves_most_of_a_trained_model() -> None:
    import torch

    torch.set_num_threads(1)
    w = train(ModelConfig(k=3, vocab=8, d_model=8, d_head=8), TrainConfig(steps=1500, seed=0)).model.weights()
    from proofmend.nn_proofs.strategies import run_strategy

    iw = coq_export.integer_weights(w)
    proven = coq_export.cubic_count(iw, coq_export.CubicParams.for_weights(iw)) / 8**3
    assert proven <= run_strategy("brute", w).bound + 1e-12
    assert proven >= run_strategy("cubic", w).bound - 0.02


def test_subcubic_export_compiles_and_is_sound(tiny_model: Path, tmp_path: Path) -> None:
    out = tmp_path / "subcubic"
    proc = subprocess.run(
        [sys.executable, "-m", "proofmend.nn_proofs.cli", "export-coq", str(tiny_model), "--strategy", "subcubic",
         "--out", str(out), "--json"],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert [Path(f).name for f in report["files"]] == [
        "MaxOfK.v", "ExpBounds.v", "Brute.v", "Cubic.v", "Subcubic.v", "Weights.v", "Main.v"]
    for f in report["files"]:
        text = Path(f).read_text()
        assert "Admitted" not in text and "admit." not in text and "Axiom" not in text
    compile_all(out)  # Main.v's Qed re-runs the checker: a count that differs from the mirror's fails here
    assert assumptions(out, report["theorem"]) <= REAL_AXIOMS
    from proofmend.nn_proofs.model import load_model
    from proofmend.nn_proofs.strategies import run_strategy

    exact = run_strategy("brute", load_model(tiny_model)).bound
    assert 0 < report["bound"] <= exact + 1e-12
    assert "sub_sound" in (out / "Main.v").read_text()


def test_subcubic_mirror_is_sound_on_random_models() -> None:
    """The integer mirror of the Coq subcubic checker never counts more inputs than are correct, for any hint."""
    from proofmend.nn_proofs import brute, coq_subcubic
    from proofmend.nn_proofs.model import MaxOfK
    from proofmend.nn_proofs.paths import path_tables

    for trial, (v, k) in enumerate([(3, 1), (4, 2), (5, 3), (6, 4), (7, 2), (5, 4), (8, 3)]):
        w = MaxOfK(ModelConfig(k=k, vocab=v, d_model=4, d_head=4), seed=300 + trial).weights()
        iw = coq_export.integer_weights(w)
        exact = brute.naive_count_correct(path_tables(w))
        params = coq_subcubic.SubcubicParams.for_weights(iw)
        svd = coq_subcubic.make_hint(iw)
        hints = [svd, coq_subcubic.make_hint(iw, rows=0, bits=4),
                 coq_subcubic.Hint(u=[0] * 4, z=[0] * v, G=[], C=[[] for _ in range(v)])]
        for hint in hints:
            assert coq_subcubic.subcubic_count(iw, params, hint) <= exact, (v, k, hint)
        assert coq_subcubic.subcubic_count(iw, coq_subcubic.SubcubicParams(r=0), svd) <= exact


def test_subcubic_mirror_on_trained_models() -> None:
    """On trained models the mirror is sound and keeps the rank-1 argument's bound."""
    import torch

    from proofmend.nn_proofs import coq_subcubic
    from proofmend.nn_proofs.strategies import run_strategy

    torch.set_num_threads(1)
    for k, v in ((2, 6), (3, 8), (4, 6)):
        w = train(ModelConfig(k=k, vocab=v, d_model=8, d_head=8), TrainConfig(steps=1500, seed=0)).model.weights()
        iw = coq_export.integer_weights(w)
        params = coq_subcubic.SubcubicParams.for_weights(iw)
        proven = coq_subcubic.subcubic_count(iw, params, coq_subcubic.make_hint(iw)) / v**k
        assert proven <= run_strategy("brute", w).bound + 1e-12
        assert proven >= run_strategy("subcubic-cheap", w).bound - 0.02 - 1 / v**k  # the all-zero input is given up
        assert proven > 0.3
