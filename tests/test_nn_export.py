"""Exported nn_bound Coq tasks: well-formed, open as given, closed by their reference proofs."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parent.parent / "proofmend" / "evals" / "corpus"
TASKS = CORPUS / "nn_bound" / "tasks.jsonl"
HAVE_COQC = shutil.which("coqc") is not None
HOLE = "\nProof.\nAdmitted.\n"
# after the hole, at most the End of the sections the target is in
AFTER_HOLE = re.compile(r"(\s*End [A-Za-z_][\w']*\.)*\s*")


def _tasks(path: Path = TASKS) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _check(root: Path, task: dict, tmp: Path) -> tuple[bool, bool, str]:
    """(original compiles with the target admitted, reference proof passes the audit, log).

    The audit is the corpus's (``REFERENCE_POLICY``): no axiom, except those of the
    standard library's reals where the file loads them.
    """
    from proofmend.evals.proofs import with_proof
    from proofmend.evals.validate import REFERENCE_POLICY
    from proofmend.provers.coq.audit import audit, parse_assumptions
    from proofmend.provers.coq.project import CoqProject

    src = (root / task["file"]).read_text()
    work = tmp / task["id"].replace("/", "_")
    work.mkdir()
    original = work / "Orig.v"
    original.write_text(src + f"Print Assumptions {task['theorem']}.\n")
    r0 = subprocess.run(["coqc", "-q", original.name], cwd=work, capture_output=True, text=True, timeout=120)
    opened = r0.returncode == 0 and task["theorem"] in parse_assumptions(r0.stdout)[0]
    verdict = audit(with_proof(src, task["theorem"], task["reference_proof"]), src, CoqProject(work), "Task.v",
                    policy=REFERENCE_POLICY)
    log = r0.stdout + r0.stderr + "\n".join(map(str, verdict.findings)) + f"\nassumptions: {verdict.assumptions}"
    return opened, verdict.accepted, log


def test_corpus_lines_are_well_formed() -> None:
    tasks = _tasks()
    assert len(tasks) >= 12
    assert len({t["id"] for t in tasks}) == len(tasks)
    kinds = set()
    for t in tasks:
        assert set(t) == {"id", "kind", "prover", "file", "theorem", "reference_proof", "tags"}
        assert t["kind"] == "nn_bound" and t["prover"] == "coq"
        assert t["file"].startswith("nn_bound/") and t["file"].endswith(".v")
        src = (CORPUS / t["file"]).read_text()
        assert src.count("Admitted.") == 1 and HOLE in src
        assert AFTER_HOLE.fullmatch(src[src.index(HOLE) + len(HOLE):]), t["id"]
        assert re.search(rf"(Theorem|Lemma) {re.escape(t['theorem'])}\b", src)
        assert "native_compute" not in src + t["reference_proof"]
        for line in src.splitlines():
            if "Require" in line:
                assert line.startswith("From Coq Require Import"), line
        kinds |= {tag for tag in t["tags"] if tag.startswith("kind")}
    assert {"kind1", "kind2", "kind3", "kind4", "kind5", "kind6"} <= kinds


@pytest.mark.skipif(not HAVE_COQC, reason="coqc is not installed")
def test_reference_proofs_check_with_coqc(tmp_path) -> None:
    tasks = _tasks()
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda t: (t["id"], *_check(CORPUS, t, tmp_path)), tasks))
    for task_id, opened, closed, log in results:
        assert opened, f"{task_id}: the task file should compile and leave the theorem admitted\n{log[-600:]}"
        assert closed, f"{task_id}: reference proof does not check\n{log[-600:]}"


@pytest.mark.skipif(not HAVE_COQC, reason="coqc is not installed")
def test_fresh_export_statements_match_coq(tmp_path) -> None:
    """A newly trained, different network: the Python mirror's numbers must agree with Coq."""
    pytest.importorskip("torch")
    import torch

    from proofmend.nn_proofs.export import export_tasks

    torch.set_num_threads(1)
    written = export_tasks(out_root=tmp_path / "corpus", seed=7, steps=150)
    assert len(written) >= 12
    tasks = {t["id"]: t for t in _tasks(tmp_path / "corpus" / "nn_bound" / "tasks.jsonl")}
    picked = [tasks[i] for i in ("nn_bound/count_correct_exact", "nn_bound/cubic_count", "nn_bound/accuracy_percent", "nn_bound/rank1_error")]
    for t in picked:
        opened, closed, log = _check(tmp_path / "corpus", t, tmp_path)
        assert opened and closed, f"{t['id']}\n{log[-600:]}"


def test_intnet_cubic_certificate_is_sound() -> None:
    pytest.importorskip("torch")
    from proofmend.nn_proofs import intnet
    from proofmend.nn_proofs.model import MaxOfK, ModelConfig
    from proofmend.nn_proofs.paths import path_tables

    for seed, (v, k) in enumerate([(4, 2), (5, 3), (4, 4)]):
        net = intnet.quantize(path_tables(MaxOfK(ModelConfig(k=k, vocab=v, d_model=4, d_head=4), seed=seed).weights()))
        seqs = intnet.all_seqs(net)
        assert all(intnet.correct(net, x) for x in seqs if intnet.cubic_ok(net, x))
        assert intnet.cubic_count(net) <= intnet.count_correct(net)
        assert sum(intnet.case_count(k, *c) for c in intnet.all_cases(net)) == v**k


def test_certificate_tasks_are_cut_from_the_development() -> None:
    """Each task of the Coq certificate states its lemma as the development does, in a file of its own."""
    from proofmend.nn_proofs.cert_tasks import SOURCES, TARGETS, _source, cert_tasks

    sources = "".join(_source(f) for f in SOURCES)
    tasks = cert_tasks()
    assert [t.name for t in tasks] == [f"coq_cert_{t.lemma}" for t in TARGETS]
    corpus_ids = {t["id"] for t in _tasks()}
    for t in tasks:
        text = t.file_text()
        assert text.count("Admitted.") == 1 and "NNCert" not in text and "Abort" not in text
        statement = t.statement.split("*)\n", 1)[1]  # after the one-line note
        assert statement in sources, t.name
        assert t.proof.startswith("Proof.") and t.proof.rstrip().endswith("Qed.")
        assert f"nn_bound/{t.name}" in corpus_ids
        assert {"kind5", "kind4", "kind3", "kind2", "kind1"} & set(t.tags) and {"easy", "medium", "hard"} & set(t.tags)
