"""A real model three ways, on the same lemmas and the same number of model calls.

(a) repair rounds fed by the error and the goals, (b) independent samples
(fresh drafts), (c) the model together with the tactic search (a short search
first, and search closing goals a reply leaves open).  Every call goes through
the cache, so a draft shared by the modes is paid once.

    python benchmarks/bench_llm_modes.py --model openai/local --api-base http://127.0.0.1:8765/v1 --n 30
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from proofmend.agent.config import AgentConfig, SearchConfig
from proofmend.agent.models import ModelSettings, make_model
from proofmend.agent.loop.repair import mend_path
from proofmend.evals.schema import load_corpus

MODES = {
    "repair_rounds": dict(repair_rounds=True, search_first_s=0.0, search_after_model=False),
    "independent": dict(repair_rounds=False, search_first_s=0.0, search_after_model=False),
    "llm_plus_search": dict(repair_rounds=True, search_first_s=5.0, search_after_model=True),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--api-base")
    ap.add_argument("--n", type=int, default=30)
    ap.add_argument("--calls", type=int, default=2, help="model calls per lemma")
    ap.add_argument("--kind", default="property")
    ap.add_argument("--max-tokens", type=int, default=256)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    corpus = load_corpus("builtin")
    tasks = [t for t in corpus.tasks if t.kind == args.kind][: args.n]
    model = make_model(args.model, ModelSettings(api_base=args.api_base, max_tokens=args.max_tokens, temperature=0.2))
    rows: dict[str, list[dict]] = {m: [] for m in MODES}
    for i, task in enumerate(tasks):
        for mode, opts in MODES.items():
            cfg = AgentConfig(model=args.model, api_base=args.api_base, attempts=args.calls, timeout_s=900,
                              max_tokens=args.max_tokens, stale_repair=False, search=SearchConfig(time_s=5.0), **opts)
            with tempfile.TemporaryDirectory() as tmp:
                src = corpus.root / task.file
                dst = Path(tmp) / Path(task.file).name
                shutil.copy(src, dst)
                t0 = time.monotonic()
                rep = mend_path(dst, cfg, model=model, theorem=task.theorem)
                hole = rep.holes[0] if rep.holes else None
            rows[mode].append({"id": task.id, "fixed": bool(hole and hole.status == "fixed"),
                               "attempts": hole.attempts if hole else 0, "seconds": round(time.monotonic() - t0, 2),
                               "exit": hole.exit if hole else "none"})
            print(f"[{i + 1}/{len(tasks)}] {mode:16} {task.id:40} {rows[mode][-1]['exit']:20} {rows[mode][-1]['seconds']:7.1f}s", flush=True)
    print(f"\n{'mode':18}{'solved':>10}{'rate':>8}{'model calls':>13}{'median s':>10}")
    summary = {}
    for mode, rs in rows.items():
        solved = sum(r["fixed"] for r in rs)
        calls = sum(r["attempts"] for r in rs)
        med = statistics.median(r["seconds"] for r in rs) if rs else 0
        summary[mode] = {"solved": solved, "n": len(rs), "calls": calls, "median_s": med}
        print(f"{mode:18}{solved:>6}/{len(rs):<3}{solved / max(1, len(rs)):8.0%}{calls:>13}{med:>10.1f}")
    if args.out:
        args.out.write_text(json.dumps({"summary": summary, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
