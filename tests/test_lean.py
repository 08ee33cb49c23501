"""The Lean backend's text side (messages, declarations, steps, goals, forbidden words) and its batch check.

The batch check runs the real ``lean`` (``PROOFMEND_LEAN`` or PATH, with
``LEAN_PATH`` as the toolchain needs it) and is skipped where there is none.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from proofmend.provers.errors import ProverNotInstalledError
from proofmend.provers.lean.audit import body_problems
from proofmend.provers.lean.batch import check_lean_file, parse_messages, parse_plain
from proofmend.provers.lean.locator import parse_lean
from proofmend.provers.lean.session import parse_goal, split_steps
from proofmend.provers.lean.toolchain import LEAN_ENV, have_lean, lake_root

needs_lean = pytest.mark.skipif(not have_lean(), reason=f"Lean 4 is not installed (lean on PATH or {LEAN_ENV})")


def test_parse_lean_json_messages():
    out = (
        '{"severity":"error","pos":{"line":3,"column":2},"endPos":{"line":3,"column":7},'
        '"fileName":"A.lean","data":"unknown identifier \'foo\'"}\n'
        '{"severity":"warning","pos":{"line":5,"column":0},"endPos":null,"fileName":"A.lean","data":"declaration uses \'sorry\'"}\n'
        "not json\n"
    )
    ds = parse_messages(out)
    assert [(d.severity, d.line, d.col, d.end_col) for d in ds] == [("error", 3, 2, 7), ("warning", 5, 0, 0)]
    assert "unknown identifier" in ds[0].message


def test_parse_plain_messages_multi_line():
    out = ("/tmp/x/A.lean:3:2: error: unsolved goals\n"
           "n : Nat\n"
           "⊢ n + 0 = n\n"
           "/tmp/x/A.lean:7:8: warning: declaration uses 'sorry'\n"
           "/tmp/x/A.lean:9:0: 'foo' depends on axioms: [propext]\n")
    ds = parse_plain(out, "/tmp/x/A.lean")
    assert [(d.severity, d.line, d.col) for d in ds] == [("error", 3, 2), ("warning", 7, 8), ("info", 9, 0)]
    assert ds[0].message == "unsolved goals\nn : Nat\n⊢ n + 0 = n"
    assert ds[2].message == "'foo' depends on axioms: [propext]"


SOURCE = '''/-! A module doc comment: theorem fake : False := sorry -/
namespace Foo

def double (n : Nat) : Nat := n + n  -- twice

/-- doc -/
@[simp] theorem double_zero : double 0 = 0 := rfl

@[simp]
private theorem add_zero' (n : Nat) : n + 0 = n := by
  sorry
-- a comment that belongs to no proof

instance : Inhabited Nat where
  default := 0

theorem t2 (x : Nat) (h : x = 'a'.toNat) : x = x := by intro; exact "s:=" ▸ rfl
end Foo

theorem _root_.bar : True := trivial
theorem len : ∀ (xs : List Nat), xs.length ≥ 0
  | [] => Nat.le_refl 0
  | _ :: _ => Nat.zero_le _
example : 1 = 1 := by admit
'''


def test_locator_finds_declarations_bodies_and_holes():
    doc = parse_lean(SOURCE)
    rows = [(d.keyword, d.qualname, d.hole, doc.body(d) if d.body_start is not None else None) for d in doc.decls]
    assert rows == [
        ("def", "Foo.double", False, " n + n"),
        ("theorem", "Foo.double_zero", False, " rfl"),
        ("theorem", "Foo.add_zero'", True, " by\n  sorry"),
        ("instance", "", False, None),
        ("theorem", "Foo.t2", False, ' by intro; exact "s:=" ▸ rfl'),
        ("theorem", "bar", False, " trivial"),
        ("theorem", "len", False, None),
        ("example", "", True, " by admit"),
    ]
    # the doc comment and the attribute belong to their declaration
    assert SOURCE[doc.decls[1].start:].startswith("/-- doc -/")
    assert SOURCE[doc.decls[2].start:].startswith("@[simp]\nprivate theorem")
    # replacing one body keeps everything else, the trailing comment included
    new = doc.with_bodies({2: " by\n  simp"})
    assert "-- a comment that belongs to no proof" in new and "sorry" not in new.split("namespace")[1]


def test_steps_keep_continuation_lines_together():
    text = """
    intro n
    induction n with
    | zero => rfl
    | succ n ih =>
      simp [ih]
    cases h <;> simp
      <;> rfl
    """
    assert split_steps(text) == ["intro n", "induction n with\n| zero => rfl\n| succ n ih =>\n  simp [ih]",
                                 "cases h <;> simp\n  <;> rfl"]


def test_goal_text_becomes_hypotheses_and_conclusion():
    g = parse_goal("case succ\nn : Nat\nih : add 0 n = n\n⊢ add 0 (n + 1) =\n    n + 1")
    assert g.hypotheses == ("n : Nat", "ih : add 0 n = n")
    assert g.conclusion == "add 0 (n + 1) = n + 1"


@pytest.mark.parametrize("body, word", [
    (" by\n  sorry", "sorry"),
    (" by admit", "admit"),
    (" sorryAx _ false", "sorryAx"),
    (" by exact (sorryAx _)", "sorryAx"),
    (" by simp\n\naxiom cheat : False", "axiom"),
    (" by simp\ntheorem other : False := sorry", "theorem"),
    (" by decide\n@[implemented_by foo] def f := 1", "@["),
    (" by nativeDecide", "nativeDecide"),
    (" by native_decide", "native_decide"),
    (" by exact Lean.ofReduceBool _ _ rfl", "Lean.ofReduceBool"),
    (" rfl end Foo def Foo.f := 2", "end"),
    (" by simp\n#eval 1", "#eval"),
    (" by\n  set_option maxHeartbeats 0 in simp", "set_option"),
    (" by unsafe_tac", None),
    (" rfl unsafe def g : Nat := 0", "unsafe"),
    (" by\n  simp\n  unif_hint (n : Nat) where n =?= 0 |- add n 0 =?= n", "unif_hint"),
    (" by decide\n  register_simp_attr cheat", "register_simp_attr"),
])
def test_forbidden_words_in_a_body(body, word):
    problems = body_problems(body)
    if word is None:
        assert problems == []
    else:
        assert any(f"'{word}'" in p for p in problems), problems


def test_allowed_bodies_have_no_problem():
    for body in (" by\n  induction n with\n  | zero => rfl\n  | succ n ih => simp [ih]  -- sorry, not sorry",
                 ' by exact "theorem sorry axiom"', " fun x => x", " by simp [#[1, 2].size]",
                 " by\n  /- axiom in a comment -/ decide"):
        assert body_problems(body) == [], body


def test_lake_project_is_found_from_a_nested_file(tmp_path: Path):
    (tmp_path / "lakefile.lean").write_text("-- a Lake project\n")
    nested = tmp_path / "Src" / "Deep"
    nested.mkdir(parents=True)
    (nested / "A.lean").write_text("theorem t : True := trivial\n")
    assert lake_root(nested / "A.lean") == tmp_path
    assert lake_root(tmp_path.parent / "elsewhere.lean") is None


def test_without_lean_the_backend_says_so(tmp_path, monkeypatch):
    f = tmp_path / "A.lean"
    f.write_text("theorem t : True := trivial\n")
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH without lean
    monkeypatch.delenv(LEAN_ENV, raising=False)
    with pytest.raises(ProverNotInstalledError, match="lean not found"):
        check_lean_file(f)
    monkeypatch.setenv(LEAN_ENV, str(tmp_path / "no-such-lean"))
    with pytest.raises(ProverNotInstalledError, match=LEAN_ENV):
        check_lean_file(f)


@needs_lean
def test_real_lean_batch_check(tmp_path):
    f = tmp_path / "A.lean"
    # a term sorry and a tactic one that both versions read (the 2021 build has no 'sorry' tactic)
    f.write_text("theorem t : True := trivial\n\ntheorem u : 1 = 2 := sorry\n\ntheorem w : 2 = 2 := by\n  exact rfl\n\n"
                 "theorem x (n : Nat) : n = n := by\n  exact sorry\n")
    r = check_lean_file(f)
    assert r.compiled and not r.errors
    assert [(h.theorem, h.kind) for h in r.holes] == [("u", "sorry"), ("x", "sorry")]
    f.write_text("theorem t : True := trivial\n\ntheorem v (n : Nat) : n + 0 = n + 1 := by\n  rfl\n")
    r = check_lean_file(f)
    assert not r.compiled and len(r.errors) == 1 and r.errors[0].line == 4


def test_lean_portfolio_reads_lean_goals():
    from proofmend.agent.proposers.lean_tactics import binders, constants, lean_combos, lean_steps, render_lean_body
    from proofmend.provers.results import Goal

    g = Goal((), "∀ (xs ys : List α) (n : Nat), len (app xs ys) = len xs + len ys + n * 0")
    assert binders(g.conclusion) == [("xs", "List α"), ("ys", "List α"), ("n", "Nat")]
    assert constants(g) == ["len", "app"]
    # universe levels and inaccessible names, as the 2021 build prints them, are not definitions
    g2 = Goal(("α : Type u_1", "head✝ : α", "tail✝ : List α", "tail_ih✝ : app tail✝ [] = tail✝"),
              "app (head✝ :: tail✝) [] = head✝ :: tail✝")
    assert constants(g2) == ["app"]
    assert "induction tail✝ <;> simp_all [app]" not in lean_combos(g2)
    combos = lean_combos(g)
    assert "intro xs ys n; induction xs <;> simp_all [len, app]" in combos
    steps = lean_steps(g, [], ["app"])
    assert steps[0] == "intro xs ys n" and "simp only [app]" in steps
    h = Goal(("n : Nat", "ih : add 0 n = n"), "add 0 (n + 1) = n + 1")
    steps = lean_steps(h, [], ["add"])
    assert "induction n with\n| zero => ?_\n| succ n ih => ?_" in steps
    assert "rw [ih]" in steps and "simp [add]" in steps
    assert render_lean_body(["intro n", "induction n with\n| zero => rfl\n| succ n ih => simp"], "    ") == (
        " by\n    intro n\n    induction n with\n    | zero => rfl\n    | succ n ih => simp")


def test_a_lean_verdict_is_what_the_agent_s_loop_reads():
    # the loop and the hole read these of any prover's verdict (and replace rests_on)
    from dataclasses import fields, replace

    from proofmend.provers.coq.audit import Verdict as CoqVerdict
    from proofmend.provers.lean.audit import Finding, Reason, Verdict

    v = replace(Verdict(False, (Finding(Reason.USES_SORRY, "x", "t"),), ("t",)), rests_on={"t": ("u",)})
    assert v.reasons == ["uses_sorry"] and v.rests_on == {"t": ("u",)} and not v.conditional
    assert replace(Verdict(True), rests_on={"t": ("u",)}).conditional
    mine = {f.name for f in fields(Verdict)}
    assert {"accepted", "findings", "changed", "assumptions", "rests_on"} <= mine
    assert {f.name for f in fields(CoqVerdict)} - mine <= {"compile_seconds", "kernel_axioms"}


def test_probe_answers_are_cut_at_the_markers_in_either_output_form():
    # the 2021 build prints information messages with no position; a version that gives them one is read alike
    from proofmend.provers.lean.audit import _axioms, _probe_messages

    probes = {0: ("axioms", 3), 1: ("check", 3)}
    old = ("/t/A.lean:4:8: warning: declaration uses 'sorry'\nM-0\n'add_comm'' depends on axioms: [propext,\n Quot.sound]\n"
           "M-1\nadd_comm' : ∀ (n m : Nat),\n  add n m = add m n\n")
    new = ("/t/A.lean:4:8: warning: declaration uses 'sorry'\n/t/A.lean:9:0: info: M-0\n"
           "/t/A.lean:10:0: info: 'add_comm'' depends on axioms: [propext,\n Quot.sound]\n"
           "/t/A.lean:11:0: info: M-1\n/t/A.lean:12:0: info: add_comm' : ∀ (n m : Nat),\n  add n m = add m n\n")
    for out in (old, new):
        own, got = _probe_messages(out, "A.lean", "M-", probes)
        assert own == "/t/A.lean:4:8: warning: declaration uses 'sorry'"
        assert _axioms(got[("axioms", 3)]) == ("propext", "Quot.sound")
        assert got[("check", 3)] == "add_comm' : ∀ (n m : Nat),\n  add n m = add m n"
    # a probe Lean refused keeps its error; a forged marker (no such probe number) is ordinary output
    _, got = _probe_messages("M-0\n/t/A.lean:9:14: error: unknown constant 'x'\nM-7\n", "A.lean", "M-", probes)
    assert got[("axioms", 3)] == "error: unknown constant 'x'\nM-7" and _axioms(got[("axioms", 3)]) is None
    assert _axioms("'a''' does not depend on any axioms") == ()


def test_an_unknown_tactic_is_named_for_the_search_and_the_model():
    from proofmend.provers.diagnostics import Diagnostic
    from proofmend.provers.lean.session import name_unknown_tactic

    text = "theorem t : 1 = 1 := by\n  intro n; omega\n"
    for col in (11, 12):  # at the word (current Lean) or one character into it (the 2021 build)
        d = name_unknown_tactic(Diagnostic("error", "unknown tactic", 2, col, 2, col), text)
        assert d.message == "unknown tactic 'omega'"
    other = Diagnostic("error", "unknown identifier 'x'", 2, 2, 2, 2)
    assert name_unknown_tactic(other, text) is other
    from proofmend.agent.proposers.lean_tactics import LEAN_TACTICS

    m = LEAN_TACTICS.unknown.search("unknown tactic 'omega'")
    assert m and m.group(1) == "omega" in LEAN_TACTICS.missing_tactics


def test_the_search_uses_the_file_s_proven_theorems_and_arithmetic():
    from proofmend.agent.loop.lean_repair import LeanMender
    from proofmend.agent.proposers.lean_tactics import ARITH, lean_combos, lean_steps
    from proofmend.provers.results import Goal

    text = ("def add : Nat → Nat → Nat\n  | n, 0 => n\n  | n, m+1 => add n m + 1\n\n"
            "theorem zero_add_left (n : Nat) : add 0 n = n := by\n  induction n <;> simp_all [add]\n\n"
            "theorem hole_before (n : Nat) : add n 0 = n := sorry\n\n"
            "theorem add_comm' (n m : Nat) : add n m = add m n := sorry\n")
    doc = parse_lean(text)
    # a theorem that is a hole is no premise (a proof resting on it would rest on sorry), unless mended
    assert LeanMender._scope(doc, 3, set(), {}) == ("add", "zero_add_left")
    assert LeanMender._scope(doc, 3, set(), {2: " rfl"}) == ("add", "zero_add_left", "hole_before")
    assert LeanMender._scope(doc, 3, {1}, {}) == ("add",)  # a failing proof neither
    g = Goal(("n m : Nat",), "add n m = add m n")
    names = ["add", "zero_add_left"]
    assert "induction m <;> simp_all [add, zero_add_left]" in lean_steps(g, names, names)
    assert not any("zero_add_left" in s for s in lean_steps(g, [], ["add"]))
    sums = Goal(("xs ys : List α",), "len (app xs ys) = len xs + len ys")
    assert f"induction xs <;> simp_all [len, app, {', '.join(ARITH)}]" in lean_combos(sums)


def test_the_search_splits_on_a_boolean_test_and_closes_by_computation_or_ih():
    from proofmend.agent.proposers.lean_tactics import lean_combos, lean_steps
    from proofmend.provers.results import Goal

    g = Goal(("p : α → Bool", "x : α", "xs : List α"),
             "(if p x = true then count p xs + 1 else count p xs) = len xs + 1")
    assert [s.split(" <;>")[0] for s in lean_steps(g, [], ["count"]) if s.startswith("cases h")] == ["cases h : p x"]
    hidden = Goal(("head✝ : α",), "(if p head✝ = true then 1 else 0) = 1")
    assert not any(s.startswith("cases h") for s in lean_steps(hidden, [], []))
    assert "induction n <;> first | rfl | assumption" in lean_combos(Goal(("n : Nat",), "isEven (double n) = true"))
    walk = lean_combos(Goal(("p : α → Bool", "xs : List α"), "count p xs ≤ len xs"))
    assert ("induction xs with\n| nil => simp_all [count, len]\n| cons hd tl ih => cases h : p hd <;> "
            "simp_all [count, len, Nat.add_assoc, Nat.add_comm, Nat.add_left_comm]") in walk
    two = lean_combos(Goal(("a b : Nat", "xs : List Nat"), "nmax a b = nmax b a"))
    assert "induction a generalizing b <;> cases b <;> simp_all [nmax]" in two
    assert not any("generalizing xs" in c or "generalizing a" in c and "cases xs" in c for c in two)
