"""One ``nn_bound`` task of the corpus and the writing of its line into ``tasks.jsonl``."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class CoqTask:
    """One ``nn_bound`` task: context, target statement and reference proof."""

    name: str
    theorem: str
    context: str
    statement: str
    proof: str
    tags: list[str] = field(default_factory=list)
    after: str = ""  # text after the hole (e.g. the End of the section the theorem is in)

    def file_text(self) -> str:
        tail = f"\n{self.after.strip()}\n" if self.after.strip() else ""
        return f"{self.context.rstrip()}\n\n{self.statement}\nProof.\nAdmitted.\n{tail}"

    def task_line(self) -> dict:
        return {
            "id": f"nn_bound/{self.name}",
            "kind": "nn_bound",
            "prover": "coq",
            "file": f"nn_bound/{self.name}.v",
            "theorem": self.theorem,
            "reference_proof": self.proof,
            "tags": self.tags,
        }


def default_corpus_dir() -> Path:
    """``proofmend/evals/corpus`` of this installation."""
    return Path(__file__).resolve().parent.parent / "evals" / "corpus"


def write_task_lines(path: Path, lines: list[dict]) -> None:
    """Write ``lines`` to a sub-corpus ``tasks.jsonl``: each replaces the line of the same id
    in place, new ids are appended, and lines of other ids whose file is still there are kept."""
    new = {line["id"]: line for line in lines}
    out: list[dict] = []
    if path.exists():
        for raw in path.read_text(encoding="utf-8").splitlines():
            if not raw.strip():
                continue
            old = json.loads(raw)
            if old["id"] in new:
                out.append(new.pop(old["id"]))
            elif (path.parent.parent / old.get("file", "")).is_file():
                out.append(old)
    out += [line for line in lines if line["id"] in new]
    with path.open("w", encoding="utf-8") as f:
        for line in out:
            f.write(json.dumps(line) + "\n")
