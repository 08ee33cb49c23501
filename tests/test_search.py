"""The offline tactic search (``agent.search.TacticSearch``) on real goals in a real coqidetop session."""

from __future__ import annotations

from pathlib import Path

import pytest

from proofmend.agent.config import SearchConfig
from proofmend.agent.search import TacticSearch
from proofmend.provers.coq.check import check_file
from proofmend.provers.coq.project import CoqProject
from proofmend.provers.coq.session import ProofSession
from proofmend.provers.results import TacticOk

from .conftest import needs_coq

pytestmark = needs_coq

HEADER = "Require Import Arith Lia List.\nImport ListNotations.\n"
#: Not provable (false for n = m = 1), with a search space far larger than any limit below.
FALSE_EQUATION = "Lemma e : forall n m : nat, n * m = m + n."


def session_at(tmp_path: Path, statement: str) -> ProofSession:
    return ProofSession(CoqProject(tmp_path), f"{HEADER}{statement}\nProof.")


def compiles(tmp_path: Path, statement: str, script: tuple[str, ...]) -> bool:
    """A fresh ``coqc`` accepts ``statement`` with ``script`` as its proof."""
    path = tmp_path / "Found.v"
    path.write_text(f"{HEADER}{statement}\nProof.\n" + "\n".join(script) + "\nQed.\n")
    return check_file(path).ok


@pytest.mark.parametrize("statement", [
    "Lemma add_comm' : forall n m : nat, n + m = m + n.",  # arithmetic automation
    "Lemma app_nil : forall l : list nat, l ++ [] = l.",  # a list identity
    "Lemma rev_rev : forall (A : Type) (l : list A), rev (rev l) = l.",  # needs a library lemma
])
def test_easy_goals_are_proved_and_the_script_compiles(tmp_path, statement):
    # Budgets only a broken search reaches: the verdict is the search's, not how fast a loaded machine answers
    # (with 20 s and a 0.5 s closer, rev_rev ran out under load).
    generous = SearchConfig(time_s=300, step_timeout_s=30, closer_timeout_s=10, query_timeout_s=60)
    with session_at(tmp_path, statement) as s:
        r = TacticSearch(s, generous).search()
    assert r.exit == "proved" and r.script, r
    assert r.proof == "\n".join(r.script)
    assert compiles(tmp_path, statement, r.script), r.script


def test_the_script_starts_at_the_given_checkpoint(tmp_path):
    statement = "Lemma mul_comm' : forall n m : nat, n * m = m * n."
    with session_at(tmp_path, statement) as s:
        step = s.run("intros a b.")
        assert isinstance(step, TacticOk)
        r = TacticSearch(s, SearchConfig(step_timeout_s=30, closer_timeout_s=10, query_timeout_s=60)).search(
            at=step.checkpoint, time_s=300)
        assert r.exit == "proved"
        assert not any(t.startswith("intros a b") for t in r.script)
        replay = s.run("\n".join(r.script), at=step.checkpoint)
        assert isinstance(replay, TacticOk) and replay.finished
    assert compiles(tmp_path, statement, ("intros a b.", *r.script))


def test_an_unprovable_goal_gives_no_script_and_each_state_is_expanded_once(tmp_path):
    # Two states only: the goal and, after any of intros / intro / intros P, "P : Prop |- P".
    with session_at(tmp_path, "Lemma anything : forall P : Prop, P.") as s:
        search = TacticSearch(s, SearchConfig(max_nodes=50, time_s=20))
        r = search.search()
    assert r.exit == "exhausted"
    assert r.script is None and r.proof is None
    assert r.nodes == 2, r
    assert search.tries > r.nodes  # many tactics were tried, few states were new


def test_the_node_limit_ends_the_search(tmp_path):
    with session_at(tmp_path, FALSE_EQUATION) as s:
        r = TacticSearch(s, SearchConfig(max_nodes=3, time_s=60)).search()
    assert (r.exit, r.nodes, r.script) == ("nodes", 3, None)


def test_the_time_limit_ends_the_search(tmp_path):
    config = SearchConfig(max_nodes=100_000, time_s=60)
    with session_at(tmp_path, FALSE_EQUATION) as s:
        r = TacticSearch(s, config).search(time_s=1.0)
    assert (r.exit, r.script) == ("time", None)
    # one tactic may still be running when the time is up: it is cut at its own limit
    assert 1.0 <= r.seconds < 1.0 + config.step_timeout_s + 1.0, r.seconds


def test_a_hypothesis_is_taken_apart_with_the_lemma_of_its_shape(tmp_path):
    # the library states it as an equivalence the other way round (in_map_iff): the search applies it to the
    # hypothesis, which no step written from the goal's constants reached within 20 s before
    statement = ("Lemma in_map_back : forall (A B : Type) (f : A -> B) (b : B) (l : list A),"
                 " In b (map f l) -> exists a, In a l /\\ b = f a.")
    generous = SearchConfig(time_s=300, step_timeout_s=30, closer_timeout_s=10, query_timeout_s=60)
    with session_at(tmp_path, statement) as s:
        r = s.run("intros A B f b l H.", at=s.base)
        assert isinstance(r, TacticOk)
        steps = TacticSearch(s, generous)._hypothesis_steps(r.goals.foreground[0])
        assert "apply in_map_iff in H" in steps, steps
        found = TacticSearch(s, generous).search()
    assert found.exit == "proved" and found.script, found
    assert compiles(tmp_path, statement, found.script), found.script
