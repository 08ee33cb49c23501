"""Checking candidates in a live session against recompiling the file for each.

Usage: python benchmarks/bench_live_vs_coqc.py [--lemmas 100] [--runs 1] [--out results.json]

Writes a Coq file of --lemmas lemmas (arithmetic and list facts, each with a
real proof) whose last proof is broken by a stale name (a definition that was
removed), and a replay file of 11 candidate proofs: 10 wrong ones, then the
right one.  Then times

  live   ``repair FILE --model replay:R --attempts 11 --json`` as a subprocess,
         the whole run (start-up, scan, live session, the 11 candidates, the
         audit's fresh compile);
  coqc   11 ``coqc`` runs of the whole file, one per candidate, in order (what
         a loop without a live session pays),

and prints both and their ratio.  The JSON of the repair run must show the
hole fixed with the 11th candidate; otherwise the figures are flagged.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import coqc, machine, scratch, table, write_json  # noqa: E402

HEADER = """(** Small facts about arithmetic and lists.  [isqrt] was removed from this
    file; the last proof still uses it. *)

Require Import Arith Lia List.
Import ListNotations.

Fixpoint sum (l : list nat) : nat :=
  match l with
  | [] => 0
  | x :: t => x + sum t
  end.

Fixpoint sum_acc (l : list nat) (acc : nat) : nat :=
  match l with
  | [] => acc
  | x :: t => sum_acc t (acc + x)
  end.

"""

TEMPLATES = (
    ("add_shift_{i}", "forall n m : nat, n + m + {i} = m + {i} + n", "intros n m. lia."),
    ("app_length3_{i}", "forall l1 l2 : list nat, length (l1 ++ l2 ++ [{i}]) = length l1 + length l2 + 1",
     "intros l1 l2. rewrite !app_length. simpl. lia."),
    ("rev_snoc_{i}", "forall l : list nat, rev (rev (l ++ [{i}])) = l ++ [{i}]", "intros l. apply rev_involutive."),
    ("sum_app_{i}", "forall l1 l2 : list nat, sum (l1 ++ l2) + {i} = sum l1 + sum l2 + {i}",
     "intros l1 l2. induction l1 as [| x l1 IH]; simpl; lia."),
    ("mul_ge_{i}", "forall n : nat, n <= n * ({i} + 1)", "intros n. rewrite Nat.mul_add_distr_l, Nat.mul_1_r. lia."),
    ("map_length_{i}", "forall l : list nat, length (map (fun x => x + {i}) l) = length l", "intros l. apply map_length."),
    ("sum_acc_{i}", "forall l : list nat, forall acc, sum_acc l (acc + {i}) = acc + {i} + sum l",
     "intros l. induction l as [| x l IH]; intros acc; simpl.\n  - lia.\n  - replace (acc + {i} + x) with ((acc + x) + {i}) by lia.\n    rewrite IH. lia."),
    ("in_cons_{i}", "forall l : list nat, In {i} ({i} :: l)", "intros l. left. reflexivity."),
    ("max_bound_{i}", "forall n : nat, Nat.max n {i} >= {i}", "intros n. lia."),
    ("firstn_all_{i}", "forall l : list nat, firstn (length l + {i}) l = l",
     "intros l. apply firstn_all2. lia."),
)

TARGET = "Lemma small_root : exists n, n * n = 1369 /\\ n < 40."
STALE = "Proof.\n  exists (isqrt 1369); split; [reflexivity | lia].\nQed."
WRONG = (
    "exists (isqrt 1369); split; [reflexivity | lia].",
    "exists 36; split; [reflexivity | lia].",
    "exists 38; split; [reflexivity | lia].",
    "exists 40; split; [reflexivity | lia].",
    "exists 1369; split; [reflexivity | lia].",
    "reflexivity.",
    "lia.",
    "exists (Nat.sqrt 1368); split; [reflexivity | lia].",
    "exists 37; split; discriminate.",
    "exists 37; reflexivity.",
)
RIGHT = "exists 37; split; [reflexivity | lia]."


def make_file(lemmas: int) -> str:
    parts = [HEADER]
    for k in range(lemmas - 1):
        name, stmt, proof = TEMPLATES[k % len(TEMPLATES)]
        i = k // len(TEMPLATES) + 1
        parts.append(f"Lemma {name.format(i=i)} : {stmt.format(i=i)}.\nProof.\n  {proof.format(i=i)}\nQed.\n\n")
    parts.append(f"{TARGET}\n{STALE}\n")
    return "".join(parts)


def with_proof(text: str, tactic: str) -> str:
    return text.replace(f"{TARGET}\n{STALE}", f"{TARGET}\nProof.\n  {tactic}\nQed.")


def phases(trace: Path) -> dict:
    """Seconds of the run's phases, from its trace: the candidates' checks, the automatic repairs, the audit."""
    out = {"model_candidate_checks": 0.0, "stale_repair": 0.0, "search": 0.0, "audit": 0.0, "candidates_checked": 0}
    seen_model = False
    try:
        lines = trace.read_text(encoding="utf-8").splitlines()
    except OSError:
        return out
    for line in lines:
        e = json.loads(line)
        ev = e.get("event")
        if ev == "model_call":
            seen_model = True
        elif ev == "check" and seen_model:
            out["model_candidate_checks"] += e.get("seconds") or 0.0
            out["candidates_checked"] += 1
        elif ev in ("stale_repair", "search", "audit"):
            out[ev] += e.get("seconds") or 0.0
    return {k: round(v, 3) if isinstance(v, float) else v for k, v in out.items()}


def repair_command() -> list[str]:
    exe = shutil.which("repair")
    return [exe] if exe else [sys.executable, "-c", "from proofmend.cli import repair_app; repair_app()"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=__doc__.split("\n\n", 1)[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lemmas", type=int, default=100, help="lemmas in the generated file, the broken one included (default 100)")
    ap.add_argument("--runs", type=int, default=1, help="repeat both measurements and report medians (default 1)")
    ap.add_argument("--timeout", type=float, default=60.0, help="--timeout passed to repair (default 60)")
    ap.add_argument("--keep", type=Path, help="also copy the generated .v and replay files to this folder")
    ap.add_argument("--strategy", default="stale,search,llm",
                    help="--strategy passed to repair (default stale,search,llm: the replies are whole proofs, "
                         "drafts as the coqc loop tries them, after the stale repair and the search; 'llm' checks "
                         "the model's candidates only)")
    ap.add_argument("--out", type=Path, help="write the figures as JSON")
    args = ap.parse_args(argv)

    work = scratch("bench-live-")
    text = make_file(args.lemmas)
    src = work / "Facts.v"
    src.write_text(text, encoding="utf-8")
    replay = work / "replies.jsonl"
    with replay.open("w", encoding="utf-8") as fh:
        for tac in (*WRONG, RIGHT):
            fh.write(json.dumps({"content": f"```coq\nProof.\n  {tac}\nQed.\n```"}) + "\n")
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, args.keep / src.name)
        shutil.copy2(replay, args.keep / replay.name)
    candidates = (*WRONG, RIGHT)

    # Sanity: the file as given fails, and the right candidate makes it compile.
    ok_broken, _, _ = coqc(src, 300)
    right_file = work / "right" / "Facts.v"
    right_file.parent.mkdir()
    right_file.write_text(with_proof(text, RIGHT), encoding="utf-8")
    ok_right, _, _ = coqc(right_file, 300)
    if ok_broken or not ok_right:
        print(f"generated file is not as intended (broken compiles: {ok_broken}, fixed compiles: {ok_right})", file=sys.stderr)
        return 1

    live_runs, coqc_runs, compiles, reports = [], [], [], []
    for run in range(args.runs):
        trace = work / f"trace{run}.jsonl"
        cmd = [*repair_command(), str(src), "--model", f"replay:{replay}", "--attempts", str(len(candidates)),
               "--timeout", f"{args.timeout:g}", "--json", "--trace", str(trace),
               *(["--strategy", args.strategy] if args.strategy else []),
               # the replayed candidates are what is compared: no tactic search before the model
               "--search-first", "0"]
        t0 = time.monotonic()
        p = subprocess.run(cmd, capture_output=True, text=True, cwd=work, stdin=subprocess.DEVNULL)
        live_runs.append(time.monotonic() - t0)
        try:
            rep = json.loads(p.stdout)
            hole = rep["holes"][0]
        except (ValueError, KeyError, IndexError):
            print(f"repair did not give JSON (exit {p.returncode}): {p.stderr[-500:]}", file=sys.stderr)
            return 1
        reports.append({"exit_code": p.returncode, "status": hole["status"], "attempts": hole["attempts"],
                        "exit": hole.get("exit"), "proof": hole["proof"], "hole_elapsed_s": hole["elapsed_s"],
                        "phases_s": phases(trace)})

        total = 0.0
        for k, tac in enumerate(candidates):
            d = work / f"coqc{run}_{k:02d}"
            d.mkdir()
            f = d / "Facts.v"
            f.write_text(with_proof(text, tac), encoding="utf-8")
            ok, secs, _ = coqc(f, 300)
            if ok != (k == len(candidates) - 1):
                print(f"candidate {k + 1} {'compiled' if ok else 'failed'} unexpectedly", file=sys.stderr)
                return 1
            compiles.append(secs)
            total += secs
        coqc_runs.append(total)
        print(f"run {run + 1}: live {live_runs[-1]:.2f} s ({hole['status']}, {hole['attempts']} attempts), "
              f"coqc x{len(candidates)} {total:.2f} s", flush=True)

    live = statistics.median(live_runs)
    batch = statistics.median(coqc_runs)
    last = reports[-1]
    as_intended = last["status"] == "fixed" and last["attempts"] == len(candidates) and RIGHT.split(";")[0] in (last["proof"] or "")
    print()
    print(f"{args.lemmas}-lemma file, {len(candidates)} candidates (10 wrong, then the right one)")
    print(table(["way", "seconds", "per candidate"], [
        ["repair --model replay (live session, whole run)", f"{live:.2f}", f"{live / len(candidates):.2f}"],
        [f"coqc of the whole file x{len(candidates)}", f"{batch:.2f}", f"{batch / len(candidates):.2f}"],
    ]))
    print(f"one coqc of the whole file: median {statistics.median(compiles):.2f} s")
    print(f"ratio coqc / live: {batch / live:.1f}x")
    ph = last["phases_s"]
    print(f"inside the repair run: {ph['candidates_checked']} candidate checks {ph['model_candidate_checks']:.2f} s "
          f"(vs coqc x{len(candidates)} {batch:.2f} s: {batch / max(ph['model_candidate_checks'], 1e-3):.0f}x), "
          f"stale-proof repair {ph['stale_repair']:.2f} s and search {ph['search']:.2f} s before the model, "
          f"audit {ph['audit']:.2f} s")
    print(f"repair: status {last['status']}, attempts {last['attempts']}, exit {last['exit']}, "
          f"hole {last['hole_elapsed_s']:.2f} s" + ("" if as_intended else "  (NOT as intended: the 11th candidate was not the one accepted)"))
    write_json(args.out, {"benchmark": "live_vs_coqc", "machine": machine(),
                          "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
                          "live_s": live_runs, "coqc_total_s": coqc_runs, "coqc_each_s": compiles,
                          "ratio": batch / live, "as_intended": as_intended, "repair": reports})
    shutil.rmtree(work, ignore_errors=True)
    return 0 if as_intended else 1


if __name__ == "__main__":
    sys.exit(main())
