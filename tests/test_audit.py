"""The acceptance audit against a red team of cheating candidates (real coqc)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from proofmend.provers.coq.audit import AxiomPolicy, Reason, audit, static_audit
from proofmend.provers.coq.project import CoqProject

from .conftest import needs_coq, run_cli

pytestmark = needs_coq

ORIGINAL = """Require Import Arith Lia.

Definition double (n : nat) : nat := n + n.

Lemma helper_admitted : forall n, double n = 2 * n.
Proof. Admitted.

Lemma double_even : forall n : nat, exists k, double n = 2 * k.
Proof.
Admitted.

Lemma double_mono : forall n m : nat, n <= m -> double n <= double m.
Proof.
  intros n m H. unfold double.
Admitted.

Lemma two_two : 2 + 2 = 4.
Proof. reflexivity. Qed.
"""

HOLE1 = "Proof.\nAdmitted.\n\nLemma double_mono"
HOLE2 = "Proof.\n  intros n m H. unfold double.\nAdmitted."


def fill(first: str | None = None, second: str | None = None, base: str = ORIGINAL) -> str:
    text = base
    if first is not None:
        text = text.replace(HOLE1, first + "\n\nLemma double_mono")
    if second is not None:
        text = text.replace(HOLE2, second)
    return text


GOOD1 = "Proof.\n  intros n. exists n. unfold double. lia.\nQed."
GOOD2 = "Proof.\n  intros n m H. unfold double.\n  lia.\nQed."
BULLETED2 = "Proof.\n  intros n m H.\n  destruct n.\n  - unfold double. lia.\n  - { unfold double.\n      + lia. }\nQed."

HONEST = {
    "plain": fill(GOOD1),
    "both": fill(GOOD1, GOOD2),
    "bulleted": fill(second=BULLETED2),
    "no_proof_keyword": fill("  intros n. exists n. unfold double. lia.\nQed."),
    "comments_inside": fill("Proof. (* Axiom in a comment. admit *) intros n. exists n. (* Qed. *) unfold double; lia.\nQed."),
}

CHEATS: dict[str, tuple[str, Reason]] = {
    "statement_weakened": (fill(GOOD1).replace("exists k, double n = 2 * k", "exists k, double n = k"), Reason.STATEMENT_CHANGED),
    "hypothesis_added": (fill(second=GOOD2).replace("forall n m : nat, n <= m ->", "forall n m : nat, n <= m -> m <= n ->"), Reason.STATEMENT_CHANGED),
    "hypotheses_reordered": (fill(second=GOOD2).replace("forall n m : nat", "forall m n : nat"), Reason.STATEMENT_CHANGED),
    "theorem_renamed": (fill(GOOD1).replace("Lemma double_even", "Lemma double_even'"), Reason.STATEMENT_CHANGED),
    "still_admitted": (fill("Proof.\n  intros n. exists n.\nAdmitted."), Reason.ADMIT_IN_BODY),
    "admit_then_qed": (fill("Proof.\n  intros n. admit.\nQed."), Reason.ADMIT_IN_BODY),
    "admit_in_try": (fill("Proof.\n  intros n. exists n. try lia; admit.\nQed."), Reason.ADMIT_IN_BODY),
    "give_up": (fill("Proof.\n  intros n. give_up.\nQed."), Reason.ADMIT_IN_BODY),
    "abort_and_redefine": (fill("Proof.\nAbort.\nLemma double_even : True.\nProof. exact I.\nQed."), Reason.PROOFS_CHANGED),
    "axiom_in_body": (fill("Proof.\n  Axiom cheat : forall P : Prop, P. apply cheat.\nQed."), Reason.VERNACULAR_IN_BODY),
    "axiom_before_theorem": (fill("Proof. apply cheat. Qed.").replace("Lemma double_even", "Axiom cheat : forall P : Prop, P.\nLemma double_even"), Reason.OUTSIDE_CHANGED),
    "parameter_before_theorem": (fill("Proof. intros. exists n. apply p. Qed.").replace("Lemma double_even", "Parameter p : forall n, n + n = 2 * n.\nLemma double_even"), Reason.OUTSIDE_CHANGED),
    "variable_before_theorem": (fill(GOOD1).replace("Lemma double_even", "Variable v : False.\nLemma double_even"), Reason.OUTSIDE_CHANGED),
    "unset_guard_in_proof": (fill("Proof.\n  Unset Guard Checking. intros n. exists n. unfold double. lia.\nQed."), Reason.VERNACULAR_IN_BODY),
    "unset_guard_before": (fill(GOOD1).replace("Lemma double_even", "Unset Guard Checking.\nLemma double_even"), Reason.OUTSIDE_CHANGED),
    "redirect_in_body": (fill('Proof.\n  Redirect "/tmp/proofmend_pwned" Print nat. intros n. exists n. unfold double. lia.\nQed.'), Reason.VERNACULAR_IN_BODY),
    "extraction_in_body": (fill('Proof.\n  Extraction "/tmp/proofmend_pwned.ml" double. intros n. exists n. unfold double. lia.\nQed.'), Reason.VERNACULAR_IN_BODY),
    "declare_ml_module": (fill('Proof.\n  Declare ML Module "evil_plugin". intros n. exists n. unfold double. lia.\nQed.'), Reason.VERNACULAR_IN_BODY),
    "load_in_body": (fill('Proof.\n  Load "/tmp/evil.v". intros n. exists n. unfold double. lia.\nQed.'), Reason.VERNACULAR_IN_BODY),
    "uses_admitted_lemma": (fill("Proof.\n  intros n. exists n. apply helper_admitted.\nQed."), Reason.ADMITTED_DEPENDENCY),
    "uses_other_admitted_hole": (fill(second="Proof.\n  intros n m H. destruct (double_even n). unfold double. lia.\nQed."), Reason.ADMITTED_DEPENDENCY),
    "notation_redefined": (fill(GOOD1).replace("Lemma double_even", 'Notation "x = y" := True (only parsing).\nLemma double_even'), Reason.OUTSIDE_CHANGED),
    "ltac_redefined": (fill("Proof. lia. Qed.").replace("Lemma double_even", "Ltac lia := idtac.\nLemma double_even"), Reason.OUTSIDE_CHANGED),
    "earlier_definition_changed": (fill("Proof. intros n. exists n. reflexivity. Qed.").replace("n + n.", "2 * n."), Reason.OUTSIDE_CHANGED),
    "text_after_qed": (fill(GOOD1) + "\nAxiom extra : False.\n", Reason.OUTSIDE_CHANGED),
    "text_after_qed_same_line": (fill(GOOD1 + " Axiom extra2 : False."), Reason.OUTSIDE_CHANGED),
    "defined_instead_of_qed": (fill("Proof.\n  intros n. exists n. unfold double. lia.\nDefined."), Reason.BAD_TERMINATOR),
    "set_flag_in_body": (fill("Proof.\n  Set Universe Polymorphism. intros n. exists n. unfold double. lia.\nQed."), Reason.VERNACULAR_IN_BODY),
    "nested_lemma_in_body": (fill("Proof.\n  Lemma aux : True. exact I. Qed.\n  intros n. exists n. unfold double. lia.\nQed."), Reason.OUTSIDE_CHANGED),
    "attribute_in_body": (fill("Proof.\n  #[bypass_check(guard)] intros n. exists n. unfold double. lia.\nQed."), Reason.VERNACULAR_IN_BODY),
    "wrong_proof": (fill("Proof.\n  intros n. exists (S n). unfold double. lia.\nQed."), Reason.COMPILE_FAILED),
    "unfinished_qed": (fill("Proof.\n  intros n. exists n.\nQed."), Reason.COMPILE_FAILED),
    "fail_control": (fill("Proof.\n  Fail fail. intros n. exists n. unfold double. lia.\nQed."), Reason.VERNACULAR_IN_BODY),
    "import_added_before": (fill(GOOD1).replace("Require Import Arith Lia.", "Require Import Arith Lia Classical."), Reason.OUTSIDE_CHANGED),
}


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> CoqProject:
    return CoqProject(tmp_path_factory.mktemp("audit"))


def test_the_original_compiles(project):
    from proofmend.provers.coq.batch import compile_text

    rc, out, _, _ = compile_text(project, ORIGINAL, "T.v")
    assert rc == 0, out


@pytest.mark.parametrize("name", sorted(HONEST))
def test_honest_proofs_are_accepted(name, project):
    v = audit(HONEST[name], ORIGINAL, project, "T.v")
    assert v.accepted, v.findings
    assert all(axs == () for axs in v.assumptions.values())


#: What the text alone shows (rules 1 and 2); the other cheats need a compile and Print Assumptions.
SEEN_IN_THE_TEXT = {Reason.STATEMENT_CHANGED, Reason.OUTSIDE_CHANGED, Reason.PROOFS_CHANGED,
                    Reason.VERNACULAR_IN_BODY, Reason.ADMIT_IN_BODY, Reason.BAD_TERMINATOR}


def test_the_text_alone_catches_exactly_the_cheats_it_can_see():
    wrong = {}
    for name, (text, reason) in CHEATS.items():
        found = {f.reason for f in static_audit(text, ORIGINAL)[0]}
        if (reason in found) != (reason in SEEN_IN_THE_TEXT) or (found and reason not in SEEN_IN_THE_TEXT):
            wrong[name] = (reason.value, sorted(r.value for r in found))
    assert not wrong, wrong


@pytest.mark.parametrize("name", sorted(CHEATS))
def test_cheats_are_rejected_with_their_reason(name, project):
    text, reason = CHEATS[name]
    v = audit(text, ORIGINAL, project, "T.v")
    assert not v.accepted
    assert reason.value in v.reasons, (name, v.findings)


def test_file_writing_candidates_never_reach_the_compiler(project, tmp_path):
    from proofmend.provers.coq.batch import compile_text

    witness = tmp_path / "pwned.out"  # what Redirect "…/pwned" writes
    candidates = [fill(f'Proof.\n  Redirect "{tmp_path / "pwned"}" Print nat. intros n. exists n. unfold double. lia.\nQed.'),
                  *(CHEATS[name][0] for name in ("redirect_in_body", "extraction_in_body", "declare_ml_module", "load_in_body"))]
    rc, out, _, _ = compile_text(project, candidates[0], "T.v")  # compiled, the first one writes the file
    assert rc == 0 and witness.exists(), out
    witness.unlink()
    for text in candidates:
        v = audit(text, ORIGINAL, project, "T.v")
        assert not v.accepted and set(v.reasons) == {Reason.VERNACULAR_IN_BODY.value}, v.findings
        assert v.compile_seconds == 0, "rejected from the text, before any compile"
    assert not witness.exists()
    assert not Path("/tmp/proofmend_pwned.out").exists()
    assert not Path("/tmp/proofmend_pwned.ml").exists()


def test_allowed_axiom_policy(project):
    base = ORIGINAL.replace("Definition double", "Axiom excluded : forall P : Prop, P \\/ ~ P.\nDefinition double")
    cand = fill("Proof.\n  intros n. destruct (excluded True); exists n; unfold double; lia.\nQed.", base=base)
    assert audit(cand, base, project, "T.v").accepted  # declared in the environment: justified
    strict = audit(cand, base, project, "T.v", policy=AxiomPolicy(allowed=frozenset()))
    assert not strict.accepted and "axiom_not_allowed" in strict.reasons
    assert strict.assumptions["double_even"] == ("excluded",)


def test_audit_cli_exit_codes(write):
    orig = write("orig/T.v", ORIGINAL)
    good = write("good/T.v", HONEST["both"])
    bad = write("bad/T.v", CHEATS["uses_admitted_lemma"][0])
    r = run_cli("audit", str(good), "--against", str(orig))
    assert r.returncode == 0 and "accepted" in r.stdout
    r = run_cli("audit", str(bad), "--against", str(orig), "--json")
    assert r.returncode == 1
    assert "admitted_dependency" in [x["code"] for x in json.loads(r.stdout)["reasons"]]
    r = run_cli("audit", str(good), "--against", str(orig.parent / "missing.v"))
    assert r.returncode == 2 and "Traceback" not in r.stderr


# ---------------------------------------------------------------- axioms of the standard library's reals

REALS = """From Coq Require Import Reals Lra.
Open Scope R_scope.

Lemma exp_above_line : forall x : R, 1 + x <= exp x.
Proof.
Admitted.
"""
REALS_HOLE = "Proof.\nAdmitted."
REALS_PROOF = "Proof.\n  intros x. apply exp_ineq1_le.\nQed."  # rests on the reals' four axioms


def test_print_assumptions_with_long_types_lists_every_name():
    from proofmend.provers.coq.audit import parse_assumptions

    out = """Axioms:
ClassicalDedekindReals.sig_not_dec : forall P : Prop, {~ ~ P} + {~ P}
ClassicalDedekindReals.sig_forall_dec
  : forall P : nat -> Prop,
    (forall n : nat, {P n} + {~ P n}) ->
    {n : nat | ~ P n} + {forall n : nat, P n}
long_admitted
  : forall x y : nat,
    x + y = y + x
Classical_Prop.classic : forall P : Prop, P \\/ ~ P
"""
    axioms, unsafe = parse_assumptions(out)
    assert axioms == ["ClassicalDedekindReals.sig_not_dec", "ClassicalDedekindReals.sig_forall_dec",
                      "long_admitted", "Classical_Prop.classic"]
    assert unsafe == []


def test_admitted_lemma_with_a_long_statement_is_caught(project):
    base = ORIGINAL.replace("Lemma double_even", "Lemma helper_long_statement_admitted : forall n m k l : nat,\n"
                            "  double (n + m + k + l) = 2 * n + 2 * m + 2 * k + 2 * l /\\ double n = 2 * n /\\ double m = 2 * m.\n"
                            "Proof. Admitted.\n\nLemma double_even")
    cand = fill("Proof.\n  intros n. exists n. apply (helper_long_statement_admitted n 0 0 0).\nQed.", base=base)
    v = audit(cand, base, project, "T.v")
    assert not v.accepted and "admitted_dependency" in v.reasons, v.findings


def test_reals_proof_rests_only_on_inherited_axioms(project):
    cand = REALS.replace(REALS_HOLE, REALS_PROOF)
    for policy in (AxiomPolicy(), AxiomPolicy(allowed=frozenset())):
        v = audit(cand, REALS, project, "R.v", policy=policy)
        assert v.accepted, v.findings
        assert "Coq.Reals.ClassicalDedekindReals.sig_forall_dec" in v.assumptions["exp_above_line"]
    # with no library axiom inherited, the same proof is not closed
    v = audit(cand, REALS, project, "R.v", policy=AxiomPolicy(allowed=frozenset(), library=frozenset()))
    assert not v.accepted and set(v.reasons) == {"axiom_not_allowed"}


REALS_CHEATS: dict[str, tuple[str, Reason]] = {
    "axiom_in_body": (REALS.replace(REALS_HOLE, "Proof.\n  Axiom line : forall x : R, 1 + x <= exp x. exact line.\nQed."),
                      Reason.VERNACULAR_IN_BODY),
    "axiom_before_lemma": (REALS.replace(REALS_HOLE, "Proof. exact line. Qed.").replace(
        "Lemma exp_above_line", "Axiom line : forall x : R, 1 + x <= exp x.\nLemma exp_above_line"), Reason.OUTSIDE_CHANGED),
    "parameter_before_lemma": (REALS.replace(REALS_HOLE, "Proof. exact line. Qed.").replace(
        "Lemma exp_above_line", "Parameter line : forall x : R, 1 + x <= exp x.\nLemma exp_above_line"), Reason.OUTSIDE_CHANGED),
    "classical_epsilon_loaded": (REALS.replace(REALS_HOLE, REALS_PROOF).replace(
        "Require Import Reals Lra.", "Require Import Reals Lra ClassicalEpsilon."), Reason.OUTSIDE_CHANGED),
}


@pytest.mark.parametrize("name", sorted(REALS_CHEATS))
def test_smuggled_axioms_next_to_the_reals_are_rejected(name, project):
    text, reason = REALS_CHEATS[name]
    for policy in (AxiomPolicy(), AxiomPolicy(allowed=frozenset())):
        v = audit(text, REALS, project, "R.v", policy=policy)
        assert not v.accepted and reason.value in v.reasons, (name, v.findings)


def test_file_axiom_named_like_a_library_axiom_is_not_inherited(project):
    # the file (not the proof) declares an axiom printed exactly as the library's
    # Classical_Prop.classic would be; the strict policy must not take it for the library's
    base = REALS.replace("Lemma exp_above_line",
                         "Module Classical_Prop. Axiom classic : forall x : R, 1 + x <= exp x. End Classical_Prop.\n"
                         "Lemma exp_above_line")
    cand = base.replace(REALS_HOLE, "Proof.\n  exact Classical_Prop.classic.\nQed.")
    assert audit(cand, base, project, "R.v").accepted  # declared by the file: the lenient default takes it
    v = audit(cand, base, project, "R.v", policy=AxiomPolicy(allowed=frozenset()))
    assert not v.accepted and "axiom_not_allowed" in v.reasons, v.findings
    assert v.assumptions["exp_above_line"] == ("Classical_Prop.classic",)


def test_locate_output_gives_the_printed_name():
    from proofmend.provers.coq.audit import parse_locate

    full = "Coq.Logic.Classical_Prop.classic"
    assert parse_locate(f"Constant {full}\n  (shorter name to refer to it in current context is Classical_Prop.classic)\n",
                        full) == "Classical_Prop.classic"
    assert parse_locate(f"Constant {full}\n", full) == full
    assert parse_locate(f"No object of suffix\n{full}\n", full) is None
    assert parse_locate("", full) is None
