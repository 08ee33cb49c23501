"""The LLM proposer through the public solver (``mend_path``, which runs ``HoleSolver.solve``)
with ``replay:`` models, against the real coqidetop and coqc.

The tactic search is switched off (``search_first_s=0``, ``search_after_model=False``) so that
every proof tried comes from a reply.
"""

from __future__ import annotations

import json
from pathlib import Path

from proofmend.agent.config import AgentConfig
from proofmend.agent.loop.repair import mend_path
from proofmend.agent.trajectory import Trace
from proofmend.provers.coq.project import CoqProject
from proofmend.provers.coq.session import ProofSession
from proofmend.provers.results import TacticOk

from .conftest import needs_coq

pytestmark = needs_coq

SOURCE = """Require Import Arith Lia.

Lemma le_double : forall n : nat, n <= n + n.
Proof.
Admitted.
"""
WRONG = "```coq\nProof.\n  intros n. reflexivity.\nQed.\n```"
RIGHT = "Here it is:\n```coq\nProof.\n  intros n. lia.\nQed.\n```"
WRONG_ERROR = 'Unable to unify "n + n" with "n".'


def solve(tmp_path: Path, replies: list[str], **config):
    """Mend SOURCE with ``replies`` served in order; the hole's result and the trace's events."""
    f = tmp_path / "L.v"
    f.write_text(SOURCE)
    replay = tmp_path / "replies.jsonl"
    replay.write_text("".join(json.dumps({"content": r}) + "\n" for r in replies))
    # the drafts proposer (whole proofs and repair rounds) is what these tests are about, not the default strategy
    settings = dict(model=f"replay:{replay}", search_first_s=0, search_after_model=False, timeout_s=60,
                    strategy=("stale", "search", "llm"))
    with Trace(tmp_path / "trace.jsonl") as trace:
        report = mend_path(f, AgentConfig(**{**settings, **config}), trace=trace)
    assert f.read_text() == SOURCE  # nothing written without --write
    [hole] = report.holes
    events = [json.loads(line) for line in (tmp_path / "trace.jsonl").read_text().splitlines()]
    return hole, events


def of(events: list[dict], kind: str) -> list[dict]:
    return [e for e in events if e["event"] == kind]


def test_a_wrong_reply_then_a_right_one(tmp_path):
    hole, events = solve(tmp_path, [WRONG, RIGHT])
    assert (hole.status, hole.exit, hole.attempts) == ("fixed", "proved", 2)
    assert hole.proof == "Proof.\n  intros n. lia.\nQed."
    checks = of(events, "check")
    assert [(c["proof"], c["ok"]) for c in checks] == [("intros n. reflexivity.", False), ("intros n. lia.", True)]
    assert WRONG_ERROR in checks[0]["error"]
    # the second request shows the model what Coq said about the first reply
    calls = of(events, "model_call")
    assert len(calls) == 2
    assert not any(WRONG_ERROR in m["content"] for m in calls[0]["messages"])
    assert WRONG_ERROR in calls[1]["messages"][-1]["content"]


def test_a_hostile_reply_is_never_run_in_coq(tmp_path):
    witness = tmp_path / "pwned"  # Redirect writes pwned.out
    redirect = f'Redirect "{witness}" Print nat.'
    hostile = f"```coq\nProof.\n  {redirect} intros n. lia.\nQed.\n```"
    # run in a live session, the sentence does write its file ...
    with ProofSession(CoqProject(tmp_path), "Lemma t : True.\nProof.") as s:
        assert isinstance(s.run(redirect), TacticOk)
    assert (tmp_path / "pwned.out").exists()
    (tmp_path / "pwned.out").unlink()
    # ... from a model it is refused before it reaches Coq, and the model is told why
    hole, events = solve(tmp_path, [hostile, RIGHT])
    assert (hole.status, hole.exit, hole.proof) == ("fixed", "proved", "Proof.\n  intros n. lia.\nQed.")
    assert not (tmp_path / "pwned.out").exists()
    assert "Redirect" not in (hole.proof or "")
    first = of(events, "check")[0]
    assert first["ok"] is False and "Redirect" in first["error"]
    assert "Redirect" in of(events, "model_call")[1]["messages"][-1]["content"]


def test_a_hostile_reply_alone_leaves_the_hole_unsolved(tmp_path):
    witness = tmp_path / "pwned"
    hole, _ = solve(tmp_path, [f'```coq\nProof.\n  Redirect "{witness}" Print nat.\n  intros n. lia.\nQed.\n```'])
    assert (hole.status, hole.proof) == ("unsolved", None)
    assert not (tmp_path / "pwned.out").exists()


def test_an_exhausted_replay_ends_with_its_named_exit(tmp_path):
    hole, events = solve(tmp_path, [WRONG], attempts=8)
    assert (hole.status, hole.exit, hole.proof, hole.attempts) == ("unsolved", "model_exhausted", None, 1)
    assert "exhausted" in hole.error
    assert len(of(events, "model_call")) == 1
    assert of(events, "hole_end")[0]["exit"] == "model_exhausted"


def test_the_attempt_limit_ends_before_the_replies_do(tmp_path):
    hole, events = solve(tmp_path, [WRONG, WRONG, RIGHT], attempts=2)
    assert (hole.status, hole.exit, hole.attempts) == ("unsolved", "attempts_exhausted", 2)
    assert len(of(events, "model_call")) == 2
