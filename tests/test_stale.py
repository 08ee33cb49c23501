"""Stale-proof repair (``agent.proposers.stale.StaleProofRepairer``) in a real coqidetop session, and
through ``mend_path`` on a file whose proof broke after a rename."""

from __future__ import annotations

from pathlib import Path

from proofmend.agent.config import AgentConfig
from proofmend.agent.loop.repair import mend_path
from proofmend.agent.search import TacticSearch
from proofmend.agent.proposers.stale import StaleProofRepairer
from proofmend.provers.coq.check import check_file
from proofmend.provers.coq.project import CoqProject
from proofmend.provers.coq.session import ProofSession

from .conftest import needs_coq

pytestmark = needs_coq

RENAMED = """Require Import Arith.

Lemma add_zero_r : forall n : nat, n + 0 = n.
Proof. intros n. induction n; simpl; auto. Qed.

Lemma double_zero : forall n : nat, n + 0 + 0 = n."""
#: The proof written when the lemma above was still called plus_zero_r.
RENAMED_OLD = ["intros n.", "rewrite plus_zero_r.", "rewrite plus_zero_r.", "reflexivity."]

COLORS = """Inductive color := Red | Green | Blue.

Definition swap (c : color) : color :=
  match c with Red => Green | Green => Red | Blue => Blue end.

Lemma swap_swap : forall c, swap (swap c) = c."""
#: Written when color had two constructors.
COLORS_OLD = ["intros c.", "destruct c as [|].", "-", "reflexivity.", "-", "reflexivity."]


def repair(tmp_path: Path, prefix: str, old: list[str], scope: list[str], time_s: float = 30.0):
    with ProofSession(CoqProject(tmp_path), prefix + "\nProof.") as s:
        return StaleProofRepairer(s, TacticSearch(s), scope, old=old).propose(s.base, time_s)


def compiles(tmp_path: Path, prefix: str, script: tuple[str, ...]) -> bool:
    path = tmp_path / "Mended.v"
    path.write_text(prefix + "\nProof.\n" + "\n".join(script) + "\nQed.\n")
    return check_file(path).ok


def test_a_renamed_lemma_is_replaced_and_the_rest_kept(tmp_path):
    r = repair(tmp_path, RENAMED, RENAMED_OLD, ["add_zero_r"])
    assert r.exit == "proved"
    assert r.script == ("intros n.", "rewrite add_zero_r.", "rewrite add_zero_r.", "reflexivity.")
    assert (r.kept, r.repaired, r.dropped) == (2, 2, 0)
    assert compiles(tmp_path, RENAMED, r.script)


def test_a_new_constructor_gets_a_branch_and_the_old_branches_stay(tmp_path):
    r = repair(tmp_path, COLORS, COLORS_OLD, ["swap"])
    assert r.exit == "proved"
    script = list(r.script)
    # the intro pattern is widened to three cases; every other old sentence is kept as it was
    assert script[0] == "intros c." and script[1].startswith("destruct c as [|") and script[1].count("|") == 2
    assert script[2:6] == COLORS_OLD[2:6]
    assert script[6] == "-" and len(script) > 7  # the third branch, closed by the search
    assert r.kept == 5 and r.dropped == 0
    assert compiles(tmp_path, COLORS, r.script)


def test_the_sentences_that_still_run_are_kept_verbatim(tmp_path):
    # destruct without a pattern still runs: only the third branch is missing
    old = ["intros c.", "destruct c.", "-", "reflexivity.", "-", "reflexivity."]
    r = repair(tmp_path, COLORS, old, ["swap"])
    assert r.exit == "proved"
    assert list(r.script[:6]) == old and r.kept == 6
    assert compiles(tmp_path, COLORS, r.script)


#: ``lt_succ_self`` was renamed ``lt_self_succ``; the old name was kept for a lemma about something else.
REUSED = """Require Import Arith.

Lemma lt_self_succ : forall n : nat, n < S n.
Proof. intros; auto. Qed.

Lemma lt_succ_self : forall n m : nat, n + m = m + n.
Proof. intros; apply Nat.add_comm. Qed.

Lemma lt_S_S : forall n : nat, n < S (S n)."""
REUSED_OLD = ["intros n.", "apply Nat.lt_trans with (S n).", "apply lt_succ_self.", "apply lt_succ_self."]


def test_a_name_that_now_means_something_else_is_replaced_by_one_that_closes_the_goal(tmp_path):
    # ``eapply lt_succ_self`` would run too (and leave goals nothing closes): the repair that closes wins
    r = repair(tmp_path, REUSED, REUSED_OLD, ["lt_self_succ", "lt_succ_self"], time_s=20.0)
    assert r.exit == "proved"
    assert r.script == ("intros n.", "apply Nat.lt_trans with (S n).", "apply lt_self_succ.", "apply lt_self_succ.")
    assert (r.kept, r.repaired) == (2, 2)
    assert compiles(tmp_path, REUSED, r.script)


#: ``h`` was a match whose first branch computed; now both cases need what the second one did.
SIBLING = """Parameter m1 : nat -> nat.
Axiom m1_id : forall n, m1 n = n.

Definition h (n : nat) : nat := m1 n.

Lemma h_id : forall n, h n = n."""
SIBLING_OLD = ["intros n.", "destruct n.", "-", "reflexivity.", "-", "unfold h; apply m1_id."]


def test_a_failing_branch_takes_the_tactic_of_its_sibling_that_closes_it(tmp_path):
    r = repair(tmp_path, SIBLING, SIBLING_OLD, ["m1_id", "h"], time_s=20.0)
    assert r.exit == "proved"
    assert r.script == ("intros n.", "destruct n.", "-", "unfold h; apply m1_id.", "-", "unfold h; apply m1_id.")
    assert (r.kept, r.repaired, r.dropped) == (5, 1, 0)


#: ``c true`` was 0: the first branch's old tactic no longer finishes it, and the bullet after it fails.
UNFINISHED = """Parameter P : nat -> Prop.
Axiom P0 : P 0.
Axiom P1 : P 1.

Definition c (b : bool) : nat := if b then 1 else 0.

Lemma Pc : forall b, P (c b)."""
UNFINISHED_OLD = ["intros b.", "destruct b; simpl.", "-", "auto using P0.", "-", "auto using P0."]


def test_a_goal_the_old_tactics_leave_open_is_closed_before_the_next_bullet(tmp_path):
    r = repair(tmp_path, UNFINISHED, UNFINISHED_OLD, ["P0", "P1", "c"], time_s=20.0)
    assert r.exit == "proved"
    script = list(r.script)
    assert script[:4] == UNFINISHED_OLD[:4] and script[-2:] == UNFINISHED_OLD[-2:]
    assert len(script) > 6 and "P1" in " ".join(script[4:-2])  # the search's closing steps, before the bullet
    assert compiles(tmp_path, UNFINISHED, r.script)


def test_no_script_when_the_old_proof_cannot_be_mended(tmp_path):
    prefix = "Require Import Arith.\n\nLemma not_true : forall n : nat, n + 1 = n."  # false: nothing proves it
    r = repair(tmp_path, prefix, ["intros n.", "rewrite plus_one_gone.", "reflexivity."], [], time_s=3.0)
    assert r.exit in ("stuck", "time") and r.script is None and r.proof is None
    assert r.seconds < 3.0 + 3.0, r.seconds  # its own time, plus at most one tactic's limit


def test_mend_path_changes_only_the_renamed_name(tmp_path):
    body = "\nProof.\n  intros n.\n  rewrite plus_zero_r.\n  rewrite plus_zero_r.\n  reflexivity.\nQed.\n"
    f = tmp_path / "Renamed.v"
    f.write_text(RENAMED + body)
    report = mend_path(f, AgentConfig(timeout_s=60))
    [hole] = report.holes
    assert (hole.theorem, hole.status, hole.exit) == ("double_zero", "fixed", "proved")
    [file_report] = report.files
    assert file_report.new_text == RENAMED + body.replace("plus_zero_r", "add_zero_r")
    assert f.read_text() == RENAMED + body  # nothing written without --write


#: A library lemma renamed by swapping its words (as the standard library's own renamings go), among
#: lemmas whose names look closer letter by letter; the old proof rewrites with the old name.
SWAPPED = """Require Import List Lia.

Lemma length_firstn_le : forall (l : list nat) n, n <= length l -> length (firstn n l) = n.
Proof. intros l n H. rewrite firstn_length. lia. Qed.

Lemma length_skip_ok : forall (l : list nat), length l = length l.
Proof. reflexivity. Qed.

Lemma skip_length : forall n (l : list nat), length (skipn n l) = length l - n.
Proof. intros n l. apply skipn_length. Qed.

Lemma drop_two : forall (l : list nat), length (skipn 2 l) + 2 >= length l."""
SWAPPED_OLD = ["intros l.", "rewrite length_skip.", "lia."]


def test_a_name_whose_words_were_swapped_is_found_before_names_spelled_closer(tmp_path):
    from proofmend.agent.proposers.stale import rank_similar

    pool = ["length_skip_ok", "skipn", "length_firstn_le", "skip_length", "firstn_skipn"]
    assert rank_similar("length_skip", pool)[0] == "skip_length"
    assert rank_similar("app_length", ["length_app", "app_length_le", "map_length"])[0] == "length_app"
    # a section variable renamed (huffman's eqA_dec -> A_eq_dec) among the many library eq_dec: spelling leads,
    # and the goal's own names come before a library's namesakes
    library = [f"{m}.eq_dec" for m in ("Nat", "Z", "N", "Pos", "Fin", "Bool", "Ascii", "String", "Q", "Z.Even",
                                       "List", "Vector", "Byte", "PeanoNat.Nat")] + ["eqb_dec", "le_dec"]
    ranked = rank_similar("eqA_dec", library + ["A_eq_dec"], near={"A_eq_dec"})
    assert ranked[0] == "A_eq_dec", ranked
    r = repair(tmp_path, SWAPPED, SWAPPED_OLD, ["length_firstn_le", "length_skip_ok", "skip_length"])
    assert r.exit == "proved", r.notes
    assert r.script == ("intros l.", "rewrite skip_length.", "lia."), r.script
    assert compiles(tmp_path, SWAPPED, r.script)
