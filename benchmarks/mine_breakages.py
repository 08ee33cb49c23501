"""Mine real proof breakages from the git history of a Coq project.

Two steps:

``candidates``  reads history only.  For each non-merge commit C (parent P) in
    a date range that changes a statement or a definition somewhere (any
    sentence outside proof bodies differs), every theorem present at both P and
    C in a changed file whose proof body changed is a candidate: its proof at P
    is the "old proof".  Old or new proofs that are Admitted are left out.

``validate``    takes a checkout of C that the project's own build has built
    (at least the candidate files and what they load) and keeps a candidate only
    if (a) the file at C was built (its .vo is there), and (b) the file at C
    with the old proof put back in place of the fixed one fails under ``coqc``
    with the project's flags, with the error inside the put-back proof.  The
    project's configuration files are left untouched; the object file of the
    check goes to a temporary folder.

Example (history of a fetched or cloned repository, then one built checkout):

    python benchmarks/mine_breakages.py candidates --git-dir REPO.git \\
        --repo owner/name --since 2022-03-01 --until 2023-09-01 --out cands.jsonl
    python benchmarks/mine_breakages.py validate --candidates cands.jsonl \\
        --commit C --checkout /work/real-projects/name@C --out tasks.jsonl

``validate`` appends the kept tasks to ``--out`` and prints one line per
candidate.  The manifest of the corpus is the concatenation of those lines.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _real_projects import (  # noqa: E402
    built_vo, checkout, checkout_from, classify_change, coqc_file, fixed_proof_line, git, layout_of, normalise, proof_text, proofs_by_name,
    put_back, sha, show,
)

LICENCE_WORDS = (
    ("MIT License", "MIT"), ("Permission is hereby granted, free of charge", "MIT"),
    ("GNU LESSER GENERAL PUBLIC LICENSE", "LGPL"), ("GNU Lesser General Public License", "LGPL"),
    ("GNU GENERAL PUBLIC LICENSE", "GPL"), ("CeCILL-B", "CECILL-B"), ("CeCILL-C", "CECILL-C"),
    ("CeCILL", "CECILL"), ("Apache License", "Apache-2.0"), ("Mozilla Public License", "MPL-2.0"),
    ("Neither the name", "BSD-3-Clause"), ("Redistribution and use in source and binary forms", "BSD-2-Clause"),
)


def licence_of(git_dir: Path, commit: str) -> str:
    names = [n for n in git(git_dir, "ls-tree", "--name-only", commit).split()
             if n.upper().startswith(("LICENSE", "LICENCE", "COPYING"))]
    for n in names:
        text = show(git_dir, commit, n) or ""
        for word, spdx in LICENCE_WORDS:
            if word in text:
                return spdx
    return "unknown"


def outside_proofs(text: str) -> set[str]:
    """Normalised sentences of the file that are not inside a proof body."""
    from proofmend.provers.coq.locator import parse_document

    try:
        doc = parse_document(text)
    except ValueError:
        return set()
    inside: set[int] = set()
    for p in doc.proofs:
        inside.update(range(p.body_start, p.body_end))
    return {normalise(s.text) for s in doc.sentences if s.start not in inside}


def commit_candidates(git_dir: Path, parent: str, commit: str, max_lines: int) -> list[dict]:
    status = git(git_dir, "diff", "--name-status", "-M", parent, commit, "--", "*.v").splitlines()
    pairs = []
    for row in status:
        parts = row.split("\t")
        if parts[0] == "M":
            pairs.append((parts[1], parts[1]))
        elif parts[0].startswith("R"):
            pairs.append((parts[1], parts[2]))
    interface_changed = False
    out = []
    for old_path, new_path in pairs:
        old, new = show(git_dir, parent, old_path), show(git_dir, commit, new_path)
        if old is None or new is None:
            continue
        if outside_proofs(old) != outside_proofs(new):
            interface_changed = True
        old_p, new_p = proofs_by_name(old), proofs_by_name(new)
        for name, np in new_p.items():
            op = old_p.get(name)
            if op is None or op.is_hole or np.is_hole:
                continue
            old_body, new_body = proof_text(old, op), proof_text(new, np)
            if normalise(old_body) == normalise(new_body) or old_body.count("\n") > max_lines:
                continue
            out.append({
                "parent": parent, "commit": commit, "file": new_path, "old_file": old_path, "theorem": name,
                "statement_changed": normalise(op.statement.text) != normalise(np.statement.text),
                "old_proof": old_body, "old_proof_sha": sha(old_body),
            })
    return out if interface_changed else []


def cmd_candidates(a: argparse.Namespace) -> int:
    git_dir = Path(a.git_dir)
    dates = ([f"--since={a.since}"] if a.since else []) + ([f"--until={a.until}"] if a.until else [])
    rows = [r for r in git(git_dir, "log", "--no-merges", "--format=%H %P %cs", *dates, a.rev, "--", "*.v").splitlines()
            if len(r.split()) == 3]  # a root commit has no parent to compare with
    n = 0
    with open(a.out, "w") as fh:
        for row in reversed(rows):
            commit, parent, date = row.split()
            cands = commit_candidates(git_dir, parent, commit, a.max_lines)
            # statement changes first, then short proofs; at most --per-commit
            cands.sort(key=lambda c: (not c["statement_changed"], c["old_proof"].count("\n")))
            for c in cands[: a.per_commit]:
                c.update(repo=a.repo, date=date)
                fh.write(json.dumps(c) + "\n")
                n += 1
    print(f"{n} candidates from {len(rows)} commits -> {a.out}")
    return 0


def scan_file(root: Path, rel: str, text: str, cands: list[dict], timeout: float) -> dict[str, str] | None:
    """One live pass over ``text`` with every candidate's old proof put back at once.

    Returns, for each candidate theorem, ``"fails"`` (its put-back proof fails
    inside) or ``"checks"``; None when the pass could not judge them (an error
    outside proofs before the last one, or no session).  A failing proof is
    admitted in the session and the pass goes on, so one pass judges all of them;
    the ones found failing are confirmed with ``coqc`` afterwards."""
    from proofmend.provers.coq.locator import parse_document
    from proofmend.provers.coq.livedoc import LiveDocument
    from proofmend.provers.coq.project import project_for
    from proofmend.provers.coq.scan import scan_proofs
    from proofmend.provers.limits import Limits

    swapped = text
    for c in cands:
        sw = put_back(swapped, c["theorem"], c["old_proof"])
        if sw is None:
            return None
        swapped = sw.text
    path = root / rel
    original, st = path.read_bytes(), path.stat()
    try:
        path.write_text(swapped)
        doc = parse_document(swapped)
        limits = Limits(timeout_s=timeout, call_timeout_s=timeout)  # start-up on a busy machine takes long
        live = LiveDocument(project_for(path), limits, topfile=path)
        try:
            res = scan_proofs(live.project, doc, limits, document=live)
        finally:
            live.close()
    except Exception as exc:  # noqa: BLE001 - any failure of the pass falls back to coqc, one candidate at a time
        print(f"    live pass over {rel} failed ({type(exc).__name__}: {exc}); coqc for each candidate", flush=True)
        return None
    finally:
        path.write_bytes(original)
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    names = {c["theorem"] for c in cands}
    index = {p.name: i for i, p in enumerate(doc.proofs) if p.name in names}
    last = max(doc.proofs[i].terminator.end for i in index.values()) if index else 0
    if res.stopped_at is not None and res.stopped_at < last:
        return None
    return {n: ("fails" if i in res.failing else "checks") for n, i in index.items()}


def cmd_validate(a: argparse.Namespace) -> int:
    root = Path(a.checkout)
    cands = [json.loads(ln) for ln in open(a.candidates) if ln.strip()]
    cands = [c for c in cands if c["commit"].startswith(a.commit)]
    layout = layout_of(root)
    kept = 0
    passes: dict[str, dict[str, str] | None] = {}
    if a.live_pass:
        for rel in sorted({c["file"] for c in cands}):
            if (root / rel).is_file() and built_vo(root, rel) is not None:
                t0 = time.time()
                mine = [c for c in cands if c["file"] == rel]
                passes[rel] = scan_file(root, rel, (root / rel).read_text(errors="replace"), mine, a.timeout)
                print(f"{a.commit[:8]} {rel}: live pass over {len(mine)} candidate(s) "
                      f"{'done' if passes[rel] is not None else 'gave no verdict'} ({time.time() - t0:.1f} s)", flush=True)
    with open(a.out, "a") as fh:
        for c in cands:
            t0 = time.time()
            rel, name = c["file"], c["theorem"]
            verdict = ""
            if built_vo(root, rel) is None:
                verdict = "fixed file not built"
            elif (passes.get(rel) or {}).get(name) == "checks":
                verdict = "old proof still checks (live pass)"
            else:
                text = (root / rel).read_text(errors="replace")
                swapped = put_back(text, name, c["old_proof"])
                if swapped is None:
                    verdict = "theorem not found at the fixed commit"
                else:
                    ok, line, msg = coqc_file(root, rel, swapped.text, timeout=a.timeout)
                    if ok:
                        verdict = "old proof still checks"
                    elif line is None or not swapped.first_line <= line <= swapped.last_line:
                        verdict = f"fails outside the proof (line {line}): {msg.splitlines()[0] if msg else ''}"
                    else:
                        verdict = "kept"
                        task = dict(c)
                        task.update(
                            id=f"{c['repo'].split('/')[-1]}-{c['commit'][:8]}-{name}", layout=layout,
                            licence=a.licence, fixed_proof_line=fixed_proof_line(text, name),
                            old_error_line=line, old_error=" ".join(msg.split())[:300],
                        )
                        if a.git_dir:
                            task["change_kind"], task["change_names"] = classify_change(Path(a.git_dir), task,
                                                                                        c["old_proof"])
                        fh.write(json.dumps(task) + "\n")
                        fh.flush()
                        kept += 1
            print(f"{c['commit'][:8]} {rel} {name}: {verdict} ({time.time() - t0:.1f} s)", flush=True)
    print(f"kept {kept}/{len(cands)}")
    return 0


MANIFEST_FIELDS = ("id", "repo", "licence", "layout", "parent", "commit", "date", "file", "old_file", "theorem",
                   "statement_changed", "change_kind", "change_names", "fixed_proof_line", "old_error_line",
                   "old_error", "old_proof_sha")


def cmd_manifest(a: argparse.Namespace) -> int:
    """Join validated tasks into one manifest, one task per id, in a stable order."""
    tasks: dict[str, dict] = {}
    for f in a.tasks:
        for ln in open(f):
            if ln.strip():
                t = json.loads(ln)
                tasks.setdefault(t["id"], t)
    rows = sorted(tasks.values(), key=lambda t: (t["repo"], t["date"], t["commit"], t["file"], t["theorem"]))
    with open(a.out, "w") as fh:
        for t in rows:
            row = {k: t.get(k) for k in MANIFEST_FIELDS}
            if a.with_proofs:
                row["old_proof"] = t["old_proof"]
            fh.write(json.dumps(row) + "\n")
    print(f"{len(rows)} tasks -> {a.out}")
    return 0


def cmd_kinds(a: argparse.Namespace) -> int:
    """Label (again) the change kind of every task of a manifest, reading the commits from --mirrors."""
    rows = [json.loads(ln) for ln in open(a.manifest) if ln.strip()]
    counts: dict[str, int] = {}
    for t in rows:
        key = t["repo"].replace("/", "+")
        git_dir = next((d for d in (Path(a.mirrors) / key / "repo", Path(a.mirrors) / key) if d.is_dir()), None)
        if git_dir is None:
            print(f"{t['id']}: no history under {a.mirrors}", file=sys.stderr)
            continue
        t["change_kind"], t["change_names"] = classify_change(git_dir, t, t.get("old_proof"))
        counts[t["change_kind"]] = counts.get(t["change_kind"], 0) + 1
    with open(a.out or a.manifest, "w") as fh:
        for t in rows:
            fh.write(json.dumps({k: t.get(k) for k in MANIFEST_FIELDS if k in t or k in ("change_kind", "change_names")}
                                | ({"old_proof": t["old_proof"]} if "old_proof" in t else {})) + "\n")
    print(", ".join(f"{k} {n}" for k, n in sorted(counts.items(), key=lambda kv: -kv[1])))
    return 0


def cmd_checkout(a: argparse.Namespace) -> int:
    git_dir, dest = Path(a.git_dir), Path(a.dest)
    if a.base:
        if not a.base_commit:
            print("mine_breakages: --base needs --base-commit", file=sys.stderr)
            return 2
        changed = checkout_from(git_dir, a.base_commit, Path(a.base), a.commit, dest)
        print(f"{dest}: copy of {a.base} with {len(changed)} file(s) of {a.commit[:8]} written")
    else:
        left_out = checkout(git_dir, a.commit, dest)
        print(f"{dest}: tree of {a.commit[:8]}" + (f" ({len(left_out)} large file(s) left out)" if left_out else ""))
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("candidates", help="candidate breakages from history")
    c.add_argument("--git-dir", required=True, help="a git directory (bare or .git) holding the history")
    c.add_argument("--repo", required=True, help="owner/name, recorded in the tasks")
    c.add_argument("--rev", default="HEAD")
    c.add_argument("--since", help="first commit date (YYYY-MM-DD)")
    c.add_argument("--until", help="last commit date (YYYY-MM-DD)")
    c.add_argument("--max-lines", type=int, default=60, help="longest old proof kept (lines)")
    c.add_argument("--per-commit", type=int, default=6, help="most candidates kept per commit")
    c.add_argument("--out", required=True)
    v = sub.add_parser("validate", help="keep the candidates of one commit whose old proof fails there")
    v.add_argument("--candidates", required=True)
    v.add_argument("--commit", required=True, help="the fixed commit (a prefix is enough)")
    v.add_argument("--checkout", required=True, help="a built checkout of that commit")
    v.add_argument("--licence", default="unknown")
    v.add_argument("--git-dir", help="the history, to label each kept task's change kind")
    v.add_argument("--live-pass", action="store_true",
                   help="first judge all candidates of a file in one live pass (coqidetop), then confirm with coqc "
                        "only those found failing")
    v.add_argument("--timeout", type=float, default=600)
    v.add_argument("--out", required=True, help="kept tasks are appended here (JSONL)")
    lic = sub.add_parser("licence", help="print the licence of a commit, read from its LICENSE file")
    lic.add_argument("--git-dir", required=True)
    lic.add_argument("--commit", default="HEAD")
    k = sub.add_parser("kinds", help="label the change kind of every task of a manifest")
    k.add_argument("manifest")
    k.add_argument("--mirrors", required=True, help="folder of git directories <owner>+<name>[/repo]")
    k.add_argument("--out", help="write here (default: the manifest itself)")
    co = sub.add_parser("checkout", help="write a commit's tree into a folder, optionally as a copy of a built "
                                         "checkout of another commit (the build then redoes only what changed)")
    co.add_argument("--git-dir", required=True)
    co.add_argument("--commit", required=True)
    co.add_argument("--dest", required=True)
    co.add_argument("--base", help="a built checkout to copy")
    co.add_argument("--base-commit", help="the commit --base holds")
    m = sub.add_parser("manifest", help="join validated tasks into the corpus manifest")
    m.add_argument("tasks", nargs="+", help="JSONL files written by validate")
    m.add_argument("--with-proofs", action="store_true",
                   help="keep the old proofs' text (otherwise only their hash: the text is read from the parent commit)")
    m.add_argument("--out", required=True)
    a = ap.parse_args(argv)
    # a file under test is restored in a finally block: let SIGTERM unwind to it
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if a.cmd == "manifest":
        return cmd_manifest(a)
    if a.cmd == "candidates":
        return cmd_candidates(a)
    if a.cmd == "validate":
        return cmd_validate(a)
    if a.cmd == "checkout":
        return cmd_checkout(a)
    if a.cmd == "kinds":
        return cmd_kinds(a)
    print(licence_of(Path(a.git_dir), a.commit))
    return 0


if __name__ == "__main__":
    sys.exit(main())
