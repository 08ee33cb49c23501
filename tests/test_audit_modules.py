"""The audit through sections, modules, functors, module types and signatures.

Each case is an original with a hole (or a failing proof) and one edit of it:
a cheat the audit must refuse with the named reason, or an honest proof it
must accept.  The classes: a changed proof opener (``Proof using``), a target
inside a functor body, a module type or a sealed module (Coq keeps no account
of it that the compiled file's interface shows: it is asked inside, by a
probe), an admitted lemma exported through a signature, a section ``Let``, a
name added by one mended proof that changes a later statement (implicit
generalization), a complete ``Defined`` proof taken for a target, a
capitalised user tactic (Coq's ``Locate Ltac`` tells it from a command), a
section lemma whose closed type changes with the variables its proof uses.
The real coqc and coqidetop run on each.
"""

from __future__ import annotations

import pytest

from proofmend.provers.coq.audit import audit
from proofmend.provers.coq.project import CoqProject

from .conftest import needs_coq

pytestmark = needs_coq

cases: dict[str, tuple[str, tuple[str, str], str | None]] = {}
T = """Module Type T.
Parameter x : nat.
Axiom px : x = 3.
End T.
"""
cases["functor_admitted_helper"] = (T + """Module F (X : T).
Lemma helper : X.x = 4. Proof. Admitted.
Lemma t : X.x = 4. Proof. Admitted.
End F.
""", ("Lemma t : X.x = 4. Proof. Admitted.", "Lemma t : X.x = 4. Proof. apply helper. Qed."), "admitted_dependency")
cases["functor_honest"] = (T + """Module F (X : T).
Lemma t : X.x = 3. Proof. Admitted.
End F.
""", ("Lemma t : X.x = 3. Proof. Admitted.", "Lemma t : X.x = 3. Proof. apply X.px. Qed."), None)
cases["modtype_helper"] = ("""Module Type U.
Parameter y : nat.
Lemma h : y = 4. Proof. Admitted.
Lemma t : y = 4. Proof. Admitted.
End U.
""", ("Lemma t : y = 4. Proof. Admitted.", "Lemma t : y = 4. Proof. exact h. Qed."), "admitted_dependency")
cases["modtype_honest"] = ("""Module Type U.
Parameter y : nat.
Lemma t : y + 0 = y. Proof. Admitted.
End U.
""", ("Lemma t : y + 0 = y. Proof. Admitted.", "Lemma t : y + 0 = y. Proof. auto. Qed."), None)
cases["sealed_hidden_helper"] = (T + """Module M : T.
Definition x := 4.
Lemma hidden : x = 3. Proof. Admitted.
Lemma px : x = 3. Proof. Admitted.
End M.
""", ("Lemma px : x = 3. Proof. Admitted.", "Lemma px : x = 3. Proof. exact hidden. Qed."), "admitted_dependency")
cases["sealed_honest"] = (T + """Module M : T.
Definition x := 3.
Lemma px : x = 3. Proof. Admitted.
End M.
""", ("Lemma px : x = 3. Proof. Admitted.", "Lemma px : x = 3. Proof. reflexivity. Qed."), None)
cases["sealed_export_admitted"] = (T + """Module M : T.
Definition x := 4.
Lemma px : x = 3. Admitted.
End M.
Lemma t : M.x = 3. Proof. Admitted.
""", ("Lemma t : M.x = 3. Proof. Admitted.", "Lemma t : M.x = 3. Proof. exact M.px. Qed."), "admitted_dependency")
cases["opener_using"] = ("""Section S.
Variable n : nat.
Hypothesis H : False.
Lemma t : n = 0.
Proof using n.
Admitted.
End S.
""", ("Proof using n.\nAdmitted.", "Proof using n H.\ndestruct H. Qed."), "statement_changed")
cases["generalize"] = ("""Generalizable All Variables.
Definition a : nat. Proof. exact undefined_name. Defined.
Lemma b `{H : N = N} : N = 0. Proof. Admitted.
""", ("Definition a : nat. Proof. exact undefined_name. Defined.\nLemma b `{H : N = N} : N = 0. Proof. Admitted.", "Definition a : nat. Proof. transparent_abstract (exact 0) using N. Defined.\nLemma b `{H : N = N} : N = 0. Proof. reflexivity. Qed."), "elaboration_changed")
cases["let_honest"] = ("""Section S.
Variable n : nat.
Let l : n + 0 = n. Proof. Admitted.
Lemma u : n + 0 = n. Proof. exact l. Qed.
End S.
""", ("Let l : n + 0 = n. Proof. Admitted.", "Let l : n + 0 = n. Proof. auto. Qed."), None)
cases["let_cheat"] = ("""Section S.
Variable n : nat.
Lemma h : n = 7. Proof. Admitted.
Let l : n = 7. Proof. Admitted.
End S.
""", ("Let l : n = 7. Proof. Admitted.", "Let l : n = 7. Proof. exact h. Qed."), "admitted_dependency")
cases["using_kept"] = ("""Section S.
Variable n m : nat.
Lemma a : n = n.
Proof using n.
Admitted.
End S.
Definition d : 0 = 0 := a 0.
""", ("Proof using n.\nAdmitted.", "Proof using n.\nreflexivity. Qed."), None)
cases["crush"] = ("""Ltac Crush := reflexivity.
Lemma t : 1 = 1. Proof. Admitted.
""", ("Lemma t : 1 = 1. Proof. Admitted.", "Lemma t : 1 = 1. Proof. Crush. Qed."), None)
cases["capital_command"] = ("""Lemma t : 1 = 1. Proof. Admitted.
""", ("Lemma t : 1 = 1. Proof. Admitted.", "Lemma t : 1 = 1. Proof. Crush. Qed."), "vernacular_in_body")
cases["defined_not_target"] = ("""Lemma hole : True.
Proof.
Ltac t3 := exact 3.
Admitted.
Definition c : nat.
Proof. t3. Defined.
Lemma u : c = 4. Proof. Admitted.
""", ("Definition c : nat.\nProof. t3. Defined.\nLemma u : c = 4. Proof. Admitted.", "Definition c : nat.\nProof. exact 4. Defined.\nLemma u : c = 4. Proof. reflexivity. Qed."), "not_a_target")
cases["section_later"] = ("""Section S.
Variable n : nat.
Hypothesis H : n = 1.
Lemma adm : n + 0 = n.
Admitted.
Lemma later : n + 0 = n /\\ True.
Proof. split. apply adm. auto. Qed.
End S.
""", ("Lemma adm : n + 0 = n.\nAdmitted.", "Lemma adm : n + 0 = n.\nProof. auto. Qed."), None)


@pytest.mark.parametrize("name", sorted(cases))
def test_module_system_cases(name, tmp_path):
    original, (old, new), expected = cases[name]
    assert old in original
    v = audit(original.replace(old, new), original, CoqProject(root=tmp_path), "F.v")
    if expected is None:
        assert v.accepted, [str(f) for f in v.findings]
    else:
        assert not v.accepted
        assert expected in v.reasons, [str(f) for f in v.findings]
