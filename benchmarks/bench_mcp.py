"""An agent's loop through ``proofmend mcp``, against ``coqc`` on the file for each script tried.

On a copy of examples/shop, the SDK's own client (stdio) plays what a coding
agent typically does on a broken proof (Cart.v, cart_total_app): ``goals``,
then ROUNDS ``try`` calls of 4 proof scripts each, then one ``audit`` of the
file with the proof found.  The baseline is what an agent without the server
does for each script: write it into the file and run ``coqc`` with the
project's flags (Money.vo, which Cart.v requires, compiled once beforehand).
Prints the time per call and the ratio per script tried (median coqc run
over the median time per script inside a ``try`` call).

Run: python benchmarks/bench_mcp.py [--rounds 10] [--out FILE.json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import anyio
from mcp import Client, StdioServerParameters

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SHOP = ROOT / "examples" / "shop"
THEOREM = "cart_total_app"
STALE = "induction c1 as [| l c1 IH]; intros c2; simpl.\n  - reflexivity.\n  - rewrite IH. lia."
# What an agent tries in turn: variations on the stale proof, most of them wrong, some right.
SCRIPTS = [
    STALE,
    "induction c1 as [| l c1 IH]; intros c2.\n  - reflexivity.\n  - rewrite <- app_comm_cons, !cart_total_cons, IH. lia.",
    "intros c1 c2. lia.",
    "induction c1 as [| l c1 IH]; intros c2; simpl; auto.",
    "induction c1 as [| l c1 IH]; intros c2.\n  - reflexivity.\n  - simpl. rewrite cart_total_cons. lia.",
    "intros c1 c2. unfold cart_total. rewrite fold_left_app. apply cart_total_acc.",
    "induction c1 as [| l c1 IH]; intros c2.\n  - reflexivity.\n  - rewrite <- app_comm_cons, cart_total_cons, cart_total_cons, IH. lia.",
    "intros c1 c2. induction c1; simpl; [reflexivity | rewrite IHc1; lia].",
]
FIX = SCRIPTS[1]


def with_body(text: str, script: str) -> str:
    """Cart.v with the proof of THEOREM replaced by ``script``."""
    from proofmend.provers.coq.locator import parse_document

    doc = parse_document(text)
    index = next(i for i, p in enumerate(doc.proofs) if p.name == THEOREM)
    return doc.with_bodies({index: f"\nProof.\n  {script}\nQed."})


def coqc_per_script(shop: Path, scripts: list[str]) -> list[float]:
    """Seconds of one ``coqc`` of Cart.v (as the project builds it) with each script as the proof."""
    subprocess.run(["coqc", "-R", ".", "Shop", "Money.v"], cwd=shop, check=True, capture_output=True)
    original = (shop / "Cart.v").read_text()
    times = []
    for script in scripts:
        (shop / "Cart.v").write_text(with_body(original, script))
        t0 = time.perf_counter()
        subprocess.run(["coqc", "-R", ".", "Shop", "Cart.v"], cwd=shop, capture_output=True)
        times.append(time.perf_counter() - t0)
    (shop / "Cart.v").write_text(original)
    for f in shop.glob("*.vo*"):
        f.unlink()
    for f in [*shop.glob("*.glob"), *shop.glob(".*.aux")]:
        f.unlink()
    return times


async def agent_loop(shop: Path, rounds: int) -> dict:
    params = StdioServerParameters(command=sys.executable, args=["-m", "proofmend.cli", "mcp", str(shop)],
                                   env=dict(os.environ))
    timings: dict[str, list[float]] = {"first_goals": [], "goals": [], "try": [], "audit": []}
    statuses: list[str] = []
    async with Client(params, read_timeout_seconds=900) as client:
        async def timed(kind: str, tool: str, arguments: dict) -> dict:
            t0 = time.perf_counter()
            result = await client.call_tool(tool, arguments)
            timings[kind].append(time.perf_counter() - t0)
            assert not result.is_error, result.content
            return result.structured_content

        await timed("first_goals", "goals", {"file": "Cart.v", "theorem": THEOREM})  # builds Money, loads Cart
        await timed("goals", "goals", {"file": "Cart.v", "theorem": THEOREM})
        for k in range(rounds):
            batch = [SCRIPTS[(4 * k + j) % len(SCRIPTS)] for j in range(4)]
            out = await timed("try", "try", {"file": "Cart.v", "theorem": THEOREM, "tactics": batch})
            statuses += [r["status"] for r in out["results"]]
        candidate = with_body((shop / "Cart.v").read_text(), FIX)
        candidate = candidate.replace("intros [s q p] Hq. simpl in Hq. subst q.", "intros [s q p] Hq. simpl in Hq. subst p.")
        verdict = await timed("audit", "audit", {"original_file": "Cart.v", "candidate_text": candidate})
        assert verdict["accepted"], verdict
    return {"timings": timings, "statuses": statuses}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=10, help="try calls (4 scripts each)")
    ap.add_argument("--out", type=Path, help="write the figures as JSON")
    args = ap.parse_args()
    load = os.getloadavg()  # before the run: how busy the machine was
    with tempfile.TemporaryDirectory(prefix="bench-mcp-") as tmp:
        shop = Path(tmp) / "shop"
        shutil.copytree(SHOP, shop)
        loop = anyio.run(agent_loop, shop, args.rounds)
        scripts = [SCRIPTS[i % len(SCRIPTS)] for i in range(4 * args.rounds)]
        coqc = coqc_per_script(shop, scripts)
    t = loop["timings"]
    per_script = [x / 4 for x in t["try"]]
    ratio = statistics.median(coqc) / statistics.median(per_script)
    figures = {
        "machine": machine(), "load_avg_1_5_15": [round(x, 2) for x in load], "rounds": args.rounds,
        "first_goals_s": round(t["first_goals"][0], 3), "goals_s": round(t["goals"][0], 3),
        "try_call_median_s": round(statistics.median(t["try"]), 4),
        "try_per_script_median_s": round(statistics.median(per_script), 4),
        "coqc_per_script_median_s": round(statistics.median(coqc), 4),
        "coqc_per_script_mean_s": round(statistics.mean(coqc), 4),
        "audit_s": round(t["audit"][0], 3),
        "ratio_per_script": round(ratio, 1),
        "statuses": {s: loop["statuses"].count(s) for s in sorted(set(loop["statuses"]))},
    }
    print(f"first goals call (builds Money.v, loads Cart.v): {figures['first_goals_s']:.3f} s")
    print(f"goals (after):                 {figures['goals_s'] * 1000:8.1f} ms")
    print(f"try, 4 scripts (median of {args.rounds}): {figures['try_call_median_s'] * 1000:8.1f} ms per call, "
          f"{figures['try_per_script_median_s'] * 1000:.1f} ms per script  {figures['statuses']}")
    print(f"coqc Cart.v per script (median of {len(coqc)}): {figures['coqc_per_script_median_s'] * 1000:8.1f} ms")
    print(f"audit of the mended file:      {figures['audit_s']:8.3f} s")
    print(f"per script tried: {figures['ratio_per_script']}x faster through the server than coqc on the file "
          f"(load average {figures['load_avg_1_5_15']})")
    if args.out:
        args.out.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
