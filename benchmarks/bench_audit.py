"""Time the acceptance audit of each sampled task's reference proof (bundled corpus).

    .venv/bin/python benchmarks/bench_audit.py [--sample N] [--seed S] [--task ID] [--json OUT]

To compare two versions of the audit under the same load, alternate them task
by task (PYTHONPATH pointing at the other version's tree):

    for id in $(.venv/bin/python benchmarks/bench_audit.py --list); do
      PYTHONPATH=/path/to/old .venv/bin/python benchmarks/bench_audit.py --task "$id"
      .venv/bin/python benchmarks/bench_audit.py --task "$id"
    done

Prints, per task, the seconds the audit took and whether it accepted, the
seconds of one plain ``coqc`` of the same candidate file (the project's flags,
same limits) and their ratio, then the medians and the mean.  The ratio is
the audit's cost counted in compiles of the file: the target is at most 1.5.  The same seed picks the same tasks, so runs before and
after a change of the audit compare.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import tempfile
import time
from pathlib import Path

from proofmend.evals.proofs import judge, task_project, with_proof
from proofmend.provers.coq.account import compile_module
from proofmend.evals.schema import load_corpus
from proofmend.evals.validate import REFERENCE_POLICY
from proofmend.provers.limits import Limits


def _cpu() -> float:
    """CPU seconds of this process and of the prover processes it waited for."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _as_repair(original: str, candidate: str, task, path: Path, limits: Limits) -> tuple[str, str]:
    """(original, candidate) as repair hands them to the audit, with the reference compiled already."""
    from proofmend.provers.coq.audit import failing_in_original, prepare_reference
    from proofmend.provers.coq.locator import parse_document

    project = task_project(task, path)
    doc = parse_document(original)
    failing, _ = failing_in_original(project, doc, limits)
    bodies = {j: doc.proofs[j].admitted_body(doc.text) for j in failing}
    cand_doc = parse_document(candidate)
    mended = {j: candidate[p.body_start : p.body_end] for j, p in enumerate(cand_doc.proofs)
              if candidate[p.body_start : p.body_end] != original[doc.proofs[j].body_start : doc.proofs[j].body_end]}
    base = doc.with_bodies(bodies)
    prepare_reference(project, base, path.name, limits).result()  # compiled and its session opened, as beside a search
    return base, doc.with_bodies({**bodies, **mended})


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sample", type=int, default=20)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--task", action="append", help="time only this task id (repeatable)")
    ap.add_argument("--list", action="store_true", help="print the sampled task ids and stop")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--as-repair", action="store_true",
                    help="time the audit as repair runs it: the failing proofs already known from its scan and "
                         "admitted, the reference compiled beforehand (beside the search); untimed: that preparation")
    args = ap.parse_args()
    corpus = load_corpus("builtin")
    tasks = [t for t in corpus.tasks if t.prover == "coq" and t.reference_proof]
    random.Random(args.seed).shuffle(tasks)
    tasks = [t for t in tasks if t.id in args.task] if args.task else tasks[: args.sample]
    if args.list:
        print("\n".join(t.id for t in tasks))
        return
    rows = []
    for task in tasks:
        path = corpus.path_of(task)
        original = path.read_bytes().decode("utf-8")
        candidate = with_proof(original, task.theorem, task.reference_proof, str(path))
        limits = Limits(timeout_s=600)
        if args.as_repair:
            original, candidate = _as_repair(original, candidate, task, path, limits)
        c0, t0 = _cpu(), time.monotonic()
        verdict = judge(candidate, original, task, path, limits, REFERENCE_POLICY)
        secs, cpu = time.monotonic() - t0, _cpu() - c0
        with tempfile.TemporaryDirectory() as tmp:
            t1 = time.monotonic()
            compile_module(task_project(task, path), candidate, path.stem, Path(tmp), Limits(timeout_s=600))
            one = time.monotonic() - t1
        rows.append({"id": task.id, "seconds": round(secs, 3), "cpu_seconds": round(cpu, 3), "accepted": verdict.accepted,
                     "compile_seconds": round(one, 3), "compiles": round(secs / one, 2)})
        print(f"{secs:7.2f} s  {cpu:7.2f} cpu-s  coqc {one:6.2f} s  {secs / one:5.2f} compiles  "
              f"{'accepted' if verdict.accepted else 'REJECTED'}  {task.id}", flush=True)
    times = [r["seconds"] for r in rows]
    cpus = [r["cpu_seconds"] for r in rows]
    ratios = [r["compiles"] for r in rows]
    print(f"tasks {len(rows)}  median {statistics.median(times):.2f} s ({statistics.median(cpus):.2f} cpu-s)  "
          f"mean {statistics.mean(times):.2f} s  accepted {sum(r['accepted'] for r in rows)}/{len(rows)}  "
          f"median {statistics.median(ratios):.2f} compiles of the file")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
