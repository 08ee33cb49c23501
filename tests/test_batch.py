"""`proofmend check`: real coqc, typed diagnostics, character columns, holes, exit codes."""

from __future__ import annotations

import json

from proofmend.provers.coq.batch import ByteColumns, parse_diagnostics
from proofmend.provers.coq.check import check_file

from .conftest import needs_coq, run_cli

pytestmark = needs_coq


def test_byte_offsets_become_character_columns():
    text = "Lemma α : ∀ x : nat, x = x → True.\n  rewrite ℕ_foo.\n"
    conv = ByteColumns(text)
    # "Lemma α : " is 10 characters but 11 bytes (α is two bytes).
    assert conv.position(1, len("Lemma α : ".encode())) == (1, 10)
    line2 = text.splitlines()[1]
    start, end = line2.index("ℕ"), line2.index(".")  # characters, where the bytes are 10 and 17
    assert (start, end) == (10, 15) and len(line2[:end].encode()) == 17
    assert conv.position(2, len(line2[:start].encode())) == (2, start)
    assert conv.position(2, len(line2[:end].encode())) == (2, end)
    # An offset past the end of its line continues on the next line.
    assert conv.position(1, len(text.splitlines()[0].encode()) + 1 + 2) == (2, 2)


def test_parse_warning_and_error_blocks():
    out = (
        'File "./a.v", line 2, characters 0-10:\nWarning: Notation "_ + _" was already used.\n[notation-overridden,parsing]\n'
        'File "./a.v", line 3, characters 2-5:\nError:\nThe reference foo was not found\nin the current environment.\n'
    )
    ds = parse_diagnostics(out, "x\n0123456789\n  foo.\n")
    assert [d.severity for d in ds] == ["warning", "error"]
    assert ds[0].message.endswith("[notation-overridden,parsing]")
    assert ds[1].message == "The reference foo was not found\nin the current environment."
    assert (ds[1].line, ds[1].col, ds[1].end_line, ds[1].end_col) == (3, 2, 3, 5)


def test_check_real_error_with_multibyte_text(write):
    f = write("u.v", "Require Import Utf8.\nLemma α_β : ∀ (α : nat), α = α.\nProof. intros α. rewrite ℕ_lemma. Qed.\n")
    r = check_file(f)
    assert not r.compiled and not r.ok
    [e] = r.errors
    line = "Proof. intros α. rewrite ℕ_lemma. Qed."
    assert e.line == 3
    assert line[e.col : e.end_col] == "ℕ_lemma"
    assert "ℕ_lemma" in e.message


def test_check_warnings_are_reported_and_ok_file(write):
    f = write("w.v", "Notation \"x +++ y\" := (x + y) (at level 50).\nNotation \"x +++ y\" := (x * y) (at level 50).\nLemma t : 1 +++ 1 = 1.\nProof. reflexivity. Qed.\n")
    r = check_file(f)
    assert r.compiled and r.ok
    warns = [d for d in r.diagnostics if d.severity == "warning"]
    assert warns and warns[0].line == 2 and "[notation-overridden" in warns[0].message


def test_check_json_holes_and_exit_codes(write, tmp_path):
    f = write("h.v", "Lemma a : True.\nProof. Admitted.\nLemma b : True /\\ True.\nProof. split. admit. exact I. Qed.\nLemma c : True. Proof. exact I. Qed.\n")
    r = run_cli("check", str(f), "--json")
    assert r.returncode == 1, r.stderr
    data = json.loads(r.stdout)
    assert data["ok"] is False
    assert data["holes"] == [
        {"theorem": "a", "line": 1, "kind": "admitted"},
        {"theorem": "b", "line": 3, "kind": "admit"},
    ]
    g = write("g.v", "Lemma c : True. Proof. exact I. Qed.\n")
    r = run_cli("check", str(g), "--json")
    assert r.returncode == 0 and json.loads(r.stdout) == {"ok": True, "diagnostics": [], "holes": []}
    # coqc never writes next to the user's file when checking it.
    assert not (tmp_path / "g.vo").exists()


def test_check_bad_input_one_line_exit_2(write, tmp_path):
    for args in (["check", str(tmp_path / "missing.v")], ["check", str(write("x.txt", "hi"))]):
        r = run_cli(*args)
        assert r.returncode == 2
        assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    bad = write("proj/_CoqProject", "-R . P\n-arg \"unterminated\n")
    write("proj/a.v", "Lemma a : True. Proof. exact I. Qed.\n")
    r = run_cli("check", str(bad.parent / "a.v"))
    assert r.returncode == 2 and "_CoqProject" in r.stderr and "Traceback" not in r.stderr
    unparsable = write("up.v", "Lemma a : True. (* open comment\n")
    r = run_cli("check", str(unparsable))
    assert r.returncode == 2 and "cannot parse" in r.stderr


def test_project_flags_and_dependencies_are_honoured(write):
    write("p/_CoqProject", "-R theories My\n-arg -w -arg -notation-overridden\ntheories/A.v\ntheories/sub/B.v\n")
    write("p/theories/A.v", "Definition two := 2.\n")
    b = write("p/theories/sub/B.v", "From My Require Import A.\nLemma t : two = 2.\nProof. reflexivity. Qed.\n")
    r = check_file(b)
    assert r.ok, r.diagnostics
