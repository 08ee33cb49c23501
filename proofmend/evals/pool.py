"""The local executor: a pool of processes on this machine."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from ..agent.config import AgentConfig
from .sample import run_one
from .schema import Corpus, Task


class LocalPool:
    """Processes on this machine: ``workers`` doing prover work at once.

    With ``model_concurrency`` N > workers, N samples are in flight, each holding
    one of ``workers`` prover slots except while it waits on a model call.
    """

    def __init__(self, workers: int = 1, model_concurrency: int | None = None):
        self.workers = workers
        self.model_concurrency = model_concurrency

    def execute(self, jobs: list[tuple], corpus: Corpus) -> Iterator[dict]:
        if self.model_concurrency and self.model_concurrency > self.workers:
            return _execute([(*job, self.workers) for job in jobs], self.model_concurrency)
        return _execute(jobs, self.workers)

    def describe(self) -> dict:
        return {"executor": "local", "workers": self.workers, "model_concurrency": self.model_concurrency}



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
