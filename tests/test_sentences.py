"""Sentence splitter and proof locator, on tricky text and on Coq's whole standard library."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from proofmend.provers.coq.locator import Terminator, locate, parse_document
from proofmend.provers.coq.sentences import SentenceKind, SplitError, join, split_sentences

from .conftest import needs_coq


def texts(src: str) -> list[str]:
    return [s.text for s in split_sentences(src)]


def test_comments_strings_and_qualified_names():
    src = '(* a. (* nested. *) "str. *)" *) Definition x := Nat.add 1 2. Check "a. b"%string.'
    assert texts(src) == ["Definition x := Nat.add 1 2.", 'Check "a. b"%string.']


def test_dotdot_in_notations_and_ellipsis():
    src = 'Notation "[ x ; .. ; y ]" := (cons x .. (cons y nil) ..).\nLemma a : True.\nProof with auto.\n  split...\nQed.'
    assert texts(src) == [
        'Notation "[ x ; .. ; y ]" := (cons x .. (cons y nil) ..).',
        "Lemma a : True.",
        "Proof with auto.",
        "split...",
        "Qed.",
    ]


def test_bullets_braces_and_selectors():
    src = "Proof.\n  split.\n  - auto.\n  - { simpl. }\n  --- x.\n  2: { idtac. }\n  ++ y.\n  * z.\nQed."
    ss = split_sentences(src)
    assert [s.text for s in ss] == [
        "Proof.", "split.", "-", "auto.", "-", "{", "simpl.", "}", "---", "x.", "2: {", "idtac.", "}",
        "++", "y.", "*", "z.", "Qed.",
    ]
    assert ss[2].kind is SentenceKind.BULLET and ss[5].kind is SentenceKind.OPEN_BRACE
    assert ss[7].kind is SentenceKind.CLOSE_BRACE and ss[10].kind is SentenceKind.OPEN_BRACE


def test_record_braces_are_not_sentences():
    src = "Definition p := {| fst := 1 |}.\nDefinition s := {x : nat | x > 0}."
    assert texts(src) == ["Definition p := {| fst := 1 |}.", "Definition s := {x : nat | x > 0}."]


def test_unicode_and_exact_spans():
    src = "Lemma α_β : ∀ x : nat, x = x.\nProof. intros. reflexivity. Qed.\n"
    ss = split_sentences(src)
    for s in ss:
        assert src[s.start : s.end] == s.text
    assert join(src, ss) == src


def test_unterminated_input_is_an_error():
    with pytest.raises(SplitError):
        split_sentences("Lemma x : True. (* never closed")
    with pytest.raises(SplitError):
        split_sentences('Definition s := "open')
    with pytest.raises(SplitError):
        split_sentences("Lemma x : True")


def test_locator_kinds_terminators_and_modules():
    src = """
Module M.
Section S.
Variable A : Type.
Lemma l1 (x : A) : x = x.
Proof using A. reflexivity. Qed.
End S.
Definition d : nat.
Proof. exact 0. Defined.
Definition e : nat := 1.
Program Definition f : {n : nat | n > 0} := exist _ 1 _.
Next Obligation. auto. Qed.
Instance i : Inhabited nat.
Proof. Admitted.
#[local] Theorem t : True.
Proof. Check 1. admit. Admitted.
Goal True. Abort.
End M.
Fact g : True. exact I. Qed.
"""
    doc = parse_document(src)
    got = [(p.name, p.qualname, p.keyword, p.terminator_kind, p.hole_kind) for p in doc.proofs]
    assert got == [
        ("l1", "M.l1", "Lemma", Terminator.QED, None),
        ("d", "M.d", "Definition", Terminator.DEFINED, None),
        ("", "", "Next Obligation", Terminator.QED, None),
        ("i", "M.i", "Instance", Terminator.ADMITTED, "admitted"),
        ("t", "M.t", "Theorem", Terminator.ADMITTED, "admitted"),
        ("", "", "Goal", Terminator.ABORT, None),
        ("g", "g", "Fact", Terminator.QED, None),
    ]
    assert not doc.orphans
    t = doc.proof_named("t")
    assert [s.text for s in t.body] == ["Proof.", "Check 1.", "admit."]


def test_admit_inside_qed_proof_is_a_hole():
    doc = parse_document("Lemma a : True /\\ True.\nProof. split. - admit. - exact I. Qed.")
    assert doc.proofs[0].hole_kind == "admit"


def _stdlib_files() -> list[Path]:
    where = subprocess.run(["coqc", "-where"], capture_output=True, text=True).stdout.strip()
    return sorted(Path(where).rglob("*.v"))


@needs_coq
def test_standard_library_round_trip_and_every_qed_located():
    files = _stdlib_files()
    assert len(files) >= 583
    bad = []
    total = 0
    for f in files:
        text = f.read_bytes().decode("utf-8")
        ss = split_sentences(text)
        assert join(text, ss) == text, f
        doc = locate(text, ss)
        located = {p.terminator.start for p in doc.proofs}
        for s in ss:
            if s.kind is SentenceKind.COMMAND and s.first_word == "Qed" and s.start not in located:
                bad.append((f.name, doc.line_of(s.start)))
        total += len(doc.proofs)
    assert not bad, bad[:10]
    assert total > 10000
