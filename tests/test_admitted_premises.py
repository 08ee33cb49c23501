"""A proof refused for resting on an admitted lemma does not end the hole; --allow-admitted reports it as conditional.

Exercise files and work in progress are full of ``Admitted`` lemmas that the
search finds in ``Search`` and uses.  Such a proof never counts: the accept
step asks Coq what the closed proof rests on, refuses it, and the search goes
on without those premises; a model is told why.  With ``--allow-admitted`` a
proof resting only on the project's own holes is reported ``conditional``,
naming them, and written only under that flag.  Real coqc and coqidetop.
"""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import needs_coq, run_cli

pytestmark = needs_coq

FILE = """Definition dbl (n : nat) := n + n.

Lemma dbl_helper : forall n, dbl n = 2 * n.
Admitted.

Lemma target : forall n, dbl n = 2 * n.
Proof.
Admitted.
"""
RESTING = "```coq\nintros n. apply dbl_helper.\n```"


def _replies(tmp_path: Path, *contents: str) -> str:
    p = tmp_path / "replies.jsonl"
    p.write_text("".join(json.dumps({"content": c}) + "\n" for c in contents), encoding="utf-8")
    return f"replay:{p}"


def _events(trace: Path, name: str) -> list[dict]:
    return [e for e in map(json.loads, trace.read_text().splitlines()) if e["event"] == name]


def test_the_search_goes_on_without_an_admitted_premise(tmp_path, write):
    f = write("t.v", FILE)
    trace = tmp_path / "trace.jsonl"
    r = run_cli("repair", str(f), "--theorem", "target", "--json", "--timeout", "120", "--trace", str(trace))
    assert r.returncode == 0, r.stdout + r.stderr
    [hole] = json.loads(r.stdout)["holes"]
    assert hole["status"] == "fixed" and "dbl_helper" not in hole["proof"], hole
    refused = [a for a in _events(trace, "audit") if not a["accepted"]]
    # The search reached for the admitted lemma first; the refusal sent it on, without that premise.
    assert refused and all("admitted_dependency" in a["reasons"] for a in refused), refused
    assert "dbl_helper" in refused[0]["proof"]
    assert any("dbl_helper" in e["lemmas"] for e in _events(trace, "search_avoids"))


def test_a_model_hears_why_and_gets_another_turn(tmp_path, write):
    f = write("t.v", FILE)
    trace = tmp_path / "trace.jsonl"
    honest = "```coq\nintros n. unfold dbl. simpl. rewrite <- plus_n_O. reflexivity.\n```"
    r = run_cli("repair", str(f), "--theorem", "target", "--json", "--model", _replies(tmp_path, RESTING, honest),
                "--strategy", "llm", "--trace", str(trace), "--timeout", "120")
    assert r.returncode == 0, r.stdout + r.stderr
    [hole] = json.loads(r.stdout)["holes"]
    assert hole["status"] == "fixed" and hole["attempts"] == 2, hole
    calls = _events(trace, "model_call")
    assert len(calls) == 2 and "dbl_helper" in calls[1]["messages"][-1]["content"]


def test_allow_admitted_reports_conditional_and_writes_only_under_the_flag(tmp_path, write):
    f = write("t.v", FILE)
    r = run_cli("repair", str(f), "--theorem", "target", "--json", "--model", _replies(tmp_path, RESTING),
                "--strategy", "llm", "--write")
    assert r.returncode == 1 and f.read_text(encoding="utf-8") == FILE, r.stdout + r.stderr
    [hole] = json.loads(r.stdout)["holes"]
    assert hole["status"] == "unsolved", hole

    r = run_cli("repair", str(f), "--theorem", "target", "--json", "--model", _replies(tmp_path, RESTING),
                "--strategy", "llm", "--write", "--allow-admitted")
    assert r.returncode == 1, r.stdout + r.stderr  # a conditional proof is not a fix on its own
    out = json.loads(r.stdout)
    [hole] = out["holes"]
    assert hole["status"] == "conditional" and hole["rests_on"] == ["dbl_helper"], hole
    assert out["summary"]["fixed"] == 0
    text = f.read_text(encoding="utf-8")
    assert "apply dbl_helper" in text and "Lemma dbl_helper : forall n, dbl n = 2 * n.\nAdmitted." in text


def test_eval_never_counts_a_conditional_proof(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "t.v").write_text(FILE, encoding="utf-8")
    task = {"id": "t", "kind": "property", "prover": "coq", "file": "t.v", "theorem": "target",
            "reference_proof": "intros n. apply dbl_helper."}
    (corpus / "tasks.jsonl").write_text(json.dumps(task) + "\n", encoding="utf-8")
    r = run_cli("eval", str(corpus), "--model", "reference", "--out", str(tmp_path / "out"))
    [rec] = [json.loads(ln) for ln in (tmp_path / "out" / "results.jsonl").read_text().splitlines()]
    assert rec["status"] != "solved" and "admitted_dependency" in rec["reason"], rec
