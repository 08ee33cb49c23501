"""A cheat that the live session accepts is never written by ``repair --write`` nor counted by ``eval``
(real command line, replayed model replies); the honest proof of a Unicode-named theorem is."""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import needs_coq, run_cli

pytestmark = needs_coq

# The statement needs a generalised induction: the built-in search does not find it in its time.
FILE = """Require Import Arith.

Fixpoint ϕ (n acc : nat) : nat := match n with 0 => acc | S k => ϕ k (S acc) end.

Lemma θ_helper : forall n acc : nat, ϕ n acc = n + acc.
Proof. Admitted.

Lemma Ψ_main : forall n : nat, ϕ n 0 = n.
Proof.
Admitted.
"""
CHEAT = "```coq\nintros n. rewrite θ_helper. apply Nat.add_0_r.\n```"
HONEST = ("```coq\nintros n. assert (G : forall k acc, ϕ k acc = k + acc).\n"
          "{ induction k as [|k IH]; intros acc; simpl; [reflexivity | rewrite IH; apply Nat.add_succ_r]. }\n"
          "rewrite G. apply Nat.add_0_r.\n```")


def replies(tmp_path: Path, *contents: str) -> str:
    p = tmp_path / "replies.jsonl"
    p.write_text("".join(json.dumps({"content": c}) + "\n" for c in contents), encoding="utf-8")
    return f"replay:{p}"


def test_repair_write_refuses_a_cheat_and_writes_the_honest_proof(tmp_path, write):
    f = write("u.v", FILE)
    trace = tmp_path / "trace.jsonl"
    r = run_cli("repair", str(f), "--theorem", "Ψ_main", "--strategy", "stale,search,llm", "--model", replies(tmp_path, CHEAT), "--write", "--json",
                "--search-first", "0", "--trace", str(trace))
    assert r.returncode == 1, r.stdout + r.stderr
    assert f.read_text(encoding="utf-8") == FILE
    audits = [json.loads(ln) for ln in trace.read_text().splitlines() if '"audit"' in ln]
    assert any("admitted_dependency" in a["reasons"] and not a["accepted"] for a in audits), audits

    r = run_cli("repair", str(f), "--theorem", "Ψ_main", "--strategy", "stale,search,llm", "--model", replies(tmp_path, HONEST), "--write",
                "--json", "--search-first", "0")
    assert r.returncode == 0, r.stdout + r.stderr
    [hole] = json.loads(r.stdout)["holes"]
    assert hole["status"] == "fixed" and hole["theorem"] == "Ψ_main"
    assert "Nat.add_succ_r" in f.read_text(encoding="utf-8")
    assert "θ_helper : forall n acc : nat, ϕ n acc = n + acc.\nProof. Admitted." in f.read_text(encoding="utf-8")


def test_eval_does_not_count_a_cheat(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "u.v").write_text(FILE, encoding="utf-8")
    task = {"id": "u", "kind": "property", "prover": "coq", "file": "u.v", "theorem": "Ψ_main",
            "reference_proof": HONEST.strip("`").removeprefix("coq\n")}
    (corpus / "tasks.jsonl").write_text(json.dumps(task, ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    r = run_cli("eval", str(corpus), "--model", replies(tmp_path, CHEAT), "--attempts", "1", "--out", str(out))
    assert r.returncode in (0, 1), r.stdout + r.stderr
    [rec] = [json.loads(ln) for ln in (out / "results.jsonl").read_text().splitlines()]
    assert rec["status"] != "solved" and "admitted_dependency" in rec["reason"], rec
    assert json.loads((out / "summary.json").read_text())["overall"]["solved_tasks"] == 0
    r = run_cli("eval", str(corpus), "--validate")
    assert r.returncode == 0, r.stdout + r.stderr
    # the scorer itself: a task whose known proof cheats is neither solved nor valid
    task["reference_proof"] = CHEAT.strip("`").removeprefix("coq\n")
    (corpus / "tasks.jsonl").write_text(json.dumps(task, ensure_ascii=False) + "\n", encoding="utf-8")
    r = run_cli("eval", str(corpus), "--model", "reference", "--out", str(tmp_path / "ref"))
    [rec] = [json.loads(ln) for ln in (tmp_path / "ref" / "results.jsonl").read_text().splitlines()]
    assert rec["status"] == "failed" and "admitted_dependency" in rec["reason"], rec
    r = run_cli("eval", str(corpus), "--validate")
    assert r.returncode == 1 and "admitted_dependency" in r.stdout, r.stdout + r.stderr


# Cheats through the module system: a proof Coq accepts, resting on an admitted lemma that a
# signature exports as a declared field, or hidden inside a functor's body.
SEALED = """Module Type T.
Parameter x : nat.
Axiom px : x = 3.
End T.

Module M : T.
Definition x := 4.
Lemma px : x = 3.
Admitted.
End M.

Lemma target : M.x = 3.
Proof.
Admitted.
"""
FUNCTOR = """Module Type T.
Parameter x : nat.
End T.

Module F (X : T).
Lemma helper : X.x = 4.
Admitted.

Lemma target : X.x = 4.
Proof.
Admitted.
End F.
"""
MODULE_CHEATS = {"sealed": (SEALED, "exact M.px."), "functor": (FUNCTOR, "exact helper.")}


def test_module_system_cheats_are_not_written_counted_nor_valid(tmp_path):
    for name, (text, reply) in MODULE_CHEATS.items():
        d = tmp_path / name
        d.mkdir()
        f = d / "m.v"
        f.write_text(text, encoding="utf-8")
        trace = d / "trace.jsonl"
        r = run_cli("repair", str(f), "--theorem", "target", "--model", replies(d, f"```coq\n{reply}\n```"),
                    "--write", "--json", "--search-first", "0", "--strategy", "llm", "--trace", str(trace))
        assert r.returncode == 1, (name, r.stdout + r.stderr)
        assert f.read_text(encoding="utf-8") == text, name
        audits = [json.loads(ln) for ln in trace.read_text().splitlines() if '"audit"' in ln]
        assert any("admitted_dependency" in a["reasons"] for a in audits), (name, audits)
        corpus = d / "corpus"
        corpus.mkdir()
        (corpus / "m.v").write_text(text, encoding="utf-8")
        task = {"id": name, "kind": "property", "prover": "coq", "file": "m.v", "theorem": "target",
                "reference_proof": reply}
        (corpus / "tasks.jsonl").write_text(json.dumps(task) + "\n", encoding="utf-8")
        r = run_cli("eval", str(corpus), "--validate")
        assert r.returncode == 1 and "admitted_dependency" in r.stdout, (name, r.stdout + r.stderr)
        r = run_cli("eval", str(corpus), "--model", "reference", "--out", str(d / "out"))
        [rec] = [json.loads(ln) for ln in (d / "out" / "results.jsonl").read_text().splitlines()]
        assert rec["status"] != "solved" and "admitted_dependency" in rec["reason"], (name, rec)
