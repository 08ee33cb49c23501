"""Task schema and corpus loading: errors name file and line; the built-in corpus loads."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from proofmend.evals.schema import KINDS, load_corpus
from proofmend.provers.errors import InputError

from .conftest import ROOT

GOOD = {"id": "t1", "kind": "property", "prover": "coq", "file": "a.v", "theorem": "a", "tags": ["easy"]}


def corpus_with(tmp_path: Path, lines: list[str]) -> Path:
    (tmp_path / "a.v").write_text("Lemma a : True.\nProof.\nAdmitted.\n")
    (tmp_path / "tasks.jsonl").write_text("".join(ln + "\n" for ln in lines))
    return tmp_path


def line(**changes) -> str:
    obj = {**GOOD, **changes}
    return json.dumps({k: v for k, v in obj.items() if v is not ...})


def test_good_corpus_loads_from_directory_and_file(tmp_path):
    root = corpus_with(tmp_path, [line(), "", line(id="t2", kind="repair", reference_proof="exact I.")])
    for where in (root, root / "tasks.jsonl"):
        c = load_corpus(where)
        assert [t.id for t in c.tasks] == ["t1", "t2"]
        assert c.path_of(c.tasks[0]) == (root / "a.v").resolve()
        assert c.tasks[0].coq_flags == [] and c.tasks[0].reference_proof is None


@pytest.mark.parametrize(
    "bad, message",
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        (line(kind="lemma"), "kind"),
        (line(theorem=...), "theorem"),
        (line(prover="isabelle"), "prover"),
        (line(tags="easy"), "tags"),
        (line(colour="red"), "colour"),
        (line(id="t0"), "duplicate task id 't0'"),
    ],
)
def test_bad_line_names_file_and_line(tmp_path, bad, message):
    root = corpus_with(tmp_path, [line(id="t0"), line(id="tx"), bad])
    with pytest.raises(InputError) as e:
        load_corpus(root)
    text = str(e.value)
    assert f"{root / 'tasks.jsonl'}:3:" in text
    assert message in text
    assert "\n" not in text


def test_missing_corpus_is_input_error(tmp_path):
    with pytest.raises(InputError, match="no such corpus"):
        load_corpus(tmp_path / "nowhere")
    with pytest.raises(InputError, match="without a tasks.jsonl"):
        load_corpus(tmp_path)


def test_builtin_corpus_lists_every_task_once():
    c = load_corpus("builtin")
    kinds = {t.kind for t in c.tasks}
    assert {"property", "equivalence", "repair"} <= kinds <= set(KINDS)
    assert len({t.id for t in c.tasks}) == len(c.tasks) >= 120
    for t in c.tasks:
        assert c.path_of(t).is_file(), t.id
    # every sub-corpus line is in the top-level file (a corpus of another prover beside it is run on its own)
    for sub in c.root.glob("*/tasks.jsonl"):
        sub_tasks = load_corpus(sub).tasks
        if {t.prover for t in sub_tasks} & {t.prover for t in c.tasks}:
            assert {t.id for t in sub_tasks} <= {t.id for t in c.tasks}, sub


def test_sub_corpus_paths_resolve_against_the_parent():
    c = load_corpus(Path(load_corpus("builtin").root) / "repair")
    assert c.tasks and all(c.path_of(t).is_file() for t in c.tasks)


def test_merge_script_reports_the_builtin_corpus_up_to_date():
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "merge_corpus.py"), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_merge_script_appends_and_updates(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.v").write_text("Lemma b : True.\nProof.\nAdmitted.\n")
    corpus_with(tmp_path, [line()])
    (tmp_path / "sub" / "tasks.jsonl").write_text(
        line(tags=["changed"]) + "\n" + line(id="t2", file="b.v", theorem="b") + "\n")
    script = str(ROOT / "scripts" / "merge_corpus.py")
    assert subprocess.run([sys.executable, script, str(tmp_path)], capture_output=True).returncode == 0
    c = load_corpus(tmp_path)
    assert [t.id for t in c.tasks] == ["t1", "t2"]
    assert c.tasks[0].tags == ["changed"] and c.tasks[1].file == "sub/b.v"
    assert subprocess.run([sys.executable, script, "--check", str(tmp_path)], capture_output=True).returncode == 0
