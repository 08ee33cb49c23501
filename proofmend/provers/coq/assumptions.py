"""Reading what Coq prints: ``Print Assumptions``, ``Search``, ``About``, ``Locate``.

Every reader is fail-safe for the audit: a line it does not recognise under
``Print Assumptions`` counts as an unsafe assumption, never as nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CLOSED = "Closed under the global context"
_NOISE = ("Fetching opaque proofs",)

# An entry of Print Assumptions starts at the margin: "name : type", or the name
# alone on its line when the type is too long and follows indented ("  : type").
_ENTRY = re.compile(r"^(\S+)(?:\s+:\s|\s+:$|\s*$)")


def parse_assumptions(output: str) -> tuple[list[str], list[str]]:
    """(axiom names as printed, unsafe lines) from ``Print Assumptions`` output.

    Under ``Axioms:`` Coq 8.16 lists axioms (``name : type``) and also the
    checks that were switched off (``f is assumed to be guarded.``, ``… is
    assumed to be positive.``, ``… relies on an unsafe hierarchy.``, ``…
    relies on definitional UIP.``): every line that is not an entry is unsafe,
    as is every entry under any other heading (``Section Variables:``, …).
    """
    axioms: list[str] = []
    unsafe: list[str] = []
    section: str | None = None
    for line in output.splitlines():
        if not line.strip() or line.startswith(_NOISE):
            continue
        if line[0].isspace():
            continue  # the rest of an entry's type
        stripped = line.strip()
        if stripped == CLOSED:
            continue
        if stripped.endswith(":") and " : " not in stripped:
            section = stripped[:-1]  # "Axioms:", "Section Variables:", ...
            continue
        m = _ENTRY.match(line)
        if section == "Axioms" and m and " is assumed " not in line and " relies on " not in line:
            axioms.append(m.group(1))
        else:
            unsafe.append(stripped if section in (None, "Axioms") else f"{section}: {stripped}")
    return axioms, unsafe


def parse_search(messages: list[str]) -> dict[str, str]:
    """``{printed name: type}`` from the answers of a ``Search`` (one message per hit)."""
    out: dict[str, str] = {}
    for m in messages:
        if m.startswith(_NOISE):
            continue
        name, sep, typ = m.partition(":")
        if sep and name.strip() and " " not in name.strip():
            out[name.strip()] = " ".join(typ.split())
    return out


@dataclass(frozen=True)
class About:
    """What ``About`` says of a name."""

    full_name: str  # "Coq.Init.Peano.le"
    kind: str  # "Constant", "Inductive", "Constructor", ...
    transparent: bool | None  # None when Coq says neither (inductives, constructors)


_EXPANDS = re.compile(r"^Expands to:\s+(\w+)\s+(\S+)", re.M)


def parse_about(text: str) -> About | None:
    m = _EXPANDS.search(text)
    if not m:
        return None
    transparent = None
    if re.search(r" is transparent$", text, re.M):
        transparent = True
    elif re.search(r" is opaque$", text, re.M):
        transparent = False
    return About(m.group(2), m.group(1), transparent)


def names_nothing(locate_output: str) -> bool:
    """Whether ``Locate X`` found no object of that name."""
    return locate_output.strip().startswith(("No object of basename", "No object of suffix"))


_LOCATED = re.compile(r"^\w+\s+(\S+)(?:\s*\(shorter name to refer to it in current context is\s+(\S+?)\))?", re.S)


def parse_locate(output: str, full_name: str) -> str | None:
    """The name Coq prints for ``full_name``, from ``Locate full_name`` output; None when not loaded."""
    m = _LOCATED.match(output.strip())
    if not m or m.group(1) != full_name:
        return None
    return m.group(2) or full_name


def parse_coqchk(output: str) -> tuple[list[str], list[str]]:
    """(axioms, unsafe lines) from ``coqchk -o``'s CONTEXT SUMMARY (fully qualified names)."""
    axioms: list[str] = []
    unsafe: list[str] = []
    section = ""
    for line in output.splitlines():
        s = line.strip()
        if s.startswith("* "):
            section, _, s = (part.strip() for part in s[2:].partition(":"))
        if not s or s.startswith(("=", "CONTEXT SUMMARY")) or s == "<none>" or section.startswith("Theory"):
            continue
        if section == "Axioms":
            axioms.append(s)
        elif section:
            unsafe.append(f"{section}: {s}")
    return axioms, unsafe
