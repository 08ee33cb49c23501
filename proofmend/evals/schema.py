"""The task corpus: one JSON object per line of ``tasks.jsonl``.

A corpus is a directory holding ``tasks.jsonl``; each task names a file
(relative to that directory) holding the context and the statement, the target
theorem, and optionally a known reference proof (never shown to a model).
The corpus shipped with proofmend is reachable by the name ``builtin``.
"""

from __future__ import annotations

import json
import stat
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..provers.errors import InputError

TASKS_FILE = "tasks.jsonl"
BUILTIN = "builtin"

Kind = Literal["property", "equivalence", "repair", "nn_bound"]
KINDS: tuple[str, ...] = ("property", "equivalence", "repair", "nn_bound")


class Task(BaseModel):
    """One proof task: prove ``theorem`` in ``file`` so that the audit accepts it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    """Unique within the corpus, e.g. ``property/andb_true_split``."""
    kind: Kind
    """property (a fact about a definition), equivalence (two versions agree),
    repair (a stale proof after a change), nn_bound (a bound on a network)."""
    prover: Literal["coq", "lean"] = "coq"
    """Which proof assistant checks the file."""
    file: str = Field(min_length=1)
    """Path of the task file, relative to the corpus directory."""
    theorem: str = Field(min_length=1)
    """Name of the target theorem inside ``file``."""
    reference_proof: str | None = None
    """A known proof (with or without ``Proof.``/``Qed.``); never shown to a model."""
    coq_flags: list[str] = []
    """Extra coqc flags needed to compile ``file``."""
    tags: list[str] = []
    """Free-form labels: topic, difficulty (easy, medium, hard), kind of change."""

    @field_validator("file")
    @classmethod
    def _inside_corpus(cls, value: str) -> str:
        """A task's file lies inside the corpus: relative, and never climbing out with '..'."""
        for pure in (PurePosixPath(value), PureWindowsPath(value)):
            if pure.is_absolute() or pure.anchor:
                raise ValueError(f"must be relative to the corpus folder, not absolute: {value!r}")
            if ".." in pure.parts:
                raise ValueError(f"must stay inside the corpus folder (no '..'): {value!r}")
        return value

    def to_line(self) -> str:
        """The task as one ``tasks.jsonl`` line (no newline), fields in schema order."""
        return json.dumps(self.model_dump(exclude_defaults=False), ensure_ascii=False)


@dataclass(frozen=True)
class Corpus:
    """Tasks and the directory their ``file`` paths are relative to."""

    root: Path
    tasks: tuple[Task, ...]
    source: Path  # the tasks.jsonl these tasks were read from

    def path_of(self, task: Task) -> Path:
        """Absolute path of a task's file."""
        return (self.root / task.file).resolve()

    def by_id(self, task_id: str) -> Task:
        for t in self.tasks:
            if t.id == task_id:
                return t
        raise KeyError(task_id)

    def select(self, ids: list[str] | None = None, kinds: list[str] | None = None,
               tags: list[str] | None = None) -> "Corpus":
        """The sub-corpus of tasks matching every given filter."""
        chosen = [
            t for t in self.tasks
            if (not ids or t.id in ids)
            and (not kinds or t.kind in kinds)
            and (not tags or set(tags) & set(t.tags))
        ]
        return Corpus(self.root, tuple(chosen), self.source)

    def __len__(self) -> int:
        return len(self.tasks)


def builtin_root() -> Path:
    """Directory of the corpus shipped as package data."""
    return Path(str(resources.files("proofmend.evals").joinpath("corpus")))


def _first_error(e: ValidationError) -> str:
    err = e.errors()[0]
    where = ".".join(str(x) for x in err.get("loc", ())) or "task"
    return f"{where}: {err.get('msg', 'invalid')}"


def parse_tasks(text: str, source: Path) -> list[Task]:
    """Tasks from ``tasks.jsonl`` text; the first bad line is an :class:`InputError` naming file:line."""
    tasks: list[Task] = []
    seen: dict[str, int] = {}
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise InputError(f"{source}:{lineno}: not valid JSON: {e.msg} (column {e.colno})") from None
        if not isinstance(obj, dict):
            raise InputError(f"{source}:{lineno}: expected a JSON object, got {type(obj).__name__}")
        try:
            task = Task.model_validate(obj)
        except ValidationError as e:
            raise InputError(f"{source}:{lineno}: bad task: {_first_error(e)}") from None
        if task.id in seen:
            raise InputError(f"{source}:{lineno}: duplicate task id {task.id!r} (first on line {seen[task.id]})")
        seen[task.id] = lineno
        tasks.append(task)
    return tasks


def _resolve_root(tasks_file: Path, tasks: list[Task]) -> Path:
    """The directory task files are relative to.

    Normally the directory of ``tasks.jsonl``.  A sub-corpus (e.g. ``corpus/repair``)
    whose lines name ``repair/x.v`` relative to its parent works too.
    """
    here = tasks_file.parent
    if not tasks or all((here / t.file).exists() for t in tasks):
        return here
    parent = here.parent
    if all((parent / t.file).exists() for t in tasks):
        return parent
    return here


def load_corpus(path: str | Path) -> Corpus:
    """Load a corpus: ``builtin``, a directory holding ``tasks.jsonl``, or a ``tasks.jsonl`` file."""
    if str(path) == BUILTIN:
        path = builtin_root()
    path = Path(path)
    if path.is_dir():
        tasks_file = path / TASKS_FILE
        if not tasks_file.is_file():
            raise InputError(f"{path} is a directory without a {TASKS_FILE}")
    elif path.is_file():
        tasks_file = path
    else:
        raise InputError(f"no such corpus: {path} (give a directory holding {TASKS_FILE}, a .jsonl file, or 'builtin')")
    try:
        text = tasks_file.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{tasks_file}: not UTF-8 text") from None
    except OSError as e:
        raise InputError(f"cannot read {tasks_file}: {e.strerror}") from None
    tasks = parse_tasks(text, tasks_file)
    corpus = Corpus(_resolve_root(tasks_file.resolve(), tasks), tuple(tasks), tasks_file.resolve())
    _check_task_files(corpus)
    return corpus


def _check_task_files(corpus: Corpus) -> None:
    """Every task's file is a regular file inside the corpus folder (symbolic links resolved)."""
    root = corpus.root.resolve()
    for t in corpus.tasks:
        path = corpus.path_of(t)
        if not path.is_relative_to(root):
            raise InputError(f"{corpus.source}: task {t.id}: file {t.file} lies outside the corpus folder {root}")
        try:
            mode = path.stat().st_mode
        except OSError:
            raise InputError(f"{corpus.source}: task {t.id}: no such file {t.file} (under {root})") from None
        if not stat.S_ISREG(mode):
            raise InputError(f"{corpus.source}: task {t.id}: {t.file} is not a regular file")
