"""Measure `repair` on the real-breakage corpus: proofs that a commit of a public
Coq project had to change, put back as they were before the commit.

For each task of the manifest (``benchmarks/real_breakages/manifest.jsonl``):

1. its checkout is ``CHECKOUTS/<name>@<commit[:8]>``, the project at the fixed
   commit, built by the project's own build.  With ``--mirrors DIR`` a missing
   checkout is written from the repository's history (``DIR/<owner>+<name>/repo``
   or ``DIR/<owner>+<name>``, a bare or ordinary git directory); it must then be
   built with the project's own build (``make`` / ``dune build``) before it counts;
   until then the task is reported ``not-built``.
2. the old proof (from the manifest, or read from the parent commit's file with
   ``--mirrors`` when the manifest carries only its hash) replaces the fixed proof;
   the project's configuration files are left as they are;
3. ``repair FILE --theorem T --model search --timeout S --json --trace …`` runs (the
   installed CLI, so the figure is for whatever the package does now);
4. the file is restored, byte for byte and with its time stamp.

With ``--since-parent`` each task runs as a user with git would meet it: the
checkout becomes, for the run, a git repository whose last commit holds the
project at the parent commit (``git init``, the parent fetched from the mirror,
``git reset`` so that the index and ``HEAD`` move and the working tree — the
fixed commit with the old proof put back — stays), and repair runs with
``--since HEAD`` (the old environment built from the parent's versions of the
changed files).  The ``.git`` folder is removed afterwards; a checkout that is
already a git repository is not touched (``has-git``).

Statuses: ``fixed``; ``unsolved``; ``load-failure`` (repair reported that the file
could not be loaded: its message is printed); ``no-hole`` (repair exited without
working on the theorem: it did not see the failure); ``crash`` (no JSON, or an exit
code other than 0/1); ``timeout`` (the run passed ``--task-timeout``).  Time to
first candidate: from starting ``repair`` to the first ``check`` event in its trace
(its time stamp); ``checks`` counts those events (a search that checks its steps
without writing them to the trace shows none); ``refused`` counts the trace's
``audit`` events that refused a candidate.

A second table gives the outcomes by the task's ``change_kind``: fixed, and the
unsolved by why — ``no candidate`` (nothing the live session accepted),
``refused`` (a candidate was found and the audit refused it), ``load`` (the
file did not load up to the proof), ``other`` (crash, timeout, failure unseen,
checkout not built).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine, pct, table, write_json  # noqa: E402
from _real_projects import (  # noqa: E402
    CHANGE_KINDS, CHECKOUTS, CORPUS_DIR, ROOT, built_vo, checkout, proof_text, proofs_by_name, put_back, sha, show,
)


def mirror_of(mirrors: Path | None, repo: str) -> Path | None:
    if mirrors is None:
        return None
    key = repo.replace("/", "+")
    for cand in (mirrors / key / "repo", mirrors / key, mirrors / (key + ".git")):
        if cand.is_dir():
            return cand
    return None


def old_proof_of(task: dict, git_dir: Path | None) -> str | None:
    if task.get("old_proof"):
        return task["old_proof"]
    if git_dir is None:
        return None
    text = show(git_dir, task["parent"], task.get("old_file", task["file"]))
    p = proofs_by_name(text or "").get(task["theorem"])
    if p is None:
        return None
    body = proof_text(text, p)
    return body if sha(body) == task["old_proof_sha"] else None


class FirstCheck(threading.Thread):
    """Watch a trace file; note when its first 'check' event appears."""

    def __init__(self, path: Path, t0: float):
        super().__init__(daemon=True)
        self.path, self.t0, self.at, self.stop = path, t0, None, threading.Event()

    def run(self) -> None:
        while not self.stop.is_set() and self.at is None:
            try:
                text = self.path.read_text(errors="replace")
                if '"event": "check"' in text or '"event":"check"' in text:
                    self.at = time.monotonic() - self.t0
            except OSError:
                pass
            self.stop.wait(0.05)


def run_repair(exe: str, root: Path, rel: str, theorem: str, timeout: float, task_timeout: float,
               extra: tuple[str, ...] = ()) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        trace = Path(tmp) / "trace.jsonl"
        cmd = [exe, str(root / rel), "--theorem", theorem, "--model", "search", "--timeout", str(timeout),
               "--json", "--trace", str(trace), *extra]
        t0, t0_epoch = time.monotonic(), time.time()
        watch = FirstCheck(trace, t0)
        watch.start()
        try:
            res = subprocess.run(cmd, cwd=root, capture_output=True, text=True, errors="replace", timeout=task_timeout)
        except subprocess.TimeoutExpired:
            watch.stop.set()
            return {"status": "timeout", "seconds": time.monotonic() - t0, "first_candidate_s": watch.at,
                    "message": f"repair ran past {task_timeout:.0f} s"}
        seconds = time.monotonic() - t0
        watch.stop.set()
        watch.join()
        first, checks, refused = watch.at, 0, 0
        for ln in (trace.read_text(errors="replace").splitlines() if trace.exists() else []):
            try:
                ev = json.loads(ln)
            except json.JSONDecodeError:
                continue
            if ev.get("event") == "audit" and ev.get("accepted") is False:
                refused += 1
            if ev.get("event") == "check":
                checks += 1
                if checks == 1 and isinstance(ev.get("time"), (int, float)):
                    first = max(0.0, ev["time"] - t0_epoch)  # the trace's own time stamp, when it has one
        if first is None and checks:
            first = seconds  # written too late for the watcher to see: an upper bound
    out = {"rc": res.returncode, "seconds": round(seconds, 2), "checks": checks, "refused": refused,
           "first_candidate_s": None if first is None else round(first, 2)}
    try:
        data = json.loads(res.stdout)
    except json.JSONDecodeError:
        return {**out, "status": "crash", "message": (res.stderr.strip() or res.stdout.strip())[-600:]}
    holes = [h for h in data.get("holes", []) if h.get("theorem") == theorem or h.get("theorem", "").endswith("." + theorem)]
    errors = data.get("errors") or [h for h in data.get("files", []) if isinstance(h, dict) and h.get("error")]
    if holes:
        h = holes[0]
        status = "fixed" if h.get("status") == "fixed" else "unsolved"
        return {**out, "status": status, "exit": h.get("exit"), "attempts": h.get("attempts"), "proof": h.get("proof"),
                "tokens_in": h.get("tokens_in"), "tokens_out": h.get("tokens_out"),
                "message": "" if status == "fixed" else str(h.get("error") or h.get("exit") or "")[:300]}
    if errors:
        return {**out, "status": "load-failure", "message": str(errors[0].get("error"))[:600]}
    if res.returncode not in (0, 1):
        return {**out, "status": "crash", "message": res.stderr.strip()[-600:]}
    return {**out, "status": "no-hole", "message": (res.stderr.strip() or "repair reported nothing to mend")[-600:]}


def package_revision(repair: str) -> str:
    """The commit of the checkout that holds ``repair`` (``+`` when its sources differ from it)."""
    root = Path(repair).resolve().parent.parent.parent
    try:
        rev = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, timeout=30).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--", "proofmend"],
                               capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "?"
    return (rev + ("+" if dirty else "")) if rev else "?"


def as_git_at_parent(root: Path, git_dir: Path, parent: str) -> str | None:
    """Make ``root`` a git repository whose HEAD is ``parent``, the working tree untouched; None, or why not."""
    git = ["git", "-C", str(root), "-c", "advice.detachedHead=false"]
    try:
        for cmd in (["init", "-q"], ["fetch", "-q", "--depth=1", str(git_dir.resolve()), parent],
                    ["reset", "-q", "FETCH_HEAD"]):
            r = subprocess.run([*git, *cmd], capture_output=True, text=True, timeout=600)
            if r.returncode != 0:
                return f"git {cmd[0]}: {(r.stderr or r.stdout).strip()[-300:]}"
    except (OSError, subprocess.SubprocessError) as exc:
        return f"git: {exc}"
    return None


def run_task(task: dict, a: argparse.Namespace) -> dict:
    name = task["repo"].split("/")[-1]
    root = Path(a.checkouts) / f"{name}@{task['commit'][:8]}"
    git_dir = mirror_of(Path(a.mirrors) if a.mirrors else None, task["repo"])
    base = {"id": task["id"], "repo": task["repo"], "layout": task["layout"], "theorem": task["theorem"],
            "change_kind": task.get("change_kind") or "unlabelled",
            "file": task["file"], "first_candidate_s": None, "seconds": None,
            "package_revision": package_revision(a.repair)}
    if not root.is_dir():
        if git_dir is None:
            return {**base, "status": "no-checkout", "message": f"{root} is missing (pass --mirrors to write it)"}
        checkout(git_dir, task["commit"], root)
    if built_vo(root, task["file"]) is None:
        return {**base, "status": "not-built", "message": f"build {root} with the project's own build first"}
    old = old_proof_of(task, git_dir)
    if old is None:
        return {**base, "status": "no-old-proof", "message": "the old proof is not in the manifest: pass --mirrors"}
    path = root / task["file"]
    original, st = path.read_bytes(), path.stat()
    committed = show(git_dir, task["commit"], task["file"]) if git_dir is not None else None
    if committed is not None and committed != original.decode("utf-8", errors="replace"):
        return {**base, "status": "dirty-checkout", "message": f"{path} differs from its text at {task['commit'][:8]}"}
    swapped = put_back(original.decode("utf-8", errors="replace"), task["theorem"], old)
    if swapped is None:
        return {**base, "status": "no-old-proof", "message": "theorem not found in the checkout"}
    extra: tuple[str, ...] = ()
    made_git = False
    try:
        path.write_text(swapped.text)
        if a.since_parent:
            if (root / ".git").exists():
                return {**base, "status": "has-git", "message": f"{root} is already a git repository"}
            if git_dir is None:
                return {**base, "status": "no-checkout", "message": "--since-parent needs --mirrors"}
            made_git = True
            why = as_git_at_parent(root, git_dir, task["parent"])
            if why is not None:
                return {**base, "status": "crash", "message": why}
            extra = ("--since", "HEAD")
        res = run_repair(a.repair, root, task["file"], task["theorem"], a.timeout, a.task_timeout, extra)
    finally:
        path.write_bytes(original)
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
        if made_git:
            shutil.rmtree(root / ".git", ignore_errors=True)
    return {**base, **res}


def summarise(results: list[dict]) -> str:
    by: dict[str, list[dict]] = defaultdict(list)
    for r in results:
        by[f"{r['repo']} ({r['layout']})"].append(r)
    statuses = ["fixed", "unsolved", "load-failure", "no-hole", "crash", "timeout", "not-built"]
    statuses += sorted({r["status"] for r in results} - set(statuses))  # no-checkout, dirty-checkout, ...
    rows = []
    for key, rs in sorted(by.items()) + [("all", results)]:
        fixed = sum(r["status"] == "fixed" for r in rs)
        firsts = sorted(r["first_candidate_s"] for r in rs if r.get("first_candidate_s") is not None)
        med = f"{firsts[len(firsts) // 2]:.1f}" if firsts else "-"
        rows.append([key, pct(fixed, len(rs))] + [sum(r["status"] == s for r in rs) for s in statuses[1:]] + [med])
    return table(["project (layout)", "fixed"] + statuses[1:] + ["median s to 1st cand."], rows)


WHY = ("no candidate", "refused", "load", "other")


def why_unsolved(r: dict) -> str | None:
    """Why a task was not fixed: 'load' (the file did not load up to the proof), 'refused' (a
    candidate was found but the audit refused it), 'no candidate' (nothing the session accepted),
    'other' (crash, timeout, failure unseen, checkout not built)."""
    if r["status"] == "fixed":
        return None
    if r["status"] == "load-failure" or r.get("exit") == "prefix_error":
        return "load"
    if r["status"] == "unsolved":
        return "refused" if r.get("refused") or r.get("exit") == "audit_rejected" else "no candidate"
    return "other"


def summarise_kinds(results: list[dict]) -> str:
    """fixed / unsolved by change kind, the unsolved split by why."""
    by: dict[str, list[dict]] = defaultdict(list)
    for r in results:
        by[r.get("change_kind") or "unlabelled"].append(r)
    order = {k: i for i, k in enumerate(CHANGE_KINDS)}
    rows = []
    for key, rs in sorted(by.items(), key=lambda kv: order.get(kv[0], len(order))) + [("all", results)]:
        fixed = sum(r["status"] == "fixed" for r in rs)
        whys = [why_unsolved(r) for r in rs]
        rows.append([key, len(rs), pct(fixed, len(rs)), len(rs) - fixed] + [whys.count(w) for w in WHY])
    return table(["change kind", "tasks", "fixed", "unsolved", "no candidate", "refused", "load", "other"], rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--manifest", default=str(CORPUS_DIR / "manifest.jsonl"))
    ap.add_argument("--checkouts", default=str(CHECKOUTS), help="folder of built checkouts <name>@<commit8>")
    ap.add_argument("--mirrors", help="folder of git directories <owner>+<name>[/repo] to write missing checkouts "
                                      "and read old proofs from")
    ap.add_argument("--repair", default=str(ROOT / ".venv" / "bin" / "repair"))
    ap.add_argument("--timeout", type=float, default=30, help="repair --timeout (seconds of work on one proof)")
    ap.add_argument("--task-timeout", type=float, default=900, help="wall limit of one repair run")
    ap.add_argument("--ids", help="comma-separated task ids (default: all)")
    ap.add_argument("--repo", help="only the tasks of this owner/name")
    ap.add_argument("--out", help="write the figures and every task's outcome here (JSON)")
    ap.add_argument("--since-parent", action="store_true",
                    help="run each task in a git repository whose HEAD is the parent commit, with repair --since HEAD")
    ap.add_argument("--resume", action="store_true",
                    help="keep the outcomes already in --out and run only the tasks it lacks")
    a = ap.parse_args(argv)
    # a file under test is restored in a finally block: let SIGTERM unwind to it
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        tasks = [json.loads(ln) for ln in open(a.manifest) if ln.strip()]
    except (OSError, json.JSONDecodeError) as exc:
        print(f"bench_real_breakages: cannot read {a.manifest}: {exc}", file=sys.stderr)
        return 2
    if a.ids:
        wanted = set(a.ids.split(","))
        tasks = [t for t in tasks if t["id"] in wanted]
    if a.repo:
        tasks = [t for t in tasks if t["repo"] == a.repo]
    t_all = time.monotonic()
    results = []
    done: dict[str, dict] = {}
    if a.resume and a.out and Path(a.out).is_file():
        done = {r["id"]: r for r in json.loads(Path(a.out).read_text())["tasks"]}
    for i, task in enumerate(tasks, 1):
        r = done.get(task["id"]) or run_task(task, a)
        results.append(r)
        if a.out and task["id"] not in done:
            Path(a.out).write_text(json.dumps({"partial": True, "tasks": results}, indent=2) + "\n")
        first = "-" if r.get("first_candidate_s") is None else f"{r['first_candidate_s']:.1f}"
        secs = "-" if r.get("seconds") is None else f"{r['seconds']:.1f}"
        print(f"[{i}/{len(tasks)}] {r['id']}: {r['status']} ({secs} s, first candidate {first} s)", flush=True)
        if r["status"] not in ("fixed", "unsolved") and r.get("message"):
            print("    " + r["message"].strip().replace("\n", "\n    ")[:600], flush=True)
    print()
    print(summarise(results))
    print()
    print(summarise_kinds(results))
    fixed = sum(r["status"] == "fixed" for r in results)
    ran = len(results) - sum(t["id"] in done for t in tasks)
    since = " --since HEAD" if a.since_parent else ""
    print(f"\n{fixed}/{len(results)} fixed (repair --model search --timeout {a.timeout:g}{since}); "
          f"{ran} task(s) run now in {time.monotonic() - t_all:.0f} s, {len(results) - ran} kept from {a.out}")
    write_json(Path(a.out) if a.out else None, {"machine": machine(), "timeout_s": a.timeout, "fixed": fixed,
                                                "since_parent": a.since_parent,
                                                "total": len(results), "tasks": results})
    return 0


if __name__ == "__main__":
    sys.exit(main())
