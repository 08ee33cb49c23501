#!/usr/bin/env python3
"""Merge the sub-corpora's tasks.jsonl files into the corpus's top-level tasks.jsonl.

    python scripts/merge_corpus.py [CORPUS_DIR]        (default: the built-in corpus)
    python scripts/merge_corpus.py --check [CORPUS_DIR] (exit 1 if a merge would change anything)

Each ``CORPUS_DIR/<sub>/tasks.jsonl`` names files relative to CORPUS_DIR (``<sub>/x.v``);
a line naming ``x.v`` relative to its own folder is rewritten to ``<sub>/x.v``.
A sub-corpus line replaces the top-level line with the same id (so edits made in
the sub-file win); new ids are appended in the sub-file's order.  The result is
validated with the corpus loader before it replaces the file.  Safe to rerun.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from proofmend.evals.schema import TASKS_FILE, Task, builtin_root, parse_tasks  # noqa: E402
from proofmend.provers.errors import InputError  # noqa: E402


def sub_tasks(root: Path, sub_file: Path) -> list[tuple[Task, str]]:
    """(task, its line) for each line of a sub-corpus, file paths made relative to ``root``."""
    text = sub_file.read_text(encoding="utf-8")
    tasks = parse_tasks(text, sub_file)
    raw = [ln for ln in text.splitlines() if ln.strip()]
    prefix = sub_file.parent.relative_to(root)
    out = []
    for t, line in zip(tasks, raw):
        if not (root / t.file).exists() and (sub_file.parent / t.file).exists():
            t = t.model_copy(update={"file": str(prefix / t.file)})
            line = t.to_line()
        out.append((t, line))
    return out


def merged_lines(root: Path) -> tuple[list[str], list[str]]:
    """(new top-level lines, human-readable changes)."""
    top = root / TASKS_FILE
    top_text = top.read_text(encoding="utf-8") if top.exists() else ""
    lines = [ln for ln in top_text.splitlines() if ln.strip()]
    ids = [json.loads(ln)["id"] for ln in lines]
    parse_tasks(top_text, top)  # fail early, with file:line, on a bad top-level line
    changes: list[str] = []
    provers = {json.loads(ln).get("prover", "coq") for ln in lines} or {"coq"}
    for sub_file in sorted(root.glob(f"*/{TASKS_FILE}")):
        tasks = sub_tasks(root, sub_file)
        if tasks and not {t.prover for t, _ in tasks} & provers:
            continue  # a corpus of another prover kept beside this one (corpus/lean), run on its own
        for t, line in tasks:
            if t.id in ids:
                i = ids.index(t.id)
                if Task.model_validate_json(lines[i]) != t:
                    lines[i] = line
                    changes.append(f"updated {t.id}")
            else:
                lines.append(line)
                ids.append(t.id)
                changes.append(f"added {t.id}")
    return lines, changes


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", nargs="?", type=Path, default=None, help="corpus directory (default: built-in)")
    ap.add_argument("--check", action="store_true", help="only report; exit 1 if the merge would change the file")
    args = ap.parse_args(argv)
    root = (args.corpus or builtin_root()).resolve()
    try:
        lines, changes = merged_lines(root)
        text = "".join(ln + "\n" for ln in lines)
        parse_tasks(text, root / TASKS_FILE)  # duplicate ids, bad fields
    except InputError as e:
        print(f"merge_corpus: error: {e}", file=sys.stderr)
        return 2
    for c in changes:
        print(c)
    if args.check:
        print(f"{len(changes)} change(s) pending" if changes else "up to date")
        return 1 if changes else 0
    if changes:
        fd, tmp = tempfile.mkstemp(dir=root, prefix=".tasks-", suffix=".jsonl")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, root / TASKS_FILE)
    print(f"{root / TASKS_FILE}: {len(lines)} tasks ({len(changes)} change(s))")
    return 0


if __name__ == "__main__":
    sys.exit(main())
