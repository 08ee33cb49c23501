"""The eval harness: every task × sample, solved in a private copy, scored by the audit.

One line per (task, sample) goes to ``results.jsonl`` as soon as it is known
(append, flush, fsync: an interrupted run leaves only whole lines).  A rerun
skips the pairs already there, unless ``fresh``.  Workers are processes, each
with its own prover sessions.  A solver that raises gives status ``error`` and
the run goes on.  At the end ``summary.json``, ``report.md`` and ``success.png``
are written from all the results in the directory.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import shlex
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ..agent.config import AgentConfig
from ..provers.errors import InputError
from ..provers.limits import Limits
from .proofs import judge, target_is_done
from .schema import Corpus, Task
from .solvers import solver_for

RESULTS = "results.jsonl"
RUN_INFO = "run.json"
TRACES = "traces"
# Settings that make two runs incomparable: a resumed run must agree on them.
RUN_KEYS = ("model", "attempts", "timeout_s", "samples")


class Progress(Protocol):
    """Told about the run as it goes (the CLI draws a progress bar from it)."""

    def start(self, total: int, done: int) -> None: ...
    def advance(self, record: dict) -> None: ...
    def finish(self) -> None: ...


class NoProgress:
    def start(self, total: int, done: int) -> None: ...
    def advance(self, record: dict) -> None: ...
    def finish(self) -> None: ...


@dataclass(frozen=True)
class EvalRun:
    out_dir: Path
    records: list[dict]  # every result in the directory, this run's and earlier ones
    ran: int  # pairs run now
    skipped: int  # pairs already in results.jsonl
    summary: dict


# ------------------------------------------------------------------ results file


def _scan(data: bytes, path: Path) -> tuple[list[dict], int]:
    """(records, offset just after the last good line).

    A last line that is cut short or garbled (an interrupted write) is ignored;
    a garbled line before good ones is an error.
    """
    records: list[dict] = []
    good_end = 0
    pos = 0
    lineno = 0
    bad: int | None = None
    while pos < len(data):
        nl = data.find(b"\n", pos)
        end = len(data) if nl < 0 else nl + 1
        raw = data[pos:end]
        lineno += 1
        pos = end
        if not raw.strip():
            if bad is None:
                good_end = end
            continue
        try:
            rec = json.loads(raw) if raw.endswith(b"\n") else None
            if not isinstance(rec, dict) or "id" not in rec or "sample" not in rec:
                raise ValueError
        except ValueError:
            if bad is None:
                bad = lineno
            continue
        if bad is not None:
            raise InputError(f"{path}:{bad}: corrupt result line (use --fresh or another --out)")
        records.append(rec)
        good_end = end
    return records, good_end


def read_results(path: Path) -> list[dict]:
    """Every whole result in ``results.jsonl``; a cut-short last line is ignored."""
    if not path.exists():
        return []
    return _scan(path.read_bytes(), path)[0]


def drop_partial_line(path: Path) -> None:
    """Cut an interrupted last line, so the next append starts cleanly."""
    if not path.exists():
        return
    data = path.read_bytes()
    _, good_end = _scan(data, path)
    if good_end < len(data):
        with open(path, "r+b") as f:
            f.truncate(good_end)
            f.flush()
            os.fsync(f.fileno())


class ResultsLog:
    """Appends one record per line; each line is written whole, flushed and synced."""

    def __init__(self, path: Path):
        drop_partial_line(path)
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def append(self, record: dict) -> None:
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        os.write(self._fd, line)
        os.fsync(self._fd)

    def close(self) -> None:
        os.close(self._fd)


# ------------------------------------------------------------------ one task sample


def trace_name(task_id: str, sample: int) -> str:
    return re.sub(r"[^\w.-]+", "__", task_id) + f".s{sample}.jsonl"


def hard_limit_s(config: AgentConfig) -> float:
    """Wall-clock seconds after which a task sample is stopped from outside the solver."""
    return 2 * config.timeout_s + config.compile_timeout_s + 60


class TaskTimeout(Exception):
    pass


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise :class:`TaskTimeout` in this thread after ``seconds`` (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def ring(signum, frame):
        raise TaskTimeout(f"stopped after the hard limit of {seconds:g} s")

    old = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def sample_config(config: AgentConfig, sample: int) -> AgentConfig:
    """The config of one sample: distinct sample indices, so model samples differ."""
    return config.model_copy(update={"sample_index": config.sample_index + sample * config.samples})


def run_one(task_json: str, task_file: str, sample: int, config_json: str, trace_dir: str | None) -> dict:
    """Solve and score one task sample in a fresh temporary directory; returns the result record."""
    task = Task.model_validate_json(task_json)
    config = AgentConfig.model_validate_json(config_json)
    record: dict[str, Any] = {
        "id": task.id, "kind": task.kind, "sample": sample, "status": "error", "attempts": 0,
        "tokens_in": 0, "tokens_out": 0, "cost_usd": None, "seconds": 0.0, "proof": None,
        "reason": None, "exit": None, "tags": list(task.tags), "model": config.model,
    }
    t0 = time.monotonic()
    try:
        with tempfile.TemporaryDirectory(prefix="proofmend-eval-") as tmp:
            src = Path(task_file)
            work = Path(tmp) / src.name
            shutil.copyfile(src, work)
            if task.coq_flags:  # so that every tool run on the copy compiles it with the task's flags
                flags = "".join(f"-arg {shlex.quote(f)}\n" for f in task.coq_flags)
                (Path(tmp) / "_CoqProject").write_text(flags + src.name + "\n", encoding="utf-8")
            original = src.read_bytes().decode("utf-8")
            trace = Path(trace_dir) / trace_name(task.id, sample) if trace_dir else None
            with deadline(hard_limit_s(config)):
                attempt = solver_for(config.model).solve(task, work, sample_config(config, sample), trace)
                record.update(attempts=attempt.attempts, tokens_in=attempt.tokens_in, tokens_out=attempt.tokens_out,
                              cost_usd=attempt.cost_usd, proof=attempt.proof, exit=attempt.exit)
                status, reason = score(task, attempt.new_text, original, src, config)
            record.update(status=status, reason=reason if status != "solved" else None)
            if status != "solved" and attempt.error:
                record["reason"] = f"{reason}: {attempt.error}" if reason else attempt.error
    except Exception as e:  # the solver or the prover broke: recorded, the run goes on
        record.update(status="error", reason=f"{type(e).__name__}: {e}"[:2000])
    record["seconds"] = round(time.monotonic() - t0, 3)
    return record


def score(task: Task, new_text: str | None, original: str, task_file: Path, config: AgentConfig) -> tuple[str, str | None]:
    """("solved", None) when the audit accepts the new file; else ("failed", why)."""
    if new_text is None:
        return "failed", "no proof"
    if not target_is_done(new_text, task.theorem):
        return "failed", f"{task.theorem} is still a hole"
    limits = Limits(timeout_s=config.compile_timeout_s, memory_mb=config.memory_mb)
    verdict = judge(new_text, original, task, task_file, limits)
    if not verdict.accepted:
        return "failed", "audit rejected: " + "; ".join(str(f) for f in verdict.findings)
    return "solved", None


# ------------------------------------------------------------------ the run


def _run_info(config: AgentConfig, samples: int, corpus: Corpus) -> dict:
    return {"model": config.model, "attempts": config.attempts, "timeout_s": config.timeout_s,
            "samples": samples, "corpus": str(corpus.source), "config": json.loads(config.model_dump_json())}


def _prepare(out_dir: Path, info: dict, fresh: bool) -> dict:
    """Create or reuse ``out_dir``; refuse to mix results of different settings."""
    out_dir.mkdir(parents=True, exist_ok=True)
    info_path = out_dir / RUN_INFO
    if fresh:
        for name in (RESULTS, RUN_INFO):
            (out_dir / name).unlink(missing_ok=True)
        shutil.rmtree(out_dir / TRACES, ignore_errors=True)
    elif info_path.exists():
        old = json.loads(info_path.read_text(encoding="utf-8"))
        differ = [k for k in RUN_KEYS if k != "samples" and old.get(k) != info.get(k)]
        if differ:
            what = ", ".join(f"{k} {old.get(k)!r} → {info.get(k)!r}" for k in differ)
            raise InputError(f"{out_dir} holds a run with other settings ({what}); use --fresh or another --out")
        info = {**info, "wall_s": old.get("wall_s", 0.0), "started": old.get("started")}
    (out_dir / TRACES).mkdir(exist_ok=True)
    info.setdefault("started", time.strftime("%Y-%m-%dT%H:%M:%S"))
    info.setdefault("wall_s", 0.0)
    return info


def _write_info(out_dir: Path, info: dict) -> None:
    tmp = out_dir / (RUN_INFO + ".tmp")
    tmp.write_text(json.dumps(info, indent=2), encoding="utf-8")
    os.replace(tmp, out_dir / RUN_INFO)


def run_eval(
    corpus: Corpus,
    config: AgentConfig,
    samples: int = 1,
    workers: int = 1,
    out_dir: Path = Path("eval-out"),
    fresh: bool = False,
    progress: Progress | None = None,
) -> EvalRun:
    """Run ``config.model`` on every task of ``corpus`` ``samples`` times; write results, summary, report."""
    from .metrics import summarize
    from .report import write_report

    progress = progress or NoProgress()
    out_dir = Path(out_dir)
    info = _prepare(out_dir, _run_info(config, samples, corpus), fresh)
    results_path = out_dir / RESULTS
    done = {(r["id"], r["sample"]) for r in read_results(results_path)}
    todo = [(t, k) for t in corpus.tasks for k in range(samples) if (t.id, k) not in done]
    skipped = len(corpus.tasks) * samples - len(todo)
    _write_info(out_dir, info)

    config_json = config.model_dump_json()
    trace_dir = str(out_dir / TRACES)
    jobs = [(t.model_dump_json(), str(corpus.path_of(t)), k, config_json, trace_dir) for t, k in todo]
    log = ResultsLog(results_path)
    progress.start(len(corpus.tasks) * samples, skipped)
    t0 = time.monotonic()
    ran = 0
    try:
        for record in _execute(jobs, workers):
            log.append(record)
            ran += 1
            progress.advance(record)
    finally:
        log.close()
        progress.finish()
        info["wall_s"] = round(info["wall_s"] + time.monotonic() - t0, 3)
        info["last_run"] = {"workers": workers, "ran": ran, "skipped": skipped,
                            "wall_s": round(time.monotonic() - t0, 3)}
        _write_info(out_dir, info)
    records = read_results(results_path)
    summary = summarize(records, samples=samples, wall_s=info["wall_s"], run=info)
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    write_report(out_dir, summary, records)
    return EvalRun(out_dir, records, ran, skipped, summary)


def _error_record(job: tuple, reason: str) -> dict:
    task = Task.model_validate_json(job[0])
    return {"id": task.id, "kind": task.kind, "sample": job[2], "status": "error", "attempts": 0,
            "tokens_in": 0, "tokens_out": 0, "cost_usd": None, "seconds": 0.0, "proof": None,
            "reason": reason, "exit": None, "tags": list(task.tags),
            "model": AgentConfig.model_validate_json(job[3]).model}


def _new_pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))


def _stop(pool: ProcessPoolExecutor) -> None:
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in list((getattr(pool, "_processes", None) or {}).values()):  # no public way to stop busy workers
        proc.terminate()


def _execute(jobs: list[tuple], workers: int) -> Iterator[dict]:
    """Results of ``run_one`` over ``jobs`` as they complete.

    Workers are spawned (not forked: the parent may run threads).  When a worker
    process dies, the pool is rebuilt and the jobs in flight are retried once;
    a job in flight at two deaths is recorded as an error.
    """
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            yield run_one(*job)
        return
    workers = min(workers, len(jobs))
    pool = _new_pool(workers)
    pending: dict[Future, tuple] = {}
    deaths: dict[int, int] = {}
    queue = list(range(len(jobs)))[::-1]
    try:
        while queue or pending:
            # A bounded window: an interrupt leaves little queued work to cancel.
            while queue and len(pending) < 2 * workers:
                i = queue.pop()
                pending[pool.submit(run_one, *jobs[i])] = i
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            broken = False
            for fut in finished:
                i = pending.pop(fut)
                try:
                    yield fut.result()
                except BrokenProcessPool:
                    broken = True
                    deaths[i] = deaths.get(i, 0) + 1
                    if deaths[i] >= 2:
                        yield _error_record(jobs[i], "worker process died twice on this task")
                    else:
                        queue.append(i)
            if broken:
                for fut, i in pending.items():
                    deaths[i] = deaths.get(i, 0) + 1
                    queue.append(i)
                pending.clear()
                _stop(pool)
                pool = _new_pool(workers)
    except BaseException:
        _stop(pool)
        raise
    pool.shutdown(wait=True)
