"""Offline search on short lemmas of Coq's own standard library.

Usage: python benchmarks/bench_search_stdlib.py [--n 60] [--seed 0] [--timeout 10] [--out results.json]

Samples top-level lemmas (outside any Section or Module) whose library proof
has at most --max-sentences tactic sentences, from the installed standard
library (``coqc -where``/theories).  Each becomes a lone file: the library
file's own text up to the lemma's statement (its real imports and definitions),
the statement, then ``Proof.`` ``Admitted.``.  Lemmas whose file does not
compile within --prefix-timeout seconds are passed over.  Three ways to close
each hole, each given --timeout seconds:

  portfolio  each single tactic of a fixed list (auto, lia, congruence, tauto,
             firstorder, ...) tried alone in a live session;
  sauto      CoqHammer's ``sauto`` alone; for this one the file starts with
             ``From Hammer Require Import Tactics.`` (skipped when CoqHammer is
             not installed);
  proofmend  ``repair FILE --model search`` on the plain file (``mend_path``),
             its proof accepted by the full audit (fresh coqc compile included).

Prints the success rate of each, of the union portfolio+sauto, and the median
seconds (solved holes, and all holes).  The sample is deterministic for a seed.
"""

from __future__ import annotations

import argparse
import random
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (HAMMER_IMPORT, SINGLE_TACTICS, coqc, fmt_s, machine, median, mend, pct,  # noqa: E402
                     portfolio, scratch, table, write_json)

from proofmend.provers.coq.batch import coqc_binary  # noqa: E402
from proofmend.provers.coq.sentences import SentenceKind, SplitError, split_sentences  # noqa: E402

DIRS = ("Arith", "Lists", "Bool", "ZArith", "Sorting", "NArith", "Logic", "PArith")
KEYWORDS = {"Lemma", "Theorem", "Fact", "Remark", "Corollary", "Proposition"}
TERMINATORS = {"Qed", "Defined", "Admitted", "Abort", "Save"}
SCOPE_OPENERS = {"Section", "Module"}


def theories_dir() -> Path:
    where = subprocess.run([coqc_binary(), "-where"], capture_output=True, text=True, check=True).stdout.strip()
    return Path(where) / "theories"


def hammer_installed() -> bool:
    where = subprocess.run([coqc_binary(), "-where"], capture_output=True, text=True, check=True).stdout.strip()
    return (Path(where) / "user-contrib" / "Hammer" / "Tactics" / "Tactics.vo").is_file()


def _words(text: str) -> list[str]:
    text = re.sub(r"\(\*.*?\*\)", " ", text, flags=re.S)
    text = re.sub(r"^\s*(#\[[^\]]*\]\s*)+", "", text)
    return [w.rstrip(".") for w in re.findall(r"[A-Za-z_][\w'.]*", text)[:4]]


def _defines_inline(text: str) -> bool:
    """``Module M := N.`` or ``Module M : T := N.`` opens no scope."""
    return ":=" in re.sub(r"\(\*.*?\*\)", " ", text)


def short_lemmas(path: Path, max_sentences: int) -> list[dict]:
    """Top-level lemmas of ``path`` proved by ``Qed`` in at most ``max_sentences`` tactic sentences."""
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        sents = split_sentences(text)
    except SplitError:
        return []
    out = []
    depth = 0
    i = 0
    while i < len(sents):
        s = sents[i]
        w = _words(s.text) if s.kind is SentenceKind.COMMAND else []
        while w and w[0] in ("Local", "Global", "Polymorphic", "Monomorphic", "Program"):
            w = w[1:]
        if w and w[0] in SCOPE_OPENERS and not _defines_inline(s.text):
            depth += 1
        elif w and w[0] == "End" and len(w) > 1:
            depth = max(0, depth - 1)
        elif w and w[0] in KEYWORDS and len(w) > 1:
            j = i + 1
            while j < len(sents) and not (sents[j].kind is SentenceKind.COMMAND
                                          and _words(sents[j].text)[:1] and _words(sents[j].text)[0] in TERMINATORS):
                j += 1
            if j >= len(sents):
                break
            body = sents[i + 1 : j]
            term = _words(sents[j].text)[0]
            tactics = [b for b in body if b.kind is SentenceKind.COMMAND and _words(b.text)[:1] != ["Proof"]]
            opener_ok = all(_words(b.text)[:2] != ["Proof", "using"] for b in body)
            if depth == 0 and term == "Qed" and 1 <= len(tactics) <= max_sentences and opener_ok:
                out.append({
                    "name": w[1].rstrip("."),
                    "keyword": w[0],
                    "statement_end": s.end,
                    "sentences": len(tactics),
                    "library_proof": text[sents[i + 1].start if body else s.end : sents[j].end].strip(),
                })
            i = j + 1
            continue
        i += 1
    return out


def candidates(theories: Path, dirs: tuple[str, ...], max_sentences: int, seed: int) -> list[dict]:
    """Every eligible lemma, shuffled per directory and dealt round-robin across directories."""
    rng = random.Random(seed)
    per_dir: list[list[dict]] = []
    for d in dirs:
        found = []
        for f in sorted((theories / d).rglob("*.v")):
            for lem in short_lemmas(f, max_sentences):
                lem["file"] = str(f)
                lem["module"] = "Coq." + ".".join(f.relative_to(theories).with_suffix("").parts)
                lem["dir"] = d
                found.append(lem)
        rng.shuffle(found)
        per_dir.append(found)
    dealt = []
    k = 0
    while any(k < len(p) for p in per_dir):
        dealt += [p[k] for p in per_dir if k < len(p)]
        k += 1
    return dealt


def hole_text(lem: dict) -> str:
    text = Path(lem["file"]).read_text(encoding="utf-8", errors="replace")
    return text[: lem["statement_end"]] + "\nProof.\nAdmitted.\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=__doc__.split("\n\n", 1)[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=60, help="lemmas to sample (default 60)")
    ap.add_argument("--seed", type=int, default=0, help="sampling seed (default 0)")
    ap.add_argument("--timeout", type=float, default=10.0, help="seconds per hole for each configuration (default 10)")
    ap.add_argument("--max-sentences", type=int, default=5, help="longest library proof sampled, in tactic sentences")
    ap.add_argument("--prefix-timeout", type=float, default=5.0, help="a lemma whose file takes longer to compile is passed over")
    ap.add_argument("--dirs", default=",".join(DIRS), help="comma-separated folders of theories/ to sample from")
    ap.add_argument("--configs", default="portfolio,sauto,proofmend",
                    help="which to run, comma-separated: portfolio, sauto, proofmend, proofmend+hammer")
    ap.add_argument("--extra-import", default="",
                    help="a line put at the top of every file, e.g. 'From Coq Require Import Lia.' (default: none)")
    ap.add_argument("--out", type=Path, help="write the figures and every lemma's outcome as JSON")
    args = ap.parse_args(argv)

    configs = [c.strip() for c in args.configs.split(",") if c.strip()]
    have_hammer = hammer_installed()
    if not have_hammer:
        configs = [c for c in configs if "hammer" not in c and c != "sauto"]
        print("CoqHammer is not installed: sauto is skipped")
    theories = theories_dir()
    pool = candidates(theories, tuple(d.strip() for d in args.dirs.split(",")), args.max_sentences, args.seed)
    print(f"{len(pool)} eligible lemmas in {args.dirs}; sampling {args.n} (seed {args.seed}), {args.timeout:g} s per hole")
    work = scratch("bench-stdlib-")
    rows: list[dict] = []
    skipped = 0
    t_start = time.monotonic()
    for lem in pool:
        if len(rows) >= args.n:
            break
        k = len(rows)
        d = work / f"L{k:03d}"
        d.mkdir()
        text = (args.extra_import + "\n" if args.extra_import else "") + hole_text(lem)
        path = d / f"B{k:03d}.v"
        path.write_text(text, encoding="utf-8")
        ok, secs, _ = coqc(path, args.prefix_timeout)
        if not ok:
            skipped += 1
            for f in d.iterdir():
                f.unlink()
            d.rmdir()
            continue
        row = {"id": f"{lem['module']}.{lem['name']}", "dir": lem["dir"], "sentences": lem["sentences"],
               "library_proof": lem["library_proof"], "prefix_compile_s": round(secs, 2)}
        prefix = text[: text.rindex("\nProof.\nAdmitted.")]
        if "portfolio" in configs:
            a = portfolio(d, prefix, SINGLE_TACTICS, args.timeout)
            row["portfolio"] = {"solved": a.solved, "seconds": round(a.seconds, 3), "tactic": a.tactic, "error": a.error}
        if "sauto" in configs:
            b = portfolio(d, HAMMER_IMPORT + prefix, ("sauto",), args.timeout)
            row["sauto"] = {"solved": b.solved, "seconds": round(b.seconds, 3), "error": b.error}
        if "proofmend" in configs:
            c = mend(path, args.timeout)
            row["proofmend"] = {k2: (round(v, 3) if isinstance(v, float) else v) for k2, v in c.items()}
        if "proofmend+hammer" in configs:
            hp = d / f"H{k:03d}.v"
            hp.write_text(HAMMER_IMPORT + text, encoding="utf-8")
            c = mend(hp, args.timeout)
            row["proofmend+hammer"] = {k2: (round(v, 3) if isinstance(v, float) else v) for k2, v in c.items()}
        rows.append(row)
        marks = " ".join(f"{c}={'Y' if row[c]['solved'] else '.'}" for c in configs)
        print(f"[{len(rows):3d}] {row['id']:<55} {marks}", flush=True)
        if args.out:
            write_json_quiet(args.out, {"partial": True, "rows": rows})

    n = len(rows)
    summary: dict = {}
    lines = []
    for c in configs:
        solved = [r for r in rows if r[c]["solved"]]
        summary[c] = {"solved": len(solved), "n": n, "median_s_solved": median(r[c]["seconds"] for r in solved),
                      "median_s_all": median(r[c]["seconds"] if r[c]["solved"] else
                                             (r[c].get("wall_s") or r[c]["seconds"] or args.timeout) for r in rows)}
        lines.append([c, pct(len(solved), n), fmt_s(summary[c]["median_s_solved"]), fmt_s(summary[c]["median_s_all"])])
    if "portfolio" in configs and "sauto" in configs:
        u = [r for r in rows if r["portfolio"]["solved"] or r["sauto"]["solved"]]
        summary["portfolio|sauto"] = {"solved": len(u), "n": n}
        lines.append(["portfolio | sauto (union)", pct(len(u), n), "-", "-"])
        if "proofmend" in configs:
            only_pm = [r["id"] for r in rows if r["proofmend"]["solved"] and not (r["portfolio"]["solved"] or r["sauto"]["solved"])]
            only_base = [r["id"] for r in rows if not r["proofmend"]["solved"] and (r["portfolio"]["solved"] or r["sauto"]["solved"])]
            summary["proofmend_only"] = only_pm
            summary["union_only"] = only_base
    print()
    print(f"{n} lemmas ({skipped} passed over: file did not compile within {args.prefix_timeout:g} s), "
          f"{args.timeout:g} s per hole, {time.monotonic() - t_start:.0f} s in all")
    print(table(["configuration", "solved", "median s (solved)", "median s (all)"], lines))
    if "proofmend_only" in summary:
        print(f"\nsolved by proofmend only ({len(summary['proofmend_only'])}): {', '.join(summary['proofmend_only']) or '-'}")
        print(f"solved by portfolio|sauto only ({len(summary['union_only'])}): {', '.join(summary['union_only']) or '-'}")
    by_dir: dict[str, list[dict]] = {}
    for r in rows:
        by_dir.setdefault(r["dir"], []).append(r)
    print()
    print(table(["folder", "n", *configs], [[d, len(rs), *(sum(r[c]["solved"] for r in rs) for c in configs)]
                                            for d, rs in sorted(by_dir.items())]))
    write_json(args.out, {"benchmark": "search_stdlib", "machine": machine(),
                          "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
                          "skipped": skipped, "summary": summary, "rows": rows})
    return 0


def write_json_quiet(path: Path, data: dict) -> None:
    import json

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
