"""Red team: cheats of every class the audit must refuse, and honest proofs it must accept.

Each case is (original, candidate, policy, expected reason or None for an
honest proof).  The audit runs the real coqc and coqidetop on each.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from proofmend.provers.coq.audit import AxiomPolicy, Reason, audit, static_audit
from proofmend.provers.coq.project import CoqProject

from .conftest import needs_coq

pytestmark = needs_coq

HOLE = "Proof.\nAdmitted."
ANY = AxiomPolicy()
STRICT = AxiomPolicy(allowed=frozenset())


@dataclass(frozen=True)
class Case:
    original: str
    candidate: str
    expected: Reason | None  # None: an honest proof, accepted
    policy: AxiomPolicy = ANY
    targets: tuple[str, ...] | None = None


def fill(original: str, *bodies: str) -> str:
    """``original`` with its first holes filled by ``bodies``, in order."""
    text = original
    for b in bodies:
        assert HOLE in text
        text = text.replace(HOLE, b, 1)
    return text


def case(original: str, bodies: str | tuple[str, ...], expected: Reason | None, policy: AxiomPolicy = ANY,
         targets: tuple[str, ...] | None = None) -> Case:
    bodies = (bodies,) if isinstance(bodies, str) else bodies
    return Case(original, fill(original, *bodies), expected, policy, targets)


# ------------------------------------------------------------- names from patterns (Unicode identifiers)

UNI = """Lemma _aux : 1 = 1.
Proof. reflexivity. Qed.

Lemma αdmitted : forall n : nat, n + 0 = n.
Proof. Admitted.

Axiom λax : forall n : nat, n + 0 = n.

Lemma θ_aux : forall n : nat, n + 0 = n.
Proof.
Admitted.

Theorem Ψ (n : nat) : 0 + n = n.
Proof.
Admitted.
"""
UNI_HONEST_1 = "Proof.\n  induction n as [|k IHk]; simpl; [reflexivity | rewrite IHk; reflexivity].\nQed."
UNI_HONEST_2 = "Proof. reflexivity. Qed."

UNICODE = {
    "unicode_admitted_helper": case(UNI, "Proof. exact αdmitted. Qed.", Reason.ADMITTED_DEPENDENCY),
    "unicode_target_psi_uses_admitted": case(UNI, (UNI_HONEST_1, "Proof. pose proof (αdmitted n) as Ηn. reflexivity. Qed."),
                                             Reason.ADMITTED_DEPENDENCY),
    "unicode_axiom_strict": case(UNI, "Proof. exact λax. Qed.", Reason.AXIOM_NOT_ALLOWED, STRICT),
    "unicode_admitted_via_ascii_twin": case(UNI.replace("Lemma _aux : 1 = 1.\nProof. reflexivity. Qed.",
                                                        "Lemma _aux : forall n : nat, n + 0 = n.\nProof. Admitted."),
                                            "Proof. exact _aux. Qed.", Reason.ADMITTED_DEPENDENCY),
}
UNICODE_HONEST = {
    "unicode_theorems": case(UNI, (UNI_HONEST_1, UNI_HONEST_2), None, STRICT),
    "unicode_hypothesis_names": case(UNI, ("Proof.\n  intros ν. induction ν as [|κ Ηκ]; simpl; auto.\nQed.", UNI_HONEST_2), None),
}

# ------------------------------------------------------------- constants without a written name

ANON = """Require Import Arith Lia Program.
#[local] Obligation Tactic := idtac.
Lemma helper : forall n : nat, 0 < S n.
Proof. Admitted.

Class Pos (n : nat) := { pos : 0 < n }.

#[export] Instance : Pos 3.
Proof.
Admitted.

Program Definition succ_above (n : nat) : {m | n < m} := S n.
Next Obligation.
Proof.
Admitted.

Goal forall n : nat, n < S n + 1.
Proof.
Admitted.

Program Definition half_above (n : nat) : {m | n < m + m + 1} := n.
Admit Obligations.

Lemma above_pos : forall n, 0 < proj1_sig (half_above n) + 1.
Proof.
Admitted.
"""
ANON_INSTANCE = "Proof. constructor. lia. Qed."
ANON_OBLIGATION = "Proof. intros. simpl. lia. Qed."
ANON_GOAL = "Proof. intros n. lia. Qed."
ANON_LAST = "Proof. intros n. lia. Qed."

NO_NAME = {
    "anonymous_instance_uses_admitted": case(ANON, "Proof. constructor. exact (helper 2). Qed.", Reason.ADMITTED_DEPENDENCY),
    "obligation_uses_admitted": case(ANON, (ANON_INSTANCE, "Proof. intros. simpl. pose proof (helper 0). lia. Qed."), Reason.ADMITTED_DEPENDENCY),
    "goal_uses_admitted": case(ANON, (ANON_INSTANCE, ANON_OBLIGATION, "Proof. intros n. pose proof (helper n). pose proof (helper (S n)). lia. Qed."),
                               Reason.ADMITTED_DEPENDENCY),
    "admit_obligations_used": case(ANON, (ANON_INSTANCE, ANON_OBLIGATION, ANON_GOAL, ANON_LAST), Reason.ADMITTED_DEPENDENCY),
    "abstract_subproof_uses_admitted": case(ANON, "Proof. constructor. abstract (exact (helper 2)). Qed.", Reason.ADMITTED_DEPENDENCY),
}
NO_NAME_HONEST = {
    "anonymous_instance_obligation_goal": case(ANON, (ANON_INSTANCE, ANON_OBLIGATION, ANON_GOAL), None, STRICT),
    "abstract_subproof_honest": case(ANON, "Proof. constructor. abstract lia. Qed.", None, STRICT),
}

# ------------------------------------------------------------- unsafe: checks switched off before the target

UNSAFE_BASE = """Unset Guard Checking.
Fixpoint loop (n : nat) : False := loop n.
Set Guard Checking.

Unset Positivity Checking.
Inductive bad : Type := Bad : (bad -> False) -> bad.
Set Positivity Checking.

#[bypass_check(guard)] Fixpoint loop2 (n : nat) : False := loop2 n.

#[bypass_check(universes)] Definition U := Type.
#[bypass_check(universes)] Definition u_in_u : U := U.

Lemma target : 1 = 2.
Proof.
Admitted.
"""
UNSAFE = {
    "unguarded_fixpoint": case(UNSAFE_BASE, "Proof. destruct (loop 0). Qed.", Reason.UNSAFE_ASSUMPTION),
    "unguarded_fixpoint_allowed_axioms": case(UNSAFE_BASE, "Proof. destruct (loop 0). Qed.", Reason.UNSAFE_ASSUMPTION,
                                              AxiomPolicy(allowed=frozenset({"loop"}))),
    "non_positive_inductive": case(UNSAFE_BASE, "Proof. pose (f := fun b : bad => match b with Bad g => g b end). "
                                                "destruct (f (Bad f)). Qed.", Reason.UNSAFE_ASSUMPTION, STRICT),
    "bypass_guard_attribute": case(UNSAFE_BASE, "Proof. destruct (loop2 0). Qed.", Reason.UNSAFE_ASSUMPTION, STRICT),
    "type_in_type": case(UNSAFE_BASE, "Proof. pose proof u_in_u. destruct (loop2 1). Qed.", Reason.UNSAFE_ASSUMPTION),
}

# ------------------------------------------------------------- --allow-axiom by suffix

SUFFIX = """Require Coq.Logic.Classical_Prop.
Axiom classic : forall P : Prop, P \\/ ~ P.
Module Coq. Module Logic. Module Classical_Prop.
  Axiom classic : forall P : Prop, P \\/ ~ P.
  Definition own := classic.
End Classical_Prop. End Logic. End Coq.
Module Logic. Module Classical_Prop.
  Axiom classic : forall P : Prop, P \\/ ~ P.
End Classical_Prop. End Logic.

Lemma em_or : forall P : Prop, P \\/ ~ P.
Proof.
Admitted.
"""
ALLOW_CLASSIC = AxiomPolicy(allowed=frozenset({"Coq.Logic.Classical_Prop.classic"}), library=frozenset())
ALLOW_SHORT = AxiomPolicy(allowed=frozenset({"Classical_Prop.classic"}), library=frozenset())
BY_SUFFIX = {
    "own_axiom_same_short_name": case(SUFFIX, "Proof. exact classic. Qed.", Reason.AXIOM_NOT_ALLOWED, ALLOW_CLASSIC),
    "own_axiom_full_path_suffix": case(SUFFIX, "Proof. exact Coq.Logic.Classical_Prop.own. Qed.",
                                       Reason.AXIOM_NOT_ALLOWED, ALLOW_CLASSIC),
    "own_axiom_partial_path": case(SUFFIX, "Proof. exact Logic.Classical_Prop.classic. Qed.", Reason.AXIOM_NOT_ALLOWED,
                                   ALLOW_CLASSIC),
}

# ------------------------------------------------------------- bodies that are not the target

DEFINED = """Definition three : nat.
Proof. exact 3. Defined.

Lemma three_is : three = 4.
Proof.
Admitted.
"""
QED_CHANGED = """Lemma done_before : 2 + 2 = 4.
Proof. reflexivity. Qed.

Lemma hole : 3 + 3 = 6.
Proof.
Admitted.
"""
# A hole that the original closes with Defined (it uses admit): its body may be
# transparent, and may declare a global name (transparent_abstract ... using N)
# that the later definitions then resolve to.
PICK = """Require Import List.
Definition pick : { n : nat | n = n }.
Proof. exists 0. admit. Defined.

Definition later_le := le.
Definition later_length := length.
"""
PICK_HOLE = "Proof. exists 0. admit. Defined."
NOT_TARGET = {
    "defined_body_changed": Case(DEFINED, DEFINED.replace("exact 3.", "exact 4.").replace(HOLE, "Proof. reflexivity. Qed."),
                                 Reason.NOT_A_TARGET),
    "qed_proof_changed_too": Case(QED_CHANGED, QED_CHANGED.replace("Proof. reflexivity. Qed.", "Proof. simpl. reflexivity. Qed.")
                                  .replace(HOLE, "Proof. reflexivity. Qed."), Reason.NOT_A_TARGET),
    "transparent_abstract_named_le": Case(PICK, PICK.replace(PICK_HOLE, "Proof. exists 0. transparent_abstract (exact eq_refl) "
                                                                        "using le. Defined."), Reason.GLOBAL_NAME_ADDED),
    "transparent_abstract_named_length": Case(PICK, PICK.replace(PICK_HOLE, "Proof. exists 0. transparent_abstract "
                                                                            "(exact eq_refl) using length. Defined."),
                                              Reason.ELABORATION_CHANGED),
}
NOT_TARGET_HONEST = {
    "defined_target": Case(PICK, PICK.replace(PICK_HOLE, "Proof. exists 0. reflexivity. Defined."), None, STRICT),
    "transparent_abstract_fresh_name": Case(PICK, PICK.replace(PICK_HOLE, "Proof. exists 0. transparent_abstract "
                                                                          "(exact eq_refl) using pick_eq. Defined."), None, STRICT),
}

# ------------------------------------------------------------- unfinished candidates

TWO = """Lemma first : 1 + 1 = 2.
Proof.
Admitted.

Lemma second : 2 + 2 = 4.
Proof.
Admitted.
"""
HIDDEN_ADMIT = """Ltac cheat := admit.
Global Hint Extern 1 => admit : core.
Lemma wrong : 1 = 2.
Proof.
Admitted.
"""
UNFINISHED = {
    "identical_to_original": Case(TWO, TWO, Reason.INCOMPLETE),
    "comment_added_still_admitted": Case(TWO, TWO.replace(HOLE, "Proof. (* done *)\nAdmitted.", 1), Reason.ADMIT_IN_BODY),
    "other_hole_filled_not_target": Case(TWO, TWO.replace(HOLE, "Proof. reflexivity. Qed.", 1), Reason.INCOMPLETE,
                                         targets=("second",)),
    "admit_behind_an_ltac": case(HIDDEN_ADMIT, "Proof. cheat. Qed.", Reason.COMPILE_FAILED),
    "admit_behind_a_hint": case(HIDDEN_ADMIT, "Proof. auto. Qed.", Reason.COMPILE_FAILED),
}

# ------------------------------------------------------------- honest controls

HONEST_BASE = """Require Import Arith Lia Classical.

Lemma with_unshelve : exists n : nat, n = 2.
Proof.
Admitted.

Section S.
Variable k : nat.
Lemma with_using : k + 0 = k.
Proof.
Admitted.
End S.

Lemma with_comments : forall n, n * 1 = n.
Proof.
Admitted.

Lemma em : forall P : Prop, P \\/ ~ P.
Proof.
Admitted.

Lemma stale : forall n, n + 1 = S n.
Proof. intros n. lia. Qed.
"""
HONEST = {
    "unshelve": case(HONEST_BASE, "Proof. eexists. Unshelve. 2: exact 2. reflexivity. Qed.", None, STRICT),
    "section_lemma": case(HONEST_BASE, ("Proof. eexists. reflexivity. Qed.", "Proof. lia. Qed."), None, STRICT),
    "comments_with_qed": case(HONEST_BASE, ("Proof. exists 2. reflexivity. Qed.", "Proof. lia. Qed.",
                                            "Proof. (* Qed. Admitted. *) intros n. (* admit *) lia. (* Qed. *)\nQed."), None, STRICT),
    "allowed_library_axiom": case(HONEST_BASE, ("Proof. exists 2. reflexivity. Qed.", "Proof. lia. Qed.",
                                                "Proof. intros; lia. Qed.", "Proof. exact classic. Qed."), None,
                                  AxiomPolicy(allowed=frozenset({"Coq.Logic.Classical_Prop.classic"}))),
    "library_axiom_by_default": case(HONEST_BASE, ("Proof. exists 2. reflexivity. Qed.", "Proof. lia. Qed.",
                                                   "Proof. intros; lia. Qed.", "Proof. intro P. apply classic. Qed."), None),
    "failing_proof_mended": Case(HONEST_BASE.replace("intros n. lia. Qed.", "intros n. reflexivity. Qed."),
                                 HONEST_BASE, None, STRICT),
}

# The proof opener is part of the statement: 'Proof using' decides what a section's theorem closes over.
OPENER = {
    "proof_using_added": case(HONEST_BASE, ("Proof. eexists. reflexivity. Qed.", "Proof using k. lia. Qed."),
                              Reason.STATEMENT_CHANGED),
}

CHEATS = {**UNICODE, **NO_NAME, **UNSAFE, **BY_SUFFIX, **NOT_TARGET, **UNFINISHED, **OPENER}
CONTROLS = {**UNICODE_HONEST, **NO_NAME_HONEST, **NOT_TARGET_HONEST, **HONEST}


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> CoqProject:
    return CoqProject(tmp_path_factory.mktemp("redteam"))


#: What the text alone can show; every other cheat here passes the text rules and only Coq's account refuses it.
SEEN_IN_THE_TEXT = {Reason.STATEMENT_CHANGED, Reason.OUTSIDE_CHANGED, Reason.PROOFS_CHANGED,
                    Reason.VERNACULAR_IN_BODY, Reason.ADMIT_IN_BODY, Reason.BAD_TERMINATOR}


def test_cheats_beyond_the_text_pass_the_text_rules():
    wrong = {}
    for name, c in CHEATS.items():
        found = {f.reason for f in static_audit(c.candidate, c.original)[0]}
        if found != ({c.expected} if c.expected in SEEN_IN_THE_TEXT else set()):
            wrong[name] = (c.expected.value, sorted(r.value for r in found))
    assert not wrong, wrong


@pytest.mark.parametrize("name", sorted(CHEATS))
def test_cheat_is_refused(name, project):
    c = CHEATS[name]
    v = audit(c.candidate, c.original, project, "T.v", policy=c.policy, targets=c.targets)
    assert not v.accepted, (name, v)
    assert c.expected.value in v.reasons, (name, v.findings)


@pytest.mark.parametrize("name", sorted(CONTROLS))
def test_honest_proof_is_accepted(name, project):
    c = CONTROLS[name]
    v = audit(c.candidate, c.original, project, "T.v", policy=c.policy, targets=c.targets)
    assert v.accepted, (name, v.findings)
