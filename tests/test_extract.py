"""Reading proof bodies out of model replies."""

from __future__ import annotations

import pytest

from proofmend.agent.proposers.extract import extract_proof, first_fenced_block


@pytest.mark.parametrize("tag", ["coq", "Coq", "v", "", "lean", "coq title=x"])
def test_first_fenced_block_any_tag(tag):
    reply = f"Here it is:\n```{tag}\nintros n.\nlia.\n```\nDone."
    assert extract_proof(reply) == "intros n.\nlia."


def test_only_the_first_block():
    reply = "```coq\nauto.\n```\nor maybe\n```coq\nlia.\n```"
    assert extract_proof(reply) == "auto."


def test_no_block_means_the_whole_reply():
    assert extract_proof("  intros. reflexivity.\n") == "intros. reflexivity."
    assert first_fenced_block("no code here") is None


def test_unterminated_block_runs_to_the_end():
    assert extract_proof("```coq\nintros.\ninduction n.\n") == "intros.\ninduction n."


def test_bare_proof_and_qed_are_stripped():
    reply = "```coq\nProof.\n  intros n.\n  simpl. reflexivity.\nQed.\n```"
    assert extract_proof(reply) == "intros n.\n  simpl. reflexivity."
    assert extract_proof("Proof. auto. Defined.") == "auto."


def test_proof_using_and_with_are_kept():
    assert extract_proof("Proof using Type. auto. Qed.") == "Proof using Type. auto."
    assert extract_proof("Proof with auto.\n split... Qed.") == "Proof with auto.\n split..."


def test_admitted_and_abort_are_kept_for_the_audit():
    assert extract_proof("```coq\nProof.\nintros.\nAdmitted.\n```") == "intros.\nAdmitted."
    assert extract_proof("Proof. Abort.") == "Abort."


def test_repeated_statement_is_dropped():
    reply = (
        "```coq\nLemma app_nil_r' : forall (A : Type) (l : list A),\n  l ++ [] = l.\n"
        "Proof.\n  intros A l. induction l; simpl; congruence.\nQed.\n```"
    )
    assert extract_proof(reply) == "intros A l. induction l; simpl; congruence."
    assert extract_proof("Theorem t : True. exact I. Qed.") == "exact I."
    assert extract_proof("Local Lemma t : True.\nProof. exact I. Qed.") == "exact I."
    assert extract_proof("Instance i : Foo.\nProof. constructor. Qed.") == "constructor."


def test_tactics_are_not_mistaken_for_statements():
    assert extract_proof("exact (Lemma_1 x). Qed.") == "exact (Lemma_1 x)."
    assert extract_proof("- auto.\n- lia.\nQed.") == "- auto.\n- lia."


def test_comments_and_strings_are_respected():
    reply = "Proof.\n(* Qed. is not here *)\nintros. idtac \"Qed.\".\nQed."
    assert extract_proof(reply) == '(* Qed. is not here *)\nintros. idtac "Qed.".'


def test_only_wrappers_gives_empty_body():
    assert extract_proof("Proof.\nQed.") == ""
    assert extract_proof("") == ""


def test_text_the_splitter_rejects_falls_back_to_patterns():
    # an unclosed comment, or no final dot: still strip what can be stripped
    assert extract_proof("Proof.\nintros. (* oops") == "intros. (* oops"
    assert extract_proof("Proof.\nintros.\nauto") == "intros.\nauto"


def test_hostile_replies_are_only_text():
    reply = "```coq\nRedirect \"/tmp/x\" Print All.\nDeclare ML Module \"evil\".\n```"
    assert extract_proof(reply) == 'Redirect "/tmp/x" Print All.\nDeclare ML Module "evil".'
    huge = "```coq\n" + "auto. " * 100000 + "\n```"
    assert extract_proof(huge).count("auto.") == 100000


def test_lean_bodies():
    reply = "```lean\ntheorem foo (n : Nat) : n + 0 = n := by\n  simp\n```"
    assert extract_proof(reply, prover="lean") == "simp"
    assert extract_proof("```lean\nby\n  intro h\n  exact h\n```", prover="lean") == "intro h\nexact h"
    assert extract_proof("by simp\n  omega", prover="lean") == "simp\nomega"
