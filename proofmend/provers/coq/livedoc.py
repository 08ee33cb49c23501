"""One live coqidetop document per file, shared by the failing-proof scan and every hole of the file.

The document is the text loaded so far, sentence by sentence, each with its
state id.  Parking at a new prefix (:meth:`LiveDocument.sync`) keeps the
longest part already loaded, goes back there (``Edit_at``, under a
millisecond), and adds only the rest.  In the rest, earlier opaque proofs
(``Qed``, outside sections) are loaded as ``Admitted`` — later proofs cannot
see inside them — so moving from one hole to the next costs the statements in
between, not their proofs.  The session is only for speed: the verdict is
always a fresh batch compile.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import ProtocolError, ProverCrashError, ProverTimeoutError
from ..deadline import Deadline, DeadlineReached
from ..limits import Limits
from . import xmlproto as wire
from .idetop import IdeTopProcess
from .locator import parse_document
from .project import CoqProject

ADMITTED = "Admitted."
_BLOCK = "\x00admitted\x00"


class LoadError(Exception):
    """The text to load does not check: the message and the 1-based line of the failing sentence."""

    def __init__(self, message: str, line: int | None):
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass(frozen=True)
class _Item:
    key: str  # what the sentence (or admitted proof block) is, for matching
    text: str  # what is sent to coqidetop
    line: int


def _items(prefix: str) -> tuple[list, dict[int, tuple[str, int]]]:
    """The prefix's sentences, and for each proof that may be admitted: body start -> (block key, resume index).

    Raises :class:`SplitError` when the prefix cannot be split.
    """
    doc = parse_document(prefix)
    sentences = list(doc.sentences)
    blocks: dict[int, tuple[str, int]] = {}
    index_of = {s.start: k for k, s in enumerate(sentences)}
    for p in doc.proofs:
        if p.admissible_for_speed:
            body = (*p.body, p.terminator)
            key = _BLOCK + "\x01".join(s.text for s in body)
            blocks[index_of[p.body[0].start]] = (key, index_of[p.terminator.start] + 1)
    return sentences, blocks


class LiveDocument:
    """A coqidetop process and the text loaded in it (``chain``: one (key, state) per loaded item)."""

    def __init__(self, project: CoqProject, limits: Limits = Limits(), topfile: Path | None = None):
        self.project = project
        self.limits = limits
        self.topfile = topfile  # the file loaded, so its module has the name coqc gives it
        self.call_timeout = limits.call_timeout_s
        self.proc: IdeTopProcess | None = None
        self.adapter: wire.ProtocolAdapter = wire.ProtocolAdapter()
        self.root = 0
        self.chain: list[tuple[str, int]] = []
        self.generation = 0
        self.loads = 0  # items added, over the document's life (what parking cost)
        self.deadline = Deadline.never()  # of the work being done in it now: every call obeys it

    # ------------------------------------------------------------ lifecycle
    def __enter__(self) -> "LiveDocument":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.alive

    def start(self) -> None:
        self.close()
        proc = IdeTopProcess(self.project, self.limits, self.topfile)
        self.proc = proc
        self.generation += 1
        try:
            about = proc.call(self.adapter.about(), self.call_timeout)
            if about.ok:
                self.adapter = wire.adapter_for(wire.decode_protocol_version(about.value))  # type: ignore[arg-type]
            init = proc.call(self.adapter.init(), self.call_timeout)
            if not init.ok:
                raise ProverCrashError(f"coqidetop refused Init: {init.value}")
            self.root = int(init.value.find("state_id").get("val"))  # type: ignore[union-attr]
        except BaseException:
            self.close()
            raise
        self.chain = []

    def close(self) -> None:
        if self.proc is not None:
            self.proc.close()
            self.proc = None
        self.chain = []

    @property
    def tip(self) -> int:
        return self.chain[-1][1] if self.chain else self.root

    def call(self, xml: str, timeout: float):
        if self.proc is None:
            raise ProverCrashError("coqidetop is not running")
        try:
            r = self.proc.call(xml, self.deadline.cap(timeout))
            if not r.ok and self.deadline.passed:
                raise DeadlineReached(self.deadline.describe())  # interrupted at the deadline, not refused
            return r
        except (ProverCrashError, ProverTimeoutError):
            self.close()
            raise

    # ------------------------------------------------------------ moving
    def back_to(self, depth: int) -> None:
        """Keep the first ``depth`` items; coqidetop's tip goes there (later states expire)."""
        del self.chain[depth:]
        r = self.call(self.adapter.edit_at(self.tip), self.call_timeout)
        if not r.ok and "User interrupt" in str(r.value.message):
            # an interrupt sent for work that had already ended reached this call instead: ask again
            r = self.call(self.adapter.edit_at(self.tip), self.call_timeout)
        if not r.ok:
            raise ProverCrashError(f"cannot return to state {self.tip}: {r.value.message}")

    def good_depth(self, state_id: int) -> int:
        """How many loaded items stand at or before ``state_id`` (a failure names the last good state)."""
        return sum(1 for _, s in self.chain if s <= state_id)

    def add(self, key: str, text: str, timeout: float):
        """Add one sentence at the tip; on success it joins the chain.  Returns the reply."""
        r = self.call(self.adapter.add(text, self.tip), timeout)
        if r.ok:
            self.chain.append((key, wire.decode_add(r.value)))  # type: ignore[arg-type]
            self.loads += 1
        return r

    def sync(self, prefix: str, deadline: Deadline) -> int:
        """Load ``prefix`` (what is already loaded of it is kept); returns the state at its end.

        Raises :class:`LoadError` (with the failing line) when the text does not check.
        """
        self.deadline = deadline
        if not self.alive:
            self.start()
        sentences, blocks = _items(prefix)
        line_of = lambda k: prefix.count("\n", 0, sentences[k].start) + 1  # noqa: E731
        i = j = 0  # chain index, sentence index
        while i < len(self.chain) and j < len(sentences):
            key = self.chain[i][0]
            if key == sentences[j].text:
                i, j = i + 1, j + 1
            elif j in blocks and key == blocks[j][0]:
                i, j = i + 1, blocks[j][1]
            else:
                break
        self.back_to(i)
        todo: list[_Item] = []
        while j < len(sentences):
            if j in blocks:
                todo.append(_Item(blocks[j][0], ADMITTED, line_of(j)))
                j = blocks[j][1]
            else:
                todo.append(_Item(sentences[j].text, sentences[j].text, line_of(j)))
                j += 1
        self._pipeline(todo)
        return self.tip

    def _pipeline(self, todo: list[_Item]) -> None:
        """Add the items in chunks (each Add names the state the previous one will create), then force."""
        assert self.proc is not None
        lines: dict[int, int] = {}
        chunk = 32
        for k in range(0, len(todo), chunk):
            part = todo[k : k + chunk]
            # coqidetop numbers a new state after the newest it ever made (not after the tip we went back
            # to): the first Add of a chunk tells the numbering, the rest are sent at once after it.
            first = part[0]
            r = self.call(self.adapter.add(first.text, self.tip), self.deadline.cap())
            if not r.ok:
                raise LoadError(r.value.message, first.line)  # type: ignore[union-attr]
            self.chain.append((first.key, wire.decode_add(r.value)))  # type: ignore[arg-type]
            lines[self.tip] = first.line
            self.loads += 1
            base = self.tip
            rest = part[1:]
            for n, item in enumerate(rest):
                self.proc.send(self.adapter.add(item.text, base + n))
            for n, item in enumerate(rest):
                r = self.proc.read_reply(max(0.05, self.deadline.left()))
                if r is None:
                    self.close()
                    self.deadline.cap()  # raises DeadlineReached when that is why
                    raise ProverTimeoutError("coqidetop stopped answering while loading the text")
                if not r.ok:
                    # drain the replies still due for this chunk, then report
                    for _ in range(len(rest) - n - 1):
                        self.proc.read_reply(max(0.05, self.deadline.left()))
                    self.back_to(len(self.chain))
                    raise LoadError(r.value.message, item.line)  # type: ignore[union-attr]
                new = wire.decode_add(r.value)  # type: ignore[arg-type]
                if new != base + n + 1:
                    self.close()
                    raise ProtocolError(f"coqidetop numbered a new state {new}, expected {base + n + 1}")
                self.chain.append((item.key, new))
                lines[new] = item.line
                self.loads += 1
        st = self.call(self.adapter.status(True), self.deadline.cap())
        if not st.ok:
            f: wire.Failure = st.value  # type: ignore[assignment]
            depth = self.good_depth(f.state_id)
            bad = self.chain[depth][1] if depth < len(self.chain) else None
            self.back_to(depth)
            raise LoadError(f.message, lines.get(bad) if bad is not None else None)
