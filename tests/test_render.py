"""Mended proofs as the smallest change of the old text: kept sentences stay byte for byte, lines and all."""

from __future__ import annotations

import difflib
import shutil

from proofmend.agent.config import AgentConfig
from proofmend.agent.proposers.render import render_body, render_minimal
from proofmend.provers.coq.sentences import SplitError, split_sentences

from .conftest import ROOT, needs_coq

OLD = """
Proof.
  induction l as [|x t IH].
  - simpl. reflexivity.
  - simpl. rewrite old_lemma. (* the key step *)
    reflexivity.
Qed."""


def test_a_replaced_sentence_keeps_its_place_on_the_line():
    new = render_minimal(OLD, "Proof.", ["induction l as [|x t IH].", "-", "simpl.", "reflexivity.", "-", "simpl.",
                                         "rewrite new_lemma.", "reflexivity."])
    assert new == OLD.lstrip().replace("old_lemma", "new_lemma")


def test_unchanged_lines_are_byte_identical_and_new_lines_indented_like_neighbours():
    new = render_minimal(OLD, "Proof.", ["induction l as [|x t IH].", "-", "simpl.", "reflexivity.", "-", "simpl.",
                                         "rewrite old_lemma.", "reflexivity.", "-", "auto."])
    lines = new.splitlines()
    assert lines[:5] == OLD.strip().splitlines()[:5]
    assert lines[5:] == ["  - auto.", "Qed."]


def test_dropped_sentences_leave_the_rest_of_their_line():
    old = "\nProof.\n  intros n. unfold double. rewrite Nat.mul_comm. reflexivity.\nQed."
    assert render_minimal(old, "Proof.", ["intros n.", "unfold double.", "reflexivity."]) == \
        "Proof.\n  intros n. unfold double. reflexivity.\nQed."


def test_an_admitted_hole_gets_its_proof_in_place():
    assert render_minimal("\nProof.\nAdmitted.", "Proof.", ["intros.", "-", "auto."]) == \
        "Proof.\n  intros.\n  - auto.\nQed."
    # statement and body on one line: the kept part stays on it
    assert render_minimal(" Proof. simpl. Admitted.", "Proof.", ["simpl.", "auto."]) == "Proof. simpl.\n  auto.\nQed."


def test_a_body_that_cannot_be_split_falls_back():
    assert render_minimal("\nProof. (* unterminated", "Proof.", ["auto."]) == render_body("Proof.", ["auto."])


def _sentences(text: str) -> set[str]:
    try:
        return {s.text for s in split_sentences(text)}
    except SplitError:
        return set()


@needs_coq
def test_each_mended_proof_of_the_example_touches_only_lines_that_changed(tmp_path):
    from proofmend.agent.loop.repair import mend_path

    proj = tmp_path / "shop"
    shutil.copytree(ROOT / "examples" / "shop", proj)
    report = mend_path(proj, AgentConfig(timeout_s=90))
    assert sum(h.status == "fixed" for h in report.holes) >= 4
    for f in report.files:
        kept = _sentences(f.new_text)
        for line in difflib.unified_diff(f.original_text.splitlines(), f.new_text.splitlines(), lineterm="", n=0):
            if line.startswith("-") and not line.startswith("---"):
                old_line = line[1:]
                if not old_line.strip() or old_line.strip().startswith("(*"):
                    continue
                # a removed line must have lost something: not every sentence on it is still there
                on_line = _sentences(old_line)
                assert on_line and not on_line <= kept, (f.path.name, old_line)


def test_an_old_body_without_proof_gets_its_opener_apart_from_its_first_sentence():
    # the old proof began straight with its tactics (no Proof.): the opener went in glued to the first one,
    # "Proof.intros …", which does not parse (seen on a real breakage: a correct repair refused)
    from proofmend.agent.proposers.render import render_minimal
    from proofmend.provers.coq.sentences import split_sentences

    for original in ("\n  intros l1 l2 H1.\n  rewrite length_app.\n  lia.\nQed.", " intros. auto. Qed."):
        script = ["intros l1 l2 H1.", "rewrite app_length.", "lia."] if "l1" in original else ["intros.", "auto."]
        body = render_minimal(original, "Proof.", script)
        assert [s.text for s in split_sentences(body)] == ["Proof.", *script, "Qed."], body
