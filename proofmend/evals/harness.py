"""The eval harness: every task × sample, solved in a private copy, scored by the audit.

One line per (task, sample) goes to ``results.jsonl`` as soon as it is known
(append, flush, fsync: an interrupted run leaves only whole lines), written by
this process alone whatever runs the samples (a local pool, a Ray cluster).  A
rerun skips the pairs already there, unless ``fresh``.  Each sample runs in a
worker process with its own prover sessions (:mod:`.sample`).  A solver that
raises gives status ``error`` and the run goes on.  At the end
``summary.json``, ``report.md`` and ``success.png`` are written from all the
results in the directory.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ..agent.config import AgentConfig
from ..provers.errors import InputError
from .pool import LocalPool
from .schema import Corpus

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


class Executor(Protocol):
    """Runs jobs (the arguments of :func:`run_one`) and yields one record per job as they complete.

    Only the caller writes ``results.jsonl``: an executor never writes results.
    """

    def execute(self, jobs: list[tuple], corpus: Corpus) -> Iterator[dict]: ...
    def describe(self) -> dict: ...


def run_eval(
    corpus: Corpus,
    config: AgentConfig,
    samples: int = 1,
    workers: int = 1,
    out_dir: Path = Path("eval-out"),
    fresh: bool = False,
    progress: Progress | None = None,
    executor: Executor | None = None,
) -> EvalRun:
    """Run ``config.model`` on every task of ``corpus`` ``samples`` times; write results, summary, report.

    ``executor`` runs the samples (default: a :class:`LocalPool` of ``workers``
    processes); whichever it is, this function alone writes the output directory.
    """
    from .metrics import summarize
    from .report import write_report

    progress = progress or NoProgress()
    executor = executor or LocalPool(workers)
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
    written = set(done)
    try:
        for record in executor.execute(jobs, corpus):
            key = (record["id"], record["sample"])
            if key in written:  # never two lines for one pair
                continue
            written.add(key)
            log.append(record)
            ran += 1
            progress.advance(record)
    finally:
        log.close()
        progress.finish()
        info["wall_s"] = round(info["wall_s"] + time.monotonic() - t0, 3)
        info["last_run"] = {**executor.describe(), "ran": ran, "skipped": skipped,
                            "wall_s": round(time.monotonic() - t0, 3)}
        _write_info(out_dir, info)
    records = read_results(results_path)
    summary = summarize(records, samples=samples, wall_s=info["wall_s"], run=info)
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    write_report(out_dir, summary, records)
    return EvalRun(out_dir, records, ran, skipped, summary)


