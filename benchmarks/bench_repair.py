"""Proof repair after a change, offline: an automation portfolio against proofmend.

Usage: python benchmarks/bench_repair.py [--corpus DIR] [--timeout 30] [--out results.json]

Over the tasks of a corpus (default: the built-in repair tasks,
``proofmend/evals/corpus/repair``; each file holds the code after a change and
the old, now failing, proof of its target theorem):

  portfolio  throw the stale proof away and try each single tactic of a fixed
             list (``intros; auto``, ``lia``, ``congruence``, ``intuition``,
             ``firstorder``, ``eauto``, ...) alone on the bare statement, in a
             live session, within --timeout seconds in all;
  proofmend  ``repair FILE --theorem T --model search`` on a private copy
             (``mend_path``): stale-proof repair, then the tactic search, within
             --timeout seconds, its proof accepted by the full audit.

Prints success rates and median seconds, overall and by difficulty tag.
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import fmt_s, machine, median, mend, pct, portfolio, scratch, table, write_json  # noqa: E402

from proofmend.provers.coq.locator import parse_document  # noqa: E402
from proofmend.provers.coq.project import project_for  # noqa: E402

DEFAULT_CORPUS = Path(__file__).resolve().parent.parent / "proofmend" / "evals" / "corpus"
# Each tried alone, from the start of the proof.
REPAIR_TACTICS = (
    "reflexivity", "easy", "intros; auto", "intros; simpl; auto", "intros; lia", "intros; simpl; lia",
    "intros; congruence", "intuition", "intros; eauto", "tauto", "firstorder", "intros; subst; auto",
)
DIFFICULTY = ("easy", "medium", "hard")


def load_tasks(corpus: Path, kinds: set[str]) -> list[dict]:
    tasks = []
    for line in (corpus / "tasks.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        t = json.loads(line)
        if t.get("prover", "coq") == "coq" and t.get("kind") in kinds:
            tasks.append(t)
    return tasks


def task_copy(corpus: Path, task: dict, work: Path) -> Path:
    """The task's file in a private folder (with a _CoqProject carrying its flags, if any)."""
    src = corpus / task["file"]
    if not src.is_file() and (corpus.parent / task["file"]).is_file():  # a sub-corpus naming files from its parent
        src = corpus.parent / task["file"]
    d = work / task["id"].replace("/", "__")
    d.mkdir(parents=True)
    dst = d / src.name
    shutil.copy2(src, dst)
    if task.get("coq_flags"):
        flags = "".join(f"-arg {shlex.quote(f)}\n" for f in task["coq_flags"])
        (d / "_CoqProject").write_text(flags + dst.name + "\n", encoding="utf-8")
    return dst


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=__doc__.split("\n\n", 1)[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS,
                    help="a folder with tasks.jsonl (files relative to it); default: the built-in corpus")
    ap.add_argument("--kinds", default="repair", help="task kinds to take, comma-separated (default: repair)")
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds per proof for each configuration (default 30)")
    ap.add_argument("--limit", type=int, help="only the first N tasks")
    ap.add_argument("--out", type=Path, help="write the figures and every task's outcome as JSON")
    args = ap.parse_args(argv)

    corpus = args.corpus
    tasks = load_tasks(corpus, {k.strip() for k in args.kinds.split(",")})
    if args.limit:
        tasks = tasks[: args.limit]
    if not tasks:
        print(f"no tasks of kind {args.kinds} in {corpus}", file=sys.stderr)
        return 2
    print(f"{len(tasks)} tasks from {corpus}, {args.timeout:g} s per proof")
    work = scratch("bench-repair-")
    rows = []
    t_start = time.monotonic()
    try:
        for task in tasks:
            path = task_copy(corpus, task, work)
            text = path.read_text(encoding="utf-8")
            doc = parse_document(text)
            item = doc.proof_named(task["theorem"])
            row = {"id": task["id"], "theorem": task["theorem"], "tags": task.get("tags", [])}
            if item is None:
                row["error"] = "theorem not found"
                rows.append(row)
                continue
            a = portfolio(path.parent, text[: item.body_start], REPAIR_TACTICS, args.timeout, project=project_for(path))
            row["portfolio"] = {"solved": a.solved, "seconds": round(a.seconds, 3), "tactic": a.tactic, "error": a.error}
            c = mend(path, args.timeout, theorem=task["theorem"])
            row["proofmend"] = {k: (round(v, 3) if isinstance(v, float) else v) for k, v in c.items()}
            rows.append(row)
            print(f"[{len(rows):3d}] {task['id']:<40} portfolio={'Y' if a.solved else '.'} "
                  f"proofmend={'Y' if c['solved'] else '.'} ({c.get('exit') or c.get('error')}, {fmt_s(c['seconds'])} s)",
                  flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    ok_rows = [r for r in rows if "portfolio" in r]
    n = len(ok_rows)
    summary: dict = {}
    lines = []
    for c in ("portfolio", "proofmend"):
        solved = [r for r in ok_rows if r[c]["solved"]]
        summary[c] = {"solved": len(solved), "n": n,
                      "median_s_solved": median(r[c]["seconds"] for r in solved),
                      "median_s_all": median((r[c]["seconds"] if r[c]["seconds"] is not None else r[c].get("wall_s"))
                                             for r in ok_rows)}
        lines.append([c, pct(len(solved), n), fmt_s(summary[c]["median_s_solved"]), fmt_s(summary[c]["median_s_all"])])
    union = [r for r in ok_rows if r["portfolio"]["solved"] or r["proofmend"]["solved"]]
    summary["portfolio_only"] = [r["id"] for r in ok_rows if r["portfolio"]["solved"] and not r["proofmend"]["solved"]]
    summary["proofmend_only"] = [r["id"] for r in ok_rows if r["proofmend"]["solved"] and not r["portfolio"]["solved"]]
    print()
    print(f"{n} tasks, {args.timeout:g} s per proof, {time.monotonic() - t_start:.0f} s in all"
          + (f"; {len(rows) - n} not run (theorem not found)" if len(rows) > n else ""))
    print(table(["configuration", "solved", "median s (solved)", "median s (all)"],
                lines + [["either", pct(len(union), n), "-", "-"]]))
    by_tag = []
    for tag in DIFFICULTY:
        rs = [r for r in ok_rows if tag in r["tags"]]
        if rs:
            by_tag.append([tag, len(rs), sum(r["portfolio"]["solved"] for r in rs), sum(r["proofmend"]["solved"] for r in rs)])
    if by_tag:
        print()
        print(table(["difficulty", "n", "portfolio", "proofmend"], by_tag))
    print(f"\nsolved by the portfolio only: {', '.join(summary['portfolio_only']) or '-'}")
    print(f"solved by proofmend only ({len(summary['proofmend_only'])}): {', '.join(summary['proofmend_only']) or '-'}")
    unsolved = [r["id"] for r in ok_rows if not r["portfolio"]["solved"] and not r["proofmend"]["solved"]]
    print(f"solved by neither: {', '.join(unsolved) or '-'}")
    write_json(args.out, {"benchmark": "repair", "machine": machine(),
                          "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
                          "summary": summary, "rows": rows})
    return 0


if __name__ == "__main__":
    sys.exit(main())
