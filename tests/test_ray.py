"""``eval --ray`` against a real local Ray instance started here (2 CPUs), with the real coqc."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from proofmend.agent.config import AgentConfig
from proofmend.evals.harness import read_results, run_eval
from proofmend.evals.pool import LocalPool
from proofmend.evals.schema import load_corpus
from proofmend.evals.slots import slots_folder
from proofmend.provers.errors import InputError

from .conftest import ROOT, needs_coq, run_cli
from .replay_server import ReplayServer

ray = pytest.importorskip("ray", reason="ray is not installed (pip install 'proofmend[ray]')")
from proofmend.evals.ray_runner import RayExecutor, tool_versions, tools_problem  # noqa: E402

pytestmark = needs_coq

FILE = """Require Import Arith.

Definition double (n : nat) : nat := n + n.

Lemma double_plus : forall n, double n = n + n.
Proof.
Admitted.

Lemma double_zero : double 0 = 0.
Proof.
Admitted.
"""

# About a second of vm_compute: long enough to be killed mid-sample.
SLOW = """Require Import NArith.
Open Scope N_scope.

Lemma slow : N.iter 4000000 (fun x => N.land (x + 3) 7) 1 = 1.
Proof.
Admitted.
"""

TASKS = [
    {"id": "p/plus", "kind": "property", "file": "double.v", "theorem": "double_plus",
     "reference_proof": "intros n. reflexivity.", "tags": ["easy"]},
    {"id": "p/zero_wrong", "kind": "property", "file": "double.v", "theorem": "double_zero",
     "reference_proof": "Proof.\n  intros n. lia.\nQed."},
    {"id": "r/missing", "kind": "repair", "file": "double.v", "theorem": "no_such_lemma", "reference_proof": "auto."},
    {"id": "p/slow", "kind": "property", "file": "sub/slow.v", "theorem": "slow",
     "reference_proof": "vm_compute. reflexivity."},
]
EXPECTED = {"p/plus": "solved", "p/zero_wrong": "failed", "r/missing": "error", "p/slow": "solved"}


@pytest.fixture(scope="module")
def local_ray():
    """One local Ray instance for the module: 2 CPUs, no dashboard, a small object store."""
    if ray.is_initialized():
        ray.shutdown()
    ray.init(num_cpus=2, include_dashboard=False, object_store_memory=80 << 20, log_to_driver=False,
             runtime_env={"env_vars": {"OPENAI_API_KEY": "sk-test-not-used", "PROOFMEND_CACHE_DIR": ""}})
    yield ray
    ray.shutdown()


def make_corpus(root: Path, tasks=TASKS) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "double.v").write_text(FILE)
    (root / "sub").mkdir(exist_ok=True)
    (root / "sub" / "slow.v").write_text(SLOW)
    (root / "tasks.jsonl").write_text("".join(json.dumps(t) + "\n" for t in tasks))
    return root


def statuses(records):
    return {(r["id"], r["sample"]): r["status"] for r in records}


def assert_each_pair_once(out: Path, tasks: int, samples: int) -> list[dict]:
    records = read_results(out / "results.jsonl")
    keys = [(r["id"], r["sample"]) for r in records]
    assert len(keys) == len(set(keys)) == tasks * samples, keys
    return records


class Killer(threading.Thread):
    """SIGKILLs Ray workers while they run a sample: the first ``times`` it sees (None: all, until stopped)."""

    def __init__(self, times: int | None, after_s: float = 0.3):
        super().__init__(daemon=True)
        self.times, self.after_s = times, after_s
        self.killed: list[int] = []
        self.stop = threading.Event()

    def run(self) -> None:
        seen: dict[int, float] = {}
        while not self.stop.is_set() and (self.times is None or len(self.killed) < self.times):
            now = time.monotonic()
            for pid in os.listdir("/proc"):
                if not pid.isdigit():
                    continue
                try:
                    title = Path(f"/proc/{pid}/cmdline").read_bytes()
                except OSError:
                    continue
                if self.times is not None and len(self.killed) >= self.times:
                    break
                if title.startswith(b"ray::_run_remote"):
                    first = seen.setdefault(int(pid), now)
                    if now - first >= self.after_s and int(pid) not in self.killed:
                        try:
                            os.kill(int(pid), signal.SIGKILL)
                            self.killed.append(int(pid))
                        except ProcessLookupError:
                            pass
            time.sleep(0.05)


def test_same_statuses_under_ray_as_locally(local_ray, tmp_path):
    corpus = load_corpus(make_corpus(tmp_path / "corpus"))
    config = AgentConfig(model="reference")
    local = run_eval(corpus, config, out_dir=tmp_path / "local", executor=LocalPool(2))
    remote = run_eval(corpus, config, out_dir=tmp_path / "ray", executor=RayExecutor())
    assert statuses(remote.records) == statuses(local.records)
    assert {k[0]: v for k, v in statuses(remote.records).items()} == EXPECTED
    assert_each_pair_once(tmp_path / "ray", len(TASKS), 1)
    for key in ("overall", "by_kind", "k"):
        a, b = local.summary[key], remote.summary[key]
        if key == "k":
            assert a == b
            continue
        drop = ("median_seconds", "total_seconds")
        if key == "overall":
            a, b = ({k: v for k, v in g.items() if k not in drop} for g in (a, b))
        else:
            a, b = ({kind: {k: v for k, v in g.items() if k not in drop} for kind, g in s.items()} for s in (a, b))
        assert a == b
    info = json.loads((tmp_path / "ray" / "run.json").read_text())
    assert info["last_run"]["executor"] == "ray" and info["last_run"]["cpus"] == 2
    assert (tmp_path / "ray" / "report.md").is_file() and (tmp_path / "ray" / "success.png").is_file()
    # the corpus travelled through the object store: the reason names the copy's file, not the driver's path
    assert "no theorem named 'no_such_lemma'" in next(r for r in remote.records if r["id"] == "r/missing")["reason"]


def test_a_killed_worker_costs_its_sample_a_retry(local_ray, tmp_path):
    corpus = load_corpus(make_corpus(tmp_path / "corpus"))
    killer = Killer(times=1)
    killer.start()
    try:
        run = run_eval(corpus, AgentConfig(model="reference"), out_dir=tmp_path / "out", executor=RayExecutor(retries=2))
    finally:
        killer.stop.set()
        killer.join()
    assert len(killer.killed) == 1
    records = assert_each_pair_once(tmp_path / "out", len(TASKS), 1)
    assert {r["id"]: r["status"] for r in records} == EXPECTED
    assert run.ran == len(TASKS)


def test_a_sample_that_keeps_killing_its_worker_is_an_error_with_the_cause(local_ray, tmp_path):
    corpus = load_corpus(make_corpus(tmp_path / "corpus", [TASKS[3]]))
    killer = Killer(times=None)
    killer.start()
    try:
        run_eval(corpus, AgentConfig(model="reference"), out_dir=tmp_path / "out", executor=RayExecutor(retries=1))
    finally:
        killer.stop.set()
        killer.join()
    assert len(killer.killed) == 2  # the first try and its one retry
    (rec,) = assert_each_pair_once(tmp_path / "out", 1, 1)
    assert rec["status"] == "error"
    assert "Ray worker died on this sample 2 times" in rec["reason"] and "WorkerCrashedError" in rec["reason"]


class StopAfter:
    """A progress that interrupts the driver (as Ctrl-C would) after ``n`` results."""

    def __init__(self, n: int):
        self.n, self.seen = n, 0

    def start(self, total, done): ...
    def finish(self): ...

    def advance(self, record):
        self.seen += 1
        if self.seen >= self.n:
            raise KeyboardInterrupt


def test_resume_after_the_driver_is_interrupted(local_ray, tmp_path):
    corpus = load_corpus(make_corpus(tmp_path / "corpus", TASKS[:3]))
    config = AgentConfig(model="reference")
    with pytest.raises(KeyboardInterrupt):
        run_eval(corpus, config, samples=2, out_dir=tmp_path / "out", executor=RayExecutor(), progress=StopAfter(2))
    assert len(read_results(tmp_path / "out" / "results.jsonl")) == 2
    again = run_eval(corpus, config, samples=2, out_dir=tmp_path / "out", executor=RayExecutor())
    assert (again.ran, again.skipped) == (4, 2)
    records = assert_each_pair_once(tmp_path / "out", 3, 2)
    assert {r["id"]: r["status"] for r in records} == {t["id"]: EXPECTED[t["id"]] for t in TASKS[:3]}


def test_every_node_is_checked_for_the_drivers_coq(local_ray, tmp_path):
    here = tool_versions()
    assert here["coqc"] and here["coqidetop"]
    assert tools_problem(here, here) is None
    assert tools_problem({"coqc": "8.16.1", "coqidetop": None}, {"coqc": "8.16.1", "coqidetop": "8.16.1"}) == \
        "coqidetop missing where the driver has coqc 8.16.1, coqidetop 8.16.1"
    corpus = load_corpus(make_corpus(tmp_path / "corpus", TASKS[:1]))
    other = {"coqc": "8.15.0", "coqidetop": here["coqidetop"]}
    with pytest.raises(InputError) as e:
        run_eval(corpus, AgentConfig(model="reference"), out_dir=tmp_path / "out",
                 executor=RayExecutor(expected_tools=other))
    assert str(e.value).startswith("node ") and f"coqc {here['coqc']} where the driver has coqc 8.15.0" in str(e.value)
    assert read_results(tmp_path / "out" / "results.jsonl") == []


def held_slots(n: int) -> int:
    """How many of this machine's first ``n`` prover slots are held right now."""
    held = 0
    for j in range(n):
        path = slots_folder() / f"slot-{j}"
        if not path.exists():
            continue
        fd = os.open(path, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.flock(fd, fcntl.LOCK_UN)
        except BlockingIOError:
            held += 1
        finally:
            os.close(fd)
    return held


def test_model_concurrency_fills_prover_slots_but_never_exceeds_them(local_ray, tmp_path):
    n_tasks = 5
    root = tmp_path / "corpus"
    root.mkdir()
    lemmas = "".join(f"Lemma t{i} : {i} + {i} = {2 * i}.\nProof.\nAdmitted.\n\n" for i in range(n_tasks))
    (root / "sums.v").write_text(lemmas)
    (root / "tasks.jsonl").write_text("".join(json.dumps(
        {"id": f"p/t{i}", "kind": "property", "file": "sums.v", "theorem": f"t{i}", "reference_proof": "reflexivity."}
    ) + "\n" for i in range(n_tasks)))
    peak = []
    stop = threading.Event()

    def watch():
        while not stop.is_set():
            peak.append(held_slots(4))
            time.sleep(0.02)

    # Replies are held until three calls are in flight: Ray may start its workers one after another, slowly
    # on a busy machine, and the overlap asserted below must not depend on that.
    with ReplayServer(["```coq\nreflexivity.\n```"], delay_s=1.0, gather=3, gather_timeout_s=100) as server:
        config = AgentConfig(model="openai/replay", api_base=server.url, search_first_s=0, attempts=2, timeout_s=600,
                             strategy=("stale", "search", "llm"))  # the server's replies are whole proofs
        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        try:
            run = run_eval(load_corpus(root), config, out_dir=tmp_path / "out",
                           executor=RayExecutor(model_concurrency=5))
        finally:
            stop.set()
            watcher.join()
    assert {r["id"]: r["status"] for r in run.records} == {f"p/t{i}": "solved" for i in range(n_tasks)}, run.records
    assert server.calls == n_tasks
    assert server.max_in_flight >= 3  # more samples waiting on the model than there are CPUs
    assert max(peak) <= 2  # but prover work within the 2 CPUs
    info = json.loads((tmp_path / "out" / "run.json").read_text())["last_run"]
    assert info["model_concurrency"] == 5 and info["cpu_per_sample"] == pytest.approx(2 / 5, abs=1e-3)
    traces = list((tmp_path / "out" / "traces").iterdir())  # written back by the driver
    assert len(traces) == n_tasks
    events = [json.loads(line)["event"] for line in traces[0].read_text().splitlines()]
    assert "model_call" in events


def test_cli_joins_a_running_instance_and_resumes(local_ray, tmp_path):
    corpus = make_corpus(tmp_path / "corpus", TASKS[:2])
    out = tmp_path / "out"
    first = run_cli("eval", str(corpus), "--model", "reference", "--out", str(out), "--ray", "auto", cwd=ROOT)
    assert first.returncode == 0, first.stderr
    assert "2 run, 0 already done" in first.stderr
    again = run_cli("eval", str(corpus), "--model", "reference", "--out", str(out), "--ray", cwd=ROOT)
    assert again.returncode == 0 and "0 run, 2 already done" in again.stderr
    bad = run_cli("eval", str(corpus), "--model", "reference", "--out", str(tmp_path / "o2"), "--ray",
                  "ray://127.0.0.1:1", cwd=ROOT, timeout=180)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "cannot start or reach Ray" in bad.stderr, bad.stderr
