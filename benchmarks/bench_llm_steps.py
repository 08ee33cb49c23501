"""Five ways to use a real model, on the same lemmas and the same budget of model calls.

Lemmas: tasks of the bundled corpus (property, repair, nn_bound) that the
offline search alone does not solve within ``--select-timeout`` seconds
(``--select`` finds them and writes the list; the run reads it back).

Configurations (``--calls`` model calls per lemma in each):

  repair_rounds   whole-proof drafts, each failure (error, goals) fed back
  independent     independent whole-proof drafts
  drafts_search   today's default: stale repair, a short search, then drafts
                  with repair rounds, the search closing what a draft leaves
  step_search     the model proposes next tactics inside a best-first search
                  (``llm-search``)
  step_drafts     step search on half the calls, then drafts on the rest

Every model call goes through the response cache, so a call shared by two
configurations (the first draft of a lemma) is paid once, and an interrupted
run resumes where it stopped.  Run it alone on the machine::

    python benchmarks/bench_llm_steps.py --select --out bench_steps      # the lemmas (search only)
    local-llm start
    OPENAI_API_KEY=local python benchmarks/bench_llm_steps.py --model openai/local \\
        --api-base http://127.0.0.1:8765/v1 --out bench_steps
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

from proofmend.agent.config import AgentConfig, SearchConfig
from proofmend.evals.sample import run_one
from proofmend.evals.schema import load_corpus

KINDS = ("property", "repair", "nn_bound")

CONFIGS: dict[str, dict] = {
    "repair_rounds": dict(strategy=("llm",), repair_rounds=True, search_after_model=False),
    "independent": dict(strategy=("llm",), repair_rounds=False, search_after_model=False),
    "drafts_search": dict(strategy=None, repair_rounds=True, search_after_model=True),
    "step_search": dict(strategy=("llm-search",)),
    "step_drafts": dict(strategy=("llm-search", "llm"), repair_rounds=True, search_after_model=False),
}


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def select(args) -> None:
    corpus = load_corpus("builtin")
    config = AgentConfig(model="search", timeout_s=args.select_timeout, load_timeout_s=120.0)
    picked: dict[str, list[str]] = defaultdict(list)
    print(f"load before: {load()}", flush=True)
    rows = []
    for kind in KINDS:
        for task in (t for t in corpus.tasks if t.kind == kind):
            if len(picked[kind]) >= args.per_kind:
                break
            rec = run_one(task.model_dump_json(), str(corpus.path_of(task)), 0, config.model_dump_json(), None)
            rows.append({k: rec[k] for k in ("id", "status", "seconds", "exit")})
            if rec["status"] != "solved" and rec["status"] != "error":
                picked[kind].append(task.id)
            print(f"  {task.id:50} {rec['status']:10} {rec['seconds']:6.1f}s  picked {len(picked[kind])}/{args.per_kind}",
                  flush=True)
    print(f"load after: {load()}", flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "lemmas.json").write_text(json.dumps({"timeout_s": args.select_timeout, "picked": picked,
                                                       "rows": rows}, indent=1))
    print(f"wrote {args.out / 'lemmas.json'}: " + ", ".join(f"{k} {len(v)}" for k, v in picked.items()))


def run(args) -> None:
    corpus = load_corpus("builtin")
    by_id = {t.id: t for t in corpus.tasks}
    picked = json.loads((args.out / "lemmas.json").read_text())["picked"]
    # round robin over the kinds: a run cut short still covers each kind
    lists = [picked.get(kind, [])[: args.per_kind] for kind in KINDS]
    ids = [i for row in itertools.zip_longest(*lists) for i in row if i is not None]
    configs = args.configs.split(",") if args.configs else list(CONFIGS)
    results_file = args.out / "results.jsonl"
    done = set()
    if results_file.exists():
        for line in results_file.read_text().splitlines():
            r = json.loads(line)
            done.add((r["config"], r["id"]))
    print(f"load before: {load()}", flush=True)
    for i, tid in enumerate(ids):
        task = by_id[tid]
        for name in configs:
            if (name, tid) in done:
                continue
            cfg = AgentConfig(model=args.model, api_base=args.api_base, attempts=args.calls, timeout_s=args.timeout,
                              load_timeout_s=120.0, max_tokens=args.max_tokens, context_chars=args.context_chars,
                              temperature=0.2, search=SearchConfig(time_s=10.0), search_first_s=5.0,
                              **CONFIGS[name])
            trace_dir = args.out / "traces" / name
            trace_dir.mkdir(parents=True, exist_ok=True)
            t0 = time.monotonic()
            rec = run_one(task.model_dump_json(), str(corpus.path_of(task)), 0, cfg.model_dump_json(), str(trace_dir))
            rec.update(config=name, wall_s=round(time.monotonic() - t0, 2), load=load())
            with results_file.open("a") as fh:
                fh.write(json.dumps(rec) + "\n")
            print(f"[{i + 1}/{len(ids)}] {name:14} {tid:45} {rec['status']:9} calls {rec['attempts']} "
                  f"tok {rec['tokens_in']}/{rec['tokens_out']} {rec['seconds']:6.1f}s  load {rec['load']}", flush=True)
    print(f"load after: {load()}", flush=True)
    summarize(results_file, configs, ids)


def summarize(results_file: Path, configs: list[str], ids: list[str]) -> None:
    rows = [json.loads(line) for line in results_file.read_text().splitlines()]
    rows = [r for r in rows if r["id"] in ids]
    print(f"\n{'configuration':16}{'solved':>9}{'property':>10}{'repair':>8}{'nn_bound':>10}"
          f"{'calls':>7}{'tok in':>9}{'tok out':>9}{'median s':>10}")
    for name in configs:
        rs = [r for r in rows if r["config"] == name]
        if not rs:
            continue
        solved = [r for r in rs if r["status"] == "solved"]
        per = {k: sum(1 for r in solved if r["kind"] == k) for k in KINDS}
        print(f"{name:16}{len(solved):>5}/{len(rs):<3}{per['property']:>10}{per['repair']:>8}{per['nn_bound']:>10}"
              f"{sum(r['attempts'] for r in rs):>7}{sum(r['tokens_in'] for r in rs):>9}"
              f"{sum(r['tokens_out'] for r in rs):>9}{statistics.median(r['seconds'] for r in rs):>10.1f}")


ERROR_CLASSES = (
    ("unknown name", ("was not found", "not a defined object", "Unknown")),
    ("malformed reply", ("Syntax error", "does not parse", "Rejected before running", "refused before running")),
    ("bullets and focus", ("[Focus]", "bullet", "No such goal", "focus")),
    ("goals left", ("incomplete", "goals remain")),
    ("does not apply", ("Unable to unify", "Cannot unify", "Impossible to unify", "not convertible", "does not match",
                        "Found no subterm", "Cannot find", "No applicable", "not an inductive", "Tactic failure",
                        "cannot be applied", "is not an equality", "Attempt to save", "No matching")),
    ("timeout", ("Timeout", "timed out", "interrupted")),
)


def error_class(text: str) -> str:
    for name, needles in ERROR_CLASSES:
        if any(n in text for n in needles):
            return name
    return "other"


def analyze(out: Path) -> None:
    """Model speed and what the model got wrong, read from the trajectories."""
    calls = {"n": 0, "tin": 0, "tout": 0, "s": 0.0}
    for name in CONFIGS:
        folder = out / "traces" / name
        if not folder.is_dir():
            continue
        checks, kinds, steps = 0, defaultdict(int), defaultdict(int)
        for trace in folder.glob("*.jsonl"):
            for line in trace.read_text().splitlines():
                e = json.loads(line)
                if e["event"] == "model_call" and not e.get("cached"):
                    calls["n"] += 1
                    calls["tin"] += e["tokens_in"]
                    calls["tout"] += e["tokens_out"]
                    calls["s"] += e["seconds"]
                elif e["event"] == "check" and not e["ok"]:
                    checks += 1
                    kinds[error_class(e.get("error") or "")] += 1
                elif e["event"] == "check":
                    checks += 1
                    kinds["ran (goals left or closed)" if e.get("goals") else "closed"] += 1
                elif e["event"] == "step_search":
                    for k in ("suggested", "refused", "failed", "seen", "new", "closed"):
                        steps[k] += e.get(k, 0)
        print(f"\n{name}: {checks} model candidates run or refused")
        for k, v in sorted(kinds.items(), key=lambda kv: -kv[1]):
            print(f"  {k:28}{v:6}")
        if steps:
            print("  step suggestions: " + ", ".join(f"{k} {v}" for k, v in steps.items()))
    if calls["n"]:
        print(f"\nmodel calls made (not from the cache): {calls['n']}, {calls['tin']} tokens in, {calls['tout']} out, "
              f"{calls['s']:.0f} s: {calls['tout'] / calls['s']:.1f} tokens out/s, "
              f"{(calls['tin'] + calls['tout']) / calls['s']:.1f} tokens/s in+out, {calls['s'] / calls['n']:.1f} s a call")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--select", action="store_true", help="find the lemmas the search alone does not solve")
    ap.add_argument("--select-timeout", type=float, default=10.0)
    ap.add_argument("--per-kind", type=int, default=10)
    ap.add_argument("--model")
    ap.add_argument("--api-base")
    ap.add_argument("--calls", type=int, default=4, help="model calls per lemma")
    ap.add_argument("--timeout", type=float, default=240.0, help="seconds per lemma (model calls included)")
    ap.add_argument("--max-tokens", type=int, default=384)
    ap.add_argument("--context-chars", type=int, default=2500)
    ap.add_argument("--configs", help="comma-separated subset of: " + ",".join(CONFIGS))
    ap.add_argument("--summary", action="store_true", help="print the table of an earlier run")
    ap.add_argument("--analyze", action="store_true", help="model speed and failure classes from the trajectories")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    if args.select:
        select(args)
    elif args.analyze:
        analyze(args.out)
    elif args.summary:
        picked = json.loads((args.out / "lemmas.json").read_text())["picked"]
        summarize(args.out / "results.jsonl", list(CONFIGS), [i for k in KINDS for i in picked.get(k, [])])
    else:
        if not args.model:
            sys.exit("--model is needed (or --select)")
        run(args)


if __name__ == "__main__":
    main()
