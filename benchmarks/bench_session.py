"""Live session vs coqc: trying candidates for the last proof of a 100-lemma file.

Prints the time to try 20 wrong candidates and 1 right one (a) in one live
coqidetop session parked at the proof, and (b) with one coqc run of the whole
file per candidate, and their ratio.  Run: python benchmarks/bench_session.py
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from proofmend.provers.coq.batch import compile_text
from proofmend.provers.coq.project import CoqProject
from proofmend.provers.coq.session import ProofSession
from proofmend.provers.results import TacticOk

LEMMAS = [
    ("forall n : nat, n + 0 = n", "intros n. induction n; simpl; auto."),
    ("forall n m : nat, n + S m = S (n + m)", "intros n m. induction n; simpl; auto."),
    ("forall (A : Type) (l : list A), l ++ nil = l", "intros A l. induction l; simpl; congruence."),
    ("forall n m : nat, n <= m -> n <= S m", "intros; lia."),
    ("forall (A : Type) (l1 l2 : list A), length (l1 ++ l2) = length l1 + length l2",
     "intros A l1 l2. induction l1; simpl; auto."),
    ("forall b : bool, negb (negb b) = b", "intros []; reflexivity."),
    ("forall n : nat, 2 * n = n + n", "intros; lia."),
]


def generate(n: int) -> tuple[str, str]:
    """A file of ``n`` lemmas; the last one's proof is replaced by Admitted. Returns (text, right proof)."""
    parts = ["Require Import Arith Lia List.\n"]
    for i in range(n):
        stmt, proof = LEMMAS[i % len(LEMMAS)]
        parts.append(f"Lemma l{i} : {stmt}.\nProof.\n  {proof}\nQed.\n")
    stmt, right = LEMMAS[(n - 1) % len(LEMMAS)]
    parts[-1] = f"Lemma l{n - 1} : {stmt}.\n"
    return "".join(parts), right


WRONG = [f"intros. apply no_such_lemma_{i}." for i in range(10)] + [
    "intros. reflexivity.", "intros. discriminate.", "intros. exact I.", "intros. simpl. reflexivity.",
    "intros. congruence.", "intros. tauto.", "intros. apply le_n.", "intros. split.", "intros. left.",
    "intros. exfalso. auto.",
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--lemmas", type=int, default=100)
    ap.add_argument("--wrong", type=int, default=20)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    prefix, right = generate(args.lemmas)
    candidates = WRONG[: args.wrong] + [right]
    with tempfile.TemporaryDirectory() as tmp:
        project = CoqProject(Path(tmp))
        t0 = time.monotonic()
        with ProofSession(project, prefix) as s:
            t_open = time.monotonic() - t0
            ok = None
            for c in candidates:
                r = s.run(c)
                if isinstance(r, TacticOk) and r.finished:
                    ok = c
        t_session = time.monotonic() - t0
        assert ok == right, "the right candidate must be the one that checks"
        t1 = time.monotonic()
        verdicts = []
        for c in candidates:
            rc, _, _, _ = compile_text(project, prefix + f"Proof.\n  {c}\nQed.\n", "Bench.v", workdir=Path(tmp))
            verdicts.append(rc == 0)
        t_coqc = time.monotonic() - t1
        assert verdicts == [False] * len(WRONG[: args.wrong]) + [True]
    per_cand_session = t_session / len(candidates)
    per_cand_coqc = t_coqc / len(candidates)
    result = {
        "lemmas": args.lemmas, "candidates": len(candidates),
        "session_total_s": round(t_session, 3), "session_open_s": round(t_open, 3),
        "coqc_total_s": round(t_coqc, 3),
        "session_per_candidate_s": round(per_cand_session, 4), "coqc_per_candidate_s": round(per_cand_coqc, 4),
        "ratio": round(t_coqc / t_session, 1),
        "ratio_excluding_open": round(t_coqc / max(1e-9, t_session - t_open), 1),
    }
    print(f"{'':28}{'session':>12}{'coqc per cand.':>16}")
    print(f"{'total for ' + str(len(candidates)) + ' candidates (s)':28}{t_session:12.3f}{t_coqc:16.3f}")
    print(f"{'per candidate (s)':28}{per_cand_session:12.4f}{per_cand_coqc:16.4f}")
    print(f"ratio coqc/session: {result['ratio']}x  (session opening {t_open:.2f} s included; "
          f"{result['ratio_excluding_open']}x without it)")
    if args.out:
        args.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
