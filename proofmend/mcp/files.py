"""The project a server serves: which paths a tool may name, reading and parsing its files.

Every path a tool is given must resolve (links followed) to a ``.v`` file
inside the project folder; anything else is a :class:`ToolFailure`, which the
server returns as a structured tool error.
"""

from __future__ import annotations

from pathlib import Path

from ..editor.api import theorem_label
from ..provers.coq.batch import parse_source, read_source
from ..provers.coq.locator import CoqDocument, ProofItem
from ..provers.coq.project import _inside
from ..provers.errors import InputError


class ToolFailure(Exception):
    """A call that cannot be answered, with a code an agent can act on (see ``schemas.ToolErrorInfo``)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class ProjectFiles:
    """The folder a server was started on."""

    def __init__(self, root: Path):
        self.root = Path(root).resolve()

    def resolve(self, name: str) -> Path:
        """The ``.v`` file ``name`` names (relative to the root, or absolute); refuses anything outside the root."""
        given = Path(name).expanduser()
        path = (given if given.is_absolute() else self.root / given).resolve()
        if not _inside(path, self.root):
            raise ToolFailure("outside_project", f"{name} is outside the project folder {self.root}; "
                                                 "give a path inside it")
        if path.suffix != ".v":
            raise ToolFailure("bad_arguments", f"{name} is not a Coq file (expected a .v file)")
        if not path.is_file():
            raise ToolFailure("not_found", f"no such file in the project: {self.display(path)}")
        return path

    def display(self, path: Path) -> str:
        """``path`` as the agent should write it: relative to the project folder."""
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def read(self, path: Path) -> tuple[str, CoqDocument]:
        """The saved text of ``path`` and its sentences and proofs; a file that does not split is ``parse_error``."""
        try:
            text = read_source(path)
        except InputError as e:
            raise ToolFailure("not_found", str(e)) from None
        try:
            return text, parse_source(Path(self.display(path)), text)
        except InputError as e:
            raise ToolFailure("parse_error", str(e)) from None


def find_proof(doc: CoqDocument, name: str, file: str) -> tuple[int, ProofItem]:
    """The proof of ``name`` (short or module-qualified); ``unknown_theorem`` lists the file's proofs otherwise."""
    for i, p in enumerate(doc.proofs):
        if name in (p.name, p.qualname):
            return i, p
    names = [theorem_label(doc, p) for p in doc.proofs if p.name]
    shown = ", ".join(names[:40]) + (", ..." if len(names) > 40 else "")
    raise ToolFailure("unknown_theorem", f"no proof of {name!r} in {file}; its proofs: {shown or 'none'}")
