"""The step search (``--strategy llm-search``): the model proposes next tactics inside a best-first search.

Driven by ``replay:`` models through the public solver (``mend_path``), against the real coqidetop and coqc.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from proofmend.agent.config import AgentConfig, SearchConfig
from proofmend.agent.models import ReplayModel
from proofmend.agent.loop.repair import mend_path
from proofmend.agent.proposers.stepsearch import RANK_PRIOR, parse_suggestions, refusal
from proofmend.agent.trajectory import Trace
from proofmend.provers.coq.project import CoqProject
from proofmend.provers.coq.session import ProofSession
from proofmend.provers.results import TacticOk

from .conftest import needs_coq

CONTEXT = """Require Import Arith Lia.

Definition clamp (n : nat) : nat := match n with 0 => 0 | S k => S k end.

Lemma clamp_id : forall n, clamp n = n.
Proof. destruct n; reflexivity. Qed.

"""
USE = CONTEXT + "Lemma use_clamp : forall n m, clamp n + clamp m = m + n.\nProof.\nAdmitted.\n"
CLOSE = "intros; rewrite !clamp_id; lia."


def block(*lines: str) -> str:
    return "```coq\n" + "\n".join(lines) + "\n```"


def solve(tmp_path: Path, source: str, replies: list, **config):
    """Mend ``source`` with ``replies`` (a content string, or a dict with logprobs) served in order."""
    f = tmp_path / "L.v"
    f.write_text(source)
    replay = tmp_path / "replies.jsonl"
    replay.write_text("".join(json.dumps(r if isinstance(r, dict) else {"content": r}) + "\n" for r in replies))
    settings = dict(model=f"replay:{replay}", strategy=("llm-search",), timeout_s=60)
    with Trace(tmp_path / "trace.jsonl") as trace:
        report = mend_path(f, AgentConfig(**{**settings, **config}), trace=trace)
    assert f.read_text() == source  # nothing written without --write
    [hole] = report.holes
    events = [json.loads(line) for line in (tmp_path / "trace.jsonl").read_text().splitlines()]
    return hole, events


def of(events: list[dict], kind: str) -> list[dict]:
    return [e for e in events if e["event"] == kind]


# ------------------------------------------------------------------ reading replies (no prover)
def test_suggestions_are_read_one_per_line_from_the_block():
    reply = "Try these:\n```coq\n1. intros n m.\n- simpl\n* induction n; simpl; auto.\nintros n m.\n\n(* a note *)\n```\ntext"
    assert [s.tactic for s in parse_suggestions(reply, 8)] == ["intros n m.", "simpl.", "induction n; simpl; auto."]
    assert [s.tactic for s in parse_suggestions(reply, 2)] == ["intros n m.", "simpl."]
    assert [s.prior for s in parse_suggestions(reply, 8)] == [0.0, RANK_PRIOR, 2 * RANK_PRIOR]
    assert [s.tactic for s in parse_suggestions("auto.\nlia", 4)] == ["auto.", "lia."]  # no block: every line


def test_log_probabilities_rank_the_lines_where_the_server_gives_them():
    content = "```coq\nintros n.\nintros n m.\n```"
    chunks = ["```", "coq", "\n", "intros", " n", ".", "\n", "intros", " n", " m", ".", "\n", "```"]
    assert "".join(chunks) == content
    lps = [0.0, 0.0, 0.0, -1.5, -1.5, -1.5, 0.0, -0.1, -0.1, -0.1, -0.1, 0.0, 0.0]
    a, b = parse_suggestions(content, 4, tuple(zip(chunks, lps)))
    assert (a.tactic, b.tactic) == ("intros n.", "intros n m.")
    assert a.prior == pytest.approx(1.5) and b.prior == pytest.approx(0.1)
    # tokens that do not spell the reply are not trusted: the order in the reply counts instead
    a, b = parse_suggestions(content, 4, (("x", -5.0),))
    assert (a.prior, b.prior) == (0.0, RANK_PRIOR)


@pytest.mark.parametrize("tactic", ['Redirect "x" Print nat.', "admit.", "Qed.", "Admitted.", "Abort.",
                                    "intros. Axiom ax : False.", "give_up.", "Unset Guard Checking."])
def test_hostile_or_terminating_suggestions_are_refused(tactic):
    assert refusal(tactic) is not None


@pytest.mark.parametrize("tactic", ["intros n m.", "induction n as [|k IH]; simpl; auto.", "rewrite !clamp_id; lia."])
def test_ordinary_tactics_are_not_refused(tactic):
    assert refusal(tactic) is None


def test_replay_gives_log_probabilities_only_when_asked(tmp_path):
    f = tmp_path / "r.jsonl"
    f.write_text(json.dumps({"content": "auto.", "logprobs": [["auto", -0.5], [".", -0.1]]}) + "\n" +
                 json.dumps({"content": "auto."}) + "\n")
    m = ReplayModel(f)
    assert m.complete([], logprobs=True).logprobs == (("auto", -0.5), (".", -0.1))
    assert m.complete([], logprobs=True).logprobs is None  # none recorded: none given


def test_log_probabilities_are_read_from_a_server_reply_and_kept_by_the_cache(tmp_path):
    from proofmend.agent.models import ResponseCache, _token_logprobs
    from proofmend.protocols import Completion

    choice = {"message": {"content": "auto."}, "logprobs": {"content": [
        {"token": "auto", "logprob": -0.25, "top_logprobs": []}, {"token": ".", "logprob": -0.5}]}}
    assert _token_logprobs(choice) == (("auto", -0.25), (".", -0.5))
    assert _token_logprobs({"message": {"content": "auto."}, "logprobs": None}) is None
    cache = ResponseCache(tmp_path)
    cache.put("k", Completion("auto.", 3, 2, None, 1.0, logprobs=(("auto", -0.25), (".", -0.5))))
    assert cache.get("k").logprobs == (("auto", -0.25), (".", -0.5))


# ------------------------------------------------------------------ with Coq
@needs_coq
def test_a_suggestion_that_closes_the_goal(tmp_path):
    hole, events = solve(tmp_path, USE, [block("reflexivity.", CLOSE)])
    assert (hole.status, hole.exit, hole.attempts) == ("fixed", "proved", 1)
    assert hole.proof == f"Proof.\n  {CLOSE}\nQed."
    checks = [(c["proof"], c["ok"]) for c in of(events, "check")]
    assert checks == [("reflexivity.", False), (CLOSE, True)]
    [call] = of(events, "model_call")
    prompt = call["messages"][1]["content"]
    assert "Definition clamp" in prompt and "Lemma clamp_id" in prompt  # retrieved for the statement
    assert "forall n m : nat, clamp n + clamp m = m + n" in prompt  # the goal at the node
    assert "4 different candidate next tactics" in prompt
    [run] = of(events, "step_search")
    assert (run["exit"], run["calls"], run["failed"], run["closed"]) == ("proved", 1, 1, 1)


@needs_coq
def test_hostile_suggestions_never_reach_coq(tmp_path):
    witness = tmp_path / "pwned"
    redirect = f'Redirect "{witness}" Print nat.'
    # run in a live session, the sentence does write its file ...
    with ProofSession(CoqProject(tmp_path), "Lemma t : True.\nProof.") as s:
        assert isinstance(s.run(redirect), TacticOk)
    assert (tmp_path / "pwned.out").exists()
    (tmp_path / "pwned.out").unlink()
    # ... suggested by a model it is refused before it reaches Coq, like admit and a terminator
    hole, events = solve(tmp_path, USE, [block(redirect, "admit.", "Qed.", CLOSE)])
    assert (hole.status, hole.proof) == ("fixed", f"Proof.\n  {CLOSE}\nQed.")
    assert not (tmp_path / "pwned.out").exists()
    refused = [c for c in of(events, "check") if c["error"] and c["error"].startswith("refused before running")]
    assert [c["proof"] for c in refused] == [redirect, "admit.", "Qed."]
    assert of(events, "step_search")[0]["refused"] == 3


@needs_coq
def test_loops_are_cut_and_the_model_hears_why_at_once(tmp_path):
    loops = block("idtac.", "intros n m; revert n m.", "cbv beta.")
    hole, events = solve(tmp_path, USE, [loops, block(CLOSE)])
    assert (hole.status, hole.attempts) == ("fixed", 2)
    [run] = of(events, "step_search")
    assert (run["seen"], run["new"], run["calls"]) == (3, 0, 2)
    first, second = of(events, "model_call")
    assert "Already tried" not in first["messages"][1]["content"]
    asked_again = second["messages"][1]["content"]
    assert "- `idtac.`: no progress" in asked_again and "- `intros n m; revert n m.`: no progress" in asked_again
    # the second call is at the same node: no tactic has run yet
    assert "Tactics run so far" not in asked_again


@needs_coq
@pytest.mark.parametrize("with_logprobs", [False, True])
def test_the_cheaper_suggestion_is_expanded_first(tmp_path, with_logprobs):
    content = block("intros n.", "intros n m.")
    chunks = ["```", "coq", "\n", "intros", " n", ".", "\n", "intros", " n", " m", ".", "\n", "```"]
    lps = [0.0, 0.0, 0.0, -1.5, -1.5, -1.5, 0.0, -0.1, -0.1, -0.1, -0.1, 0.0, 0.0]
    first = {"content": content, "logprobs": [list(p) for p in zip(chunks, lps)]} if with_logprobs else content
    hole, events = solve(tmp_path, USE, [first, block(CLOSE)])
    assert hole.status == "fixed"
    second = of(events, "model_call")[1]["messages"][1]["content"]
    script = second.split("Tactics run so far (each succeeded):\n```coq\n")[1].split("\n```")[0]
    # without log-probabilities the model's order counts (the first line); with them, the surer line
    assert script == ("intros n m." if with_logprobs else "intros n.")


@needs_coq
def test_a_model_that_runs_out_leaves_the_search_going_and_names_the_exit(tmp_path):
    false = CONTEXT + "Lemma wrong : forall n, clamp n = S n.\nProof.\nAdmitted.\n"
    # The search ends by its node budget, well within a generous time: the exit does not hang on how fast
    # the machine is (a run cut by the clock may end inside an interrupted tactic).
    hole, events = solve(tmp_path, false, [block("intros n.", "reflexivity.")], timeout_s=120,
                         search=SearchConfig(time_s=120, max_nodes=6))
    assert (hole.status, hole.exit) == ("unsolved", "model_exhausted")
    [run] = of(events, "step_search")
    assert run["exit"] == "nodes" and run["calls"] == 1
    assert run["nodes"] > 1  # the built-in candidates went on after the model stopped answering


@needs_coq
def test_step_search_then_drafts_share_the_calls(tmp_path):
    source = "Lemma square_49 : exists k, k * k = 49.\nProof.\nAdmitted.\n"
    failing = block("exists 6.", "exists 5.")
    draft = "```coq\nexists 7. reflexivity.\n```"
    hole, events = solve(tmp_path, source, [failing, failing, draft], strategy=("llm-search", "llm"), attempts=4,
                         timeout_s=20, search_after_model=False)
    assert (hole.status, hole.attempts) == ("fixed", 3)
    calls = of(events, "model_call")
    assert [("next tactic" in c["messages"][0]["content"]) for c in calls] == [True, True, False]
    assert of(events, "step_search")[0]["calls"] == 2  # half of the four calls, the rest left to the drafts
    assert hole.proof == "Proof.\n  exists 7. reflexivity.\nQed."


@needs_coq
def test_through_a_server_that_gives_no_log_probabilities(tmp_path, monkeypatch):
    """The real litellm path: log-probabilities asked for, the server ignores the request, the search goes on."""
    from .replay_server import ReplayServer

    monkeypatch.setenv("PROOFMEND_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("OPENAI_API_KEY", "test")
    f = tmp_path / "L.v"
    f.write_text(USE)
    with ReplayServer([block("reflexivity.", CLOSE)], delay_s=0.1) as server:
        config = AgentConfig(model="openai/replay", api_base=server.url, strategy=("llm-search",), timeout_s=60)
        report = mend_path(f, config)
        assert server.calls == 1
    [hole] = report.holes
    assert (hole.status, hole.proof) == ("fixed", f"Proof.\n  {CLOSE}\nQed.")


@needs_coq
def test_a_broken_proof_shows_its_old_steps_to_the_model(tmp_path):
    broken = CONTEXT + "Lemma use_clamp : forall n m, clamp n + clamp m = m + n.\nProof.\n  intros; rewrite !clamp_ident; lia.\nQed.\n"
    hole, events = solve(tmp_path, broken, [block(CLOSE)])
    assert hole.status == "fixed" and "clamp_id;" in hole.proof
    prompt = of(events, "model_call")[0]["messages"][1]["content"]
    assert "no longer checks" in prompt and "rewrite !clamp_ident; lia." in prompt


@needs_coq
def test_a_reply_written_as_a_sequence_is_followed(tmp_path):
    hole, events = solve(tmp_path, USE, [block("intros n m.", "rewrite !clamp_id.", "lia.")])
    assert (hole.status, hole.attempts) == ("fixed", 1)
    assert hole.proof == "Proof.\n  intros n m.\n  rewrite !clamp_id.\n  lia.\nQed."
    [run] = of(events, "step_search")
    assert (run["chained"], run["closed"]) == (2, 1)
