"""Bad input: one line on stderr, exit 2, nothing written or lost, no hang (real command line)."""

from __future__ import annotations

import json
import os
import stat

import pytest

from .conftest import needs_coq, run_cli

ORIG = "Lemma one : 1 = 1.\nProof.\nAdmitted.\n"
GOOD = "Lemma one : 1 = 1.\nProof. reflexivity. Qed.\n"


def one_line_error(r, code: int = 2) -> None:
    assert r.returncode == code, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("proofmend: error: "), r.stderr


@pytest.mark.parametrize("args", [
    ["--attempts", "0"], ["--attempts", "-1"], ["--timeout", "0"], ["--timeout", "-3"], ["--jobs", "0"],
])
def test_repair_bad_numbers(args, write):
    f = write("t.v", ORIG)
    r = run_cli("repair", str(f), *args, timeout=60)
    one_line_error(r)
    assert f.read_text() == ORIG


def test_repair_trace_into_missing_folder_or_onto_folder(write, tmp_path):
    f = write("t.v", ORIG)
    one_line_error(run_cli("repair", str(f), "--trace", str(tmp_path / "nowhere" / "t.jsonl"), timeout=60))
    one_line_error(run_cli("repair", str(f), "--trace", str(tmp_path), timeout=60))
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_repair_write_into_read_only_folder(write):
    f = write("ro/t.v", ORIG)
    f.parent.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        one_line_error(run_cli("repair", str(f), "--write", timeout=120))
        assert f.read_text() == ORIG
    finally:
        f.parent.chmod(stat.S_IRWXU)


def test_fifo_and_device_are_refused_without_hanging(write, tmp_path):
    fifo = tmp_path / "pipe.v"
    os.mkfifo(fifo)
    orig = write("o.v", ORIG)
    one_line_error(run_cli("audit", str(fifo), "--against", str(orig), timeout=30))
    one_line_error(run_cli("audit", str(orig), "--against", str(fifo), timeout=30))
    one_line_error(run_cli("check", str(fifo), timeout=30))
    one_line_error(run_cli("repair", str(fifo), timeout=30))
    dev = tmp_path / "zero.v"
    os.symlink("/dev/zero", dev)
    one_line_error(run_cli("audit", str(dev), "--against", str(orig), timeout=30))
    one_line_error(run_cli("check", str(dev), timeout=30))


def test_audit_timeout_zero_and_unparsable_original(write):
    orig = write("o.v", ORIG)
    cand = write("c.v", GOOD)
    one_line_error(run_cli("audit", str(cand), "--against", str(orig), "--timeout", "0", timeout=30))
    broken = write("b.v", "Lemma one : 1 = 1.\nProof. (* unterminated\n")
    one_line_error(run_cli("audit", str(cand), "--against", str(broken), timeout=30))


@needs_coq
def test_attribute_on_the_terminator_is_no_traceback(write):
    orig = write("o.v", ORIG)
    cand = write("c.v", GOOD.replace("Qed.", "#[local] Qed."))
    r = run_cli("audit", str(cand), "--against", str(orig), "--json", timeout=120)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "bad_terminator" in [x["code"] for x in json.loads(r.stdout)["reasons"]]
    r = run_cli("check", str(cand), "--json", timeout=120)
    assert r.returncode in (0, 1) and "Traceback" not in r.stderr


def corpus(tmp_path, file: str, make: bool = True):
    root = tmp_path / "corpus"
    root.mkdir()
    if make:
        (root / "t.v").write_text(ORIG)
    line = {"id": "t", "kind": "property", "prover": "coq", "file": file, "theorem": "one", "reference_proof": "reflexivity."}
    (root / "tasks.jsonl").write_text(json.dumps(line) + "\n")
    return root


@pytest.mark.parametrize("file", ["/etc/passwd", "../outside.v", "sub/../../outside.v", "C:\\\\x.v"])
def test_task_file_outside_the_corpus_is_refused_before_reading(tmp_path, file):
    (tmp_path / "outside.v").write_text(ORIG)
    root = corpus(tmp_path, file)
    for extra in ([], ["--validate"]):
        r = run_cli("eval", str(root), "--model", "reference", "--out", str(tmp_path / "out"), *extra, timeout=60)
        one_line_error(r)
    assert not (tmp_path / "out").exists()


def test_missing_task_file_is_bad_input(tmp_path):
    root = corpus(tmp_path, "absent.v")
    one_line_error(run_cli("eval", str(root), "--validate", timeout=60))
    one_line_error(run_cli("eval", str(root), "--model", "reference", "--out", str(tmp_path / "o"), timeout=60))


def test_eval_out_onto_an_existing_file(tmp_path):
    root = corpus(tmp_path, "t.v")
    out = tmp_path / "results.txt"
    out.write_text("keep me")
    one_line_error(run_cli("eval", str(root), "--model", "reference", "--out", str(out), timeout=60))
    assert out.read_text() == "keep me"
