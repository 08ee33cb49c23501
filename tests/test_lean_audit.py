"""The Lean audit against cheats, and on honest proofs: judged by the real ``lean`` (skipped without one).

Every rule runs on every candidate, so each cheat below is expected to be
caught by the words of its body *and* by what Lean reports (a fresh check,
``#print axioms``, ``#check``) wherever Lean can see it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from proofmend.provers.lean.audit import audit
from proofmend.provers.limits import Limits
from tests.test_lean import needs_lean

pytestmark = needs_lean

ORIGINAL = """def add : Nat → Nat → Nat
  | n, 0 => n
  | n, m+1 => add n m + 1

theorem add_zero_right (n : Nat) : add n 0 = n := rfl

theorem zero_add_left (n : Nat) : add 0 n = n := by
  exact sorry

theorem two_plus_two : add 2 2 = 4 := sorry
"""

HONEST = {
    "zero_add_left": " by\n  induction n with\n  | zero => rfl\n  | succ n ih => simp [add, ih]",
    "two_plus_two": " rfl",
}


def bodies(original: str, new: dict[str, str]) -> str:
    """``original`` with the bodies of the named declarations replaced (text after ':=')."""
    from proofmend.provers.lean.locator import parse_lean

    doc = parse_lean(original)
    return doc.with_bodies({i: new[d.name] for i, d in enumerate(doc.decls) if d.name in new})


def judge(tmp_path: Path, candidate: str, original: str = ORIGINAL, **kw):
    path = tmp_path / "A.lean"
    path.write_text(original)
    return audit(candidate, original, path, Limits(timeout_s=120), **kw)


def test_honest_proofs_are_accepted_with_their_axioms(tmp_path):
    v = judge(tmp_path, bodies(ORIGINAL, HONEST))
    assert v.accepted, v.findings
    assert set(v.changed) == {"zero_add_left", "two_plus_two"}
    assert set(v.assumptions) == {"zero_add_left", "two_plus_two"}
    assert all(set(axs) <= {"propext", "Quot.sound", "Classical.choice"} for axs in v.assumptions.values())


def test_one_hole_proven_is_accepted_and_named(tmp_path):
    v = judge(tmp_path, bodies(ORIGINAL, {"two_plus_two": " by decide"}), targets=("two_plus_two",))
    assert v.accepted, v.findings
    v = judge(tmp_path, bodies(ORIGINAL, {"two_plus_two": " by decide"}), targets=("zero_add_left",))
    assert v.reasons == ["incomplete"]


def test_nothing_changed_is_not_a_proof(tmp_path):
    assert judge(tmp_path, ORIGINAL).reasons == ["incomplete"]


def test_sorry_is_refused_by_the_words_and_by_lean(tmp_path):
    v = judge(tmp_path, bodies(ORIGINAL, {**HONEST, "two_plus_two": " by\n  exact sorry"}))
    assert not v.accepted
    assert {"forbidden_in_body", "uses_sorry"} <= set(v.reasons)
    assert any("#print axioms lists sorryAx" in str(f) for f in v.findings)


def test_sorry_ax_by_name_is_refused_by_print_axioms(tmp_path):
    v = judge(tmp_path, bodies(ORIGINAL, {**HONEST, "two_plus_two": " sorryAx _ false"}))
    assert not v.accepted
    assert "forbidden_in_body" in v.reasons
    assert any(f.reason.value == "uses_sorry" and "sorryAx" in f.message for f in v.findings), v.findings


def test_an_axiom_of_the_file_is_refused_unless_allowed(tmp_path):
    original = ORIGINAL.replace("theorem add_zero_right", "axiom magic (n : Nat) : add 0 n = n\n\ntheorem add_zero_right")
    candidate = bodies(original, {**HONEST, "zero_add_left": " magic n"})
    v = judge(tmp_path, candidate, original)
    assert v.reasons == ["axiom_not_allowed"] and "magic" in v.findings[0].message
    assert v.assumptions["zero_add_left"] == ("magic",)
    assert judge(tmp_path, candidate, original, allowed_axioms=frozenset({"magic"})).accepted


def test_an_axiom_declared_in_a_body_for_a_later_proof_is_refused(tmp_path):
    candidate = bodies(ORIGINAL, {"zero_add_left": HONEST["zero_add_left"] + "\n\naxiom cheat : add 2 2 = 4",
                                  "two_plus_two": " cheat"})
    v = judge(tmp_path, candidate)
    assert not v.accepted and "outside_changed" in v.reasons  # a new declaration at the start of a line
    # written on the body's own line it is not a new line's command, but the words and Lean still see it
    candidate = bodies(ORIGINAL, {"zero_add_left": HONEST["zero_add_left"] + " axiom cheat : add 2 2 = 4",
                                  "two_plus_two": " cheat"})
    v = judge(tmp_path, candidate)
    assert {"forbidden_in_body", "axiom_not_allowed"} <= set(v.reasons), v.findings
    assert any("cheat" in f.message for f in v.findings if f.reason.value == "axiom_not_allowed")


REDEFINE = """def double (n : Nat) : Nat := n + n

namespace Foo

theorem two : double 2 = 4 := by
  exact sorry

theorem three : double 3 = 7 := by
  exact sorry

end Foo
"""


def test_a_name_redefined_for_later_statements_is_refused_by_check(tmp_path):
    # Foo.double shadows double in the statement of Foo.three, which then holds by rfl
    cheat = {"two": " by rfl def double (n : Nat) : Nat := 7 - n + n", "three": " rfl"}
    v = judge(tmp_path, bodies(REDEFINE, cheat), REDEFINE)
    assert not v.accepted
    assert "forbidden_in_body" in v.reasons
    assert any(f.reason.value == "statement_changed" and f.theorem == "Foo.three" for f in v.findings), v.findings
    # the same on a line of its own is also a declaration the original does not have
    cheat["two"] = " by rfl\ndef double (n : Nat) : Nat := 7 - n + n"
    assert "outside_changed" in judge(tmp_path, bodies(REDEFINE, cheat), REDEFINE).reasons


IMPL = """def alwaysFalse (n : Nat) : Bool := false

theorem first : 1 = 1 := by
  exact sorry

theorem bogus : alwaysFalse 0 = true := by
  exact sorry
"""


@pytest.mark.parametrize("attribute, tactic", [("implemented_by", "native_decide"),  # current Lean's spelling
                                               ("implementedBy", "nativeDecide")])  # the 2021 build's
def test_implemented_by_with_native_evaluation_is_refused(tmp_path, attribute, tactic):
    cheat = {"first": f" rfl def alwaysTrue (n : Nat) : Bool := true attribute [{attribute} alwaysTrue] alwaysFalse",
             "bogus": f" by {tactic}"}
    v = judge(tmp_path, bodies(IMPL, cheat), IMPL)
    assert not v.accepted
    assert "forbidden_in_body" in v.reasons
    # Lean's account: the spelling the version knows makes the compiled code say true, and the kernel then
    # needs Lean.ofReduceBool; the other spelling does not even compile
    if "compile_failed" not in v.reasons:
        assert v.assumptions.get("bogus") == ("Lean.ofReduceBool",), v.findings
        assert any(f.reason.value == "axiom_not_allowed" and "ofReduceBool" in f.message for f in v.findings)


def test_native_evaluation_is_refused_by_lean_s_account(tmp_path):
    # a true fact proven by evaluation: Lean accepts it, and #print axioms names the axiom it rests on
    original = "theorem t : 10 + 10 = 20 := sorry\n"
    vs = [judge(tmp_path, bodies(original, {"t": f" by {tactic}"}), original)
          for tactic in ("native_decide", "nativeDecide")]
    assert all(not v.accepted for v in vs)
    known = [v for v in vs if "compile_failed" not in v.reasons]
    assert len(known) == 1, [v.findings for v in vs]  # each version knows one spelling
    assert known[0].assumptions["t"] == ("Lean.ofReduceBool",)
    assert {"forbidden_in_body", "axiom_not_allowed"} <= set(known[0].reasons)


def test_unsafe_is_refused(tmp_path):
    cheat = {"two_plus_two": " rfl unsafe def loop : Nat := loop", "zero_add_left": HONEST["zero_add_left"]}
    v = judge(tmp_path, bodies(ORIGINAL, cheat))
    assert not v.accepted and "forbidden_in_body" in v.reasons


def test_a_changed_statement_is_refused(tmp_path):
    candidate = bodies(ORIGINAL, HONEST).replace("add 2 2 = 4", "add 2 2 = add 2 2")
    v = judge(tmp_path, candidate)
    assert not v.accepted and "outside_changed" in v.reasons


def test_a_complete_proof_is_not_a_target(tmp_path):
    candidate = bodies(ORIGINAL, {**HONEST, "add_zero_right": " by simp [add]"})
    v = judge(tmp_path, candidate)
    assert v.reasons == ["not_a_target"] and v.findings[0].theorem == "add_zero_right"


def test_a_failing_proof_is_a_target(tmp_path):
    original = ORIGINAL.replace("theorem two_plus_two : add 2 2 = 4 := sorry",
                                "theorem two_plus_two : add 2 2 = 4 := by\n  exact Nat.le_refl 4")
    v = judge(tmp_path, bodies(original, HONEST), original)
    assert v.accepted, v.findings


def test_a_proof_that_does_not_check_is_refused(tmp_path):
    v = judge(tmp_path, bodies(ORIGINAL, {**HONEST, "two_plus_two": " by\n  exact Nat.le_refl 4"}))
    assert not v.accepted and "compile_failed" in v.reasons


@pytest.mark.parametrize("name, original, cheat, lean_says", [
    ("sorry", ORIGINAL, {**HONEST, "two_plus_two": " by\n  exact sorry"}, "uses_sorry"),
    ("sorryAx by name", ORIGINAL, {**HONEST, "two_plus_two": " sorryAx _ false"}, "uses_sorry"),
    ("an axiom on a body's line", ORIGINAL,
     {"zero_add_left": HONEST["zero_add_left"] + " axiom cheat : add 2 2 = 4", "two_plus_two": " cheat"},
     "axiom_not_allowed"),
    ("a name redefined for a later statement", REDEFINE,
     {"two": " by rfl def double (n : Nat) : Nat := 7 - n + n", "three": " rfl"}, "statement_changed"),
    ("implementedBy with native evaluation", IMPL,
     {"first": " rfl def alwaysTrue (n : Nat) : Bool := true attribute [implementedBy alwaysTrue] alwaysFalse",
      "bogus": " by nativeDecide"}, None),
])
def test_lean_s_own_account_refuses_each_cheat_without_the_words(tmp_path, monkeypatch, name, original, cheat,
                                                                 lean_says):
    # the word rule switched off: what refuses is the fresh check, #print axioms and #check
    from proofmend.provers.lean import audit as lean_audit

    monkeypatch.setattr(lean_audit, "body_problems", lambda body: [])
    v = judge(tmp_path, bodies(original, cheat), original)
    assert not v.accepted and "forbidden_in_body" not in v.reasons, (name, v.findings)
    if lean_says:
        assert lean_says in v.reasons, (name, v.findings)
    else:  # the spelling of the version that runs: its axiom, or (the other spelling) a failed check
        assert {"axiom_not_allowed", "compile_failed"} & set(v.reasons), (name, v.findings)
