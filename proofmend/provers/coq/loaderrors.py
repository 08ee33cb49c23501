"""Why a file could not be loaded, said with what to do about it."""

from __future__ import annotations

import re

from .project import CoqProject

_UNBOUND = re.compile(r"(?:Cannot find a physical path bound to logical path|Unable to locate library)\s+([\w.']+)")
_INCONSISTENT = re.compile(r"Compiled library\s+([\w.']+).*?makes inconsistent assumptions over library\s+([\w.']+)", re.S)
_BAD_VO = re.compile(r"(?:The file|file)\s+(\S+\.vo)\s+(?:is corrupted|has bad magic|was compiled)", re.S)
_OTHER_NAME = re.compile(r"contains\s+library\s+([\w.']+)\s+and\s+not\s+library\s+([\w.']+)", re.S)


def first_line(message: str) -> str:
    """Coq's message on one line (it wraps long ones), cut to a readable length."""
    text = " ".join(message.split())
    return (text[:297] + "...") if len(text) > 300 else (text or "error")


def _in_project(project: CoqProject, module: str) -> bool:
    for f in project.files:
        name = project.logical_name(f) or f.stem
        if name == module or name.endswith("." + module):
            return True
    return False


def load_hint(message: str, project: CoqProject) -> str:
    """A short hint (starting with "; ") for a load failure, or "" when there is nothing useful to add."""
    m = _UNBOUND.search(message)
    if m:
        mod = m.group(1)
        if _in_project(project, mod):
            return f"; {mod} is a file of this project that could not be compiled: fix it first"
        return (f"; the library {mod} is neither in this project nor installed: install it, build it (make / dune "
                "build) or bind its folder with -R/-Q in _CoqProject")
    m = _INCONSISTENT.search(message)
    if m:
        return (f"; the compiled {m.group(1)} is out of date with {m.group(2)}: rebuild it with the project's "
                "build (make / dune build), or reinstall the library")
    m = _OTHER_NAME.search(message)
    if m:
        return (f"; the compiled file was built as {m.group(1)}, not as {m.group(2)} as this project names it: "
                "rebuild it with this project's flags, or run with --rebuild")
    if _BAD_VO.search(message):
        return "; a compiled file was made by another Coq version: rebuild the project with this coqc"
    return ""
