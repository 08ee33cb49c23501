"""Dune-built Coq projects: load paths and flags read from ``dune`` files.

A dune project is a folder with a ``dune-project`` file; each ``dune`` file
below it may declare a theory::

    (include_subdirs qualified)
    (coq.theory (name Foo.Bar) (package foo) (theories Baz) (flags :standard -w -notation-overridden))

The theory's folder is bound to its name (``-R``: the folder and its
subfolders), the other theories of the project are bound the same way, so a
file sees what ``dune build`` would let it see.  Debian 12's dune (2.9) has no
``dune coq top``; this reads the files instead.  Compiled files are where dune
puts them: ``_build/default/<folder>/<File>.vo``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError

DUNE_PROJECT = "dune-project"
BUILD_DIR = Path("_build") / "default"
SKIPPED_DIRS = frozenset({"_build", "_opam", ".git", "node_modules", ".venv"})


class SexpError(ValueError):
    pass


def parse_sexps(text: str) -> list:
    """S-expressions of a dune file: lists and atoms (strings unquoted); ``;`` comments dropped."""
    out: list = []
    stack: list[list] = [out]
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == ";":
            j = text.find("\n", i)
            i = n if j < 0 else j + 1
        elif c.isspace():
            i += 1
        elif c == "(":
            stack.append([])
            i += 1
        elif c == ")":
            if len(stack) == 1:
                raise SexpError(f"unbalanced ')' at offset {i}")
            done = stack.pop()
            stack[-1].append(done)
            i += 1
        elif c == '"':
            j, buf = i + 1, []
            while j < n and text[j] != '"':
                if text[j] == "\\" and j + 1 < n:
                    j += 1
                buf.append(text[j])
                j += 1
            if j >= n:
                raise SexpError("unterminated string")
            stack[-1].append("".join(buf))
            i = j + 1
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] not in "();\"":
                j += 1
            stack[-1].append(text[i:j])
            i = j
    if len(stack) != 1:
        raise SexpError("unbalanced '('")
    return out


@dataclass(frozen=True)
class Theory:
    name: str
    directory: Path  # absolute
    theories: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()


def _field(stanza: list, key: str) -> list[str]:
    for item in stanza[1:]:
        if isinstance(item, list) and item and item[0] == key:
            return [a for a in item[1:] if isinstance(a, str)]
    return []


def _atoms(items: list) -> list[str]:
    """The atoms of ``items``, nested lists flattened (``(flags (:standard -w -x))``)."""
    out: list[str] = []
    for a in items:
        out += _atoms(a) if isinstance(a, list) else [a]
    return out


def _flags_field(stanza: list) -> list:
    for item in stanza[1:]:
        if isinstance(item, list) and item and item[0] == "flags":
            return item[1:]
    return []


def theories_in(root: Path) -> list[Theory]:
    """Every ``coq.theory`` stanza of the ``dune`` files under ``root``."""
    found: list[Theory] = []
    for dune in sorted(root.rglob("dune")):
        rel = dune.relative_to(root)
        if not dune.is_file() or any(part in SKIPPED_DIRS for part in rel.parts[:-1]):
            continue
        try:
            sexps = parse_sexps(dune.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, SexpError) as e:
            raise InputError(f"cannot read {dune}: {e}") from None
        for stanza in sexps:
            if isinstance(stanza, list) and stanza and stanza[0] == "coq.theory":
                names = _field(stanza, "name")
                if not names:
                    raise InputError(f"{dune}: a coq.theory stanza without a name")
                # ":standard" (dune's own defaults) and other ":" variables are dune's, not coqc's.
                flags = tuple(f for f in _atoms(_flags_field(stanza)) if not f.startswith(":"))
                found.append(Theory(names[0], dune.parent.resolve(), tuple(_field(stanza, "theories")), flags))
    return found


def find_dune_root(start: Path) -> Path | None:
    """The folder holding ``dune-project`` at or above ``start``; the outermost one wins (a dune workspace)."""
    best = None
    for d in (start.resolve(), *start.resolve().parents):
        if (d / DUNE_PROJECT).is_file():
            best = d
    return best
