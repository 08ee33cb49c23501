"""Seconds until the first candidate is checked in a built project: the user's build used, or compiled again.

Usage: python benchmarks/bench_user_build.py [--files 60] [--lemmas 12] [--runs 1] [--out results.json]

Generates a project of --files files (a flags-only ``_CoqProject``, ``-R
theories Gen``) whose require graph is a layered DAG: each file requires the
two before it and the one ten before it, and carries --lemmas lemmas with real
``lia``/induction proofs.  The last file requires the others (transitively)
and holds one proof broken by a change (a lemma renamed).  The project is
built as its user would (``coqc`` on every file, in order, in place), then
``repair LAST.v --theorem T --trace …`` is run twice:

  user build   the project's up-to-date compiled files are loaded where they are;
  rebuild      every dependency compiled afresh in the private workspace
               (``use_user_build = False``: what a tool that ignores the user's
               build pays).

The figure is the time from the start of the run to the first ``check`` event
of the trace (the first candidate tried in the live session), and the whole
run; both runs must mend the proof.  Prints both and their ratio.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine, scratch, table, write_json  # noqa: E402

from proofmend.agent.config import AgentConfig  # noqa: E402
from proofmend.agent.loop.repair import mend_path  # noqa: E402
from proofmend.agent.trajectory import Trace  # noqa: E402

LEMMA = """Lemma l{k}_{i} : forall n m : nat, f{k} (n + m) + {i} = f{k} n + f{k} m + {i}.
Proof.
  intros n m. unfold f{k}. induction n as [|n IH]; simpl; lia.
Qed.
"""


def make_project(root: Path, files: int, lemmas: int) -> Path:
    (root / "theories").mkdir(parents=True)
    (root / "_CoqProject").write_text("-R theories Gen\n")
    for k in range(files - 1):
        reqs = sorted({j for j in (k - 1, k - 2, k - 10) if j >= 0})
        head = "Require Import Arith Lia.\n" + "".join(f"From Gen Require Import M{j}.\n" for j in reqs)
        body = [f"Definition f{k} (n : nat) : nat := {k + 2} * n.\n"]
        body += [LEMMA.format(k=k, i=i) for i in range(lemmas)]
        if k == files - 2:
            body.append(f"Lemma f{k}_add_new : forall n m, f{k} (n + m) = f{k} n + f{k} m.\n"
                        f"Proof. intros. unfold f{k}. lia. Qed.\n")
        (root / "theories" / f"M{k}.v").write_text(head + "\n" + "\n".join(body))
    last = files - 1
    prev = files - 2
    target = root / "theories" / f"M{last}.v"
    # The lemma was called f{prev}_add before the change; the old proof still uses that name.
    target.write_text(
        "Require Import Arith Lia.\n"
        + "".join(f"From Gen Require Import M{j}.\n" for j in (prev, prev - 1))
        + f"\nLemma uses_add : forall n, f{prev} (n + n) = f{prev} n + f{prev} n.\n"
        f"Proof.\n  intros n. rewrite f{prev}_add. reflexivity.\nQed.\n")
    return target


def user_build(root: Path, files: int) -> float:
    t0 = time.monotonic()
    for k in range(files - 1):
        subprocess.run(["coqc", "-R", "theories", "Gen", f"theories/M{k}.v"], cwd=root, check=True,
                       capture_output=True)
    return time.monotonic() - t0


def first_check(trace: Path, t_start: float) -> float | None:
    for line in trace.read_text(encoding="utf-8").splitlines():
        e = json.loads(line)
        if e.get("event") == "check":
            return e["time"] - t_start
    return None


def run(target: Path, use_user_build: bool, trace: Path) -> dict:
    config = AgentConfig(timeout_s=120, use_user_build=use_user_build)
    t_wall = time.time()
    t0 = time.monotonic()
    with Trace(trace) as tr:
        report = mend_path(target, config, theorem="uses_add", trace=tr)
    total = time.monotonic() - t0
    hole = report.holes[0] if report.holes else None
    return {"first_check_s": first_check(trace, t_wall), "total_s": total,
            "status": hole.status if hole else "none", "errors": [f.error for f in report.errors]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=__doc__.split("\n\n", 1)[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=60, help="files in the generated project (default 60)")
    ap.add_argument("--lemmas", type=int, default=12, help="lemmas per file (default 12)")
    ap.add_argument("--runs", type=int, default=1, help="repeat and report medians (default 1)")
    ap.add_argument("--out", type=Path, help="write the figures as JSON")
    args = ap.parse_args(argv)

    work = scratch("bench-user-build-")
    root = work / "proj"
    target = make_project(root, args.files, args.lemmas)
    build_s = user_build(root, args.files)
    print(f"{args.files}-file project, {args.lemmas} lemmas a file; the user's build took {build_s:.1f} s", flush=True)
    results: dict[str, list[dict]] = {"user build": [], "rebuild": []}
    for r in range(args.runs):
        for name, use in (("user build", True), ("rebuild", False)):
            res = run(target, use, work / f"trace-{r}-{use}.jsonl")
            results[name].append(res)
            print(f"run {r + 1} {name}: first check {res['first_check_s']}, whole run {res['total_s']:.2f} s, "
                  f"{res['status']}{' ' + str(res['errors']) if res['errors'] else ''}", flush=True)

    def med(name: str, key: str) -> float:
        vals = [x[key] for x in results[name] if x[key] is not None]
        return statistics.median(vals) if vals else float("nan")

    rows = [[name, f"{med(name, 'first_check_s'):.2f}", f"{med(name, 'total_s'):.2f}"] for name in results]
    print()
    print(table(["dependencies", "s to first candidate", "s whole run"], rows))
    ratio = med("rebuild", "first_check_s") / med("user build", "first_check_s")
    print(f"ratio rebuild / user build (to first candidate): {ratio:.1f}x")
    ok = all(x["status"] == "fixed" for v in results.values() for x in v)
    if not ok:
        print("NOT as intended: a run did not mend the proof", file=sys.stderr)
    write_json(args.out, {"benchmark": "user_build", "machine": machine(), "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
                          "user_build_s": build_s, "results": results, "ratio": ratio})
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
