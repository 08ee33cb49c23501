"""Reports for continuous integration: GitHub Actions workflow annotations and JUnit XML.

One annotation per proof left unmended (``::error``), per proof mended but not
written (``::notice``) and per file that could not be loaded (``::error``).
JUnit: one test suite per visited file, one test case per proof in it; a
failure for a proof left unmended, an error for a file that could not be
loaded.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from .provers.coq.locator import parse_document
from .provers.coq.sentences import SplitError

AT_REV_WORDS = {"broken": "already broken at {rev}", "ok": "broken by the change since {rev}",
                "new": "new since {rev}", None: "its state at {rev} is unknown"}


def display_path(path: Path, top: Path | None = None) -> str:
    """``path`` relative to ``top`` (the repository) or else the working directory, when inside it."""
    path = Path(path).resolve()
    for base in (top, Path.cwd()):
        if base is None:
            continue
        try:
            return path.relative_to(base.resolve()).as_posix()
        except ValueError:
            continue
    return str(path)


def _escape_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(s: str) -> str:
    return _escape_data(s).replace(":", "%3A").replace(",", "%2C")


def annotation(kind: str, file: str, line: int | None, title: str, message: str) -> str:
    """One workflow command: ``::error file=F,line=L,title=T::message``."""
    props = [f"file={_escape_property(file)}"]
    if line:
        props.append(f"line={line}")
    props.append(f"title={_escape_property(title)}")
    return f"::{kind} {','.join(props)}::{_escape_data(message)}"


def _error_line(error: str) -> int | None:
    m = re.match(r"[^:\n]*:(\d+):", error) or re.search(r"\(line (\d+)\)", error)
    return int(m.group(1)) if m else None


def _at_rev(since, path: Path, theorem: str) -> str:
    if since is None:
        return ""
    return "; " + AT_REV_WORDS.get(since.status(path, theorem), AT_REV_WORDS[None]).format(rev=since.scope.rev)


def _why(h) -> str:
    reason = (h.error or h.exit or "").strip().splitlines()
    return reason[0][:300] if reason else h.exit


def github_annotations(run, since=None, written: list[Path] | None = None) -> list[str]:
    """Workflow commands for a repair run (``since``: its :class:`SinceReport`, for the REV column)."""
    top = since.scope.repo.top if since is not None else None
    written_set = {Path(p).resolve() for p in written or []}
    out: list[str] = []
    for f in run.files:
        name = display_path(f.path, top)
        if f.error:
            out.append(annotation("error", name, _error_line(f.error), "proofmend: cannot load",
                                  f.error.strip()))
        for h in f.holes:
            if h.status == "fixed":
                done = "mended and written" if f.path.resolve() in written_set else \
                    "can be mended: run proofmend repair --write"
                out.append(annotation("notice", name, h.line, "proofmend: mended",
                                      f"{h.theorem}: {done}{_at_rev(since, f.path, h.theorem)}\n{h.proof or ''}".rstrip()))
            else:
                out.append(annotation("error", name, h.line, f"proofmend: {h.status} proof",
                                      f"{h.theorem}: not mended ({h.exit}): {_why(h)}{_at_rev(since, f.path, h.theorem)}"))
    return out


def _proofs(text: str) -> list[tuple[str, int]]:
    try:
        doc = parse_document(text)
    except SplitError:
        return []
    return [(p.qualname or p.name or f"{p.keyword} at line {doc.line_of(p.statement.start)}",
             doc.line_of(p.statement.start)) for p in doc.proofs]


def junit_xml(run, since=None, written: list[Path] | None = None) -> str:
    """A JUnit XML report: one test suite per visited file, one test case per proof."""
    top = since.scope.repo.top if since is not None else None
    written_set = {Path(p).resolve() for p in written or []}
    suites = ET.Element("testsuites", name="proofmend repair")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for f in run.files:
        name = display_path(f.path, top)
        suite = ET.SubElement(suites, "testsuite", name=name, file=name)
        counts = {"tests": 0, "failures": 0, "errors": 0}
        seconds = 0.0
        if f.error:
            case = ET.SubElement(suite, "testcase", name="(file loads)", classname=name, file=name)
            ET.SubElement(case, "error", message=f.error.strip().splitlines()[0][:500], type="load_error").text = f.error
            counts["tests"] += 1
            counts["errors"] += 1
        holes = {h.theorem: h for h in f.holes}
        for theorem, line in _proofs(f.original_text):
            h = holes.pop(theorem, None)
            case = ET.SubElement(suite, "testcase", name=theorem, classname=name, file=name, line=str(line))
            counts["tests"] += 1
            if h is None:
                case.set("time", "0")
                continue
            seconds += h.elapsed_s
            case.set("time", f"{h.elapsed_s:.3f}")
            rev = _at_rev(since, f.path, h.theorem).lstrip("; ")
            if h.status == "fixed":
                state = "mended and written" if f.path.resolve() in written_set else "mended (not written: run with --write)"
                ET.SubElement(case, "system-out").text = f"{state}{'; ' + rev if rev else ''}\n{h.proof or ''}"
            else:
                counts["failures"] += 1
                fail = ET.SubElement(case, "failure", message=f"not mended ({h.exit}): {_why(h)}"[:500], type=h.status)
                fail.text = "\n".join(x for x in (rev, h.error or "") if x)
        for h in holes.values():  # a proof the text no longer shows (should not happen): still reported
            counts["tests"] += 1
            case = ET.SubElement(suite, "testcase", name=h.theorem, classname=name, file=name, line=str(h.line))
            if h.status != "fixed":
                counts["failures"] += 1
                ET.SubElement(case, "failure", message=f"not mended ({h.exit}): {_why(h)}"[:500], type=h.status)
        for k, v in counts.items():
            suite.set(k, str(v))
            totals[k] += v
        suite.set("time", f"{seconds:.3f}")
    for k, v in totals.items():
        suites.set(k, str(v))
    suites.set("time", f"{run.seconds:.3f}")
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def write_junit(path: Path, xml_text: str) -> None:
    path = Path(path)
    if path.parent and not path.parent.exists():
        os.makedirs(path.parent, exist_ok=True)
    path.write_text(xml_text, encoding="utf-8")


def since_summary(since) -> str:
    """One line: what changed since REV and what depends on it."""
    scope = since.scope
    top = scope.repo.top
    if not scope.files:
        return f"no .v file of the project changed since {scope.rev} ({scope.commit[:12]})"
    changed = ", ".join(display_path(f, top) for f in scope.changed) or "none"
    deps = ", ".join(display_path(f, top) for f in scope.dependents) or "none"
    return f"changed since {scope.rev} ({scope.commit[:12]}): {changed}; files that require them: {deps}"


def print_github(run, since=None, write: bool = False, written: list[Path] | None = None) -> None:
    """Workflow annotations on stdout, the proposed diff in a collapsed group, and one summary line."""
    import difflib

    if since is not None:
        print(since_summary(since))
    top = since.scope.repo.top if since is not None else None
    changed = [f for f in run.files if f.changed]
    if changed and not write:
        print("::group::proofmend: proposed diff (apply with proofmend repair --write)")
        for f in changed:
            name = display_path(f.path, top)
            print("".join(difflib.unified_diff(f.original_text.splitlines(True), f.new_text.splitlines(True),
                                               fromfile=f"a/{name}", tofile=f"b/{name}")), end="")
        print("::endgroup::")
    for line in github_annotations(run, since, written):
        print(line)
    holes = run.holes
    fixed = sum(h.status == "fixed" for h in holes)
    left = len(holes) - fixed
    extra = ""
    if since is not None and left:
        states = [since.status(f.path, h.theorem) for f in run.files for h in f.holes if h.status != "fixed"]
        parts = [f"{states.count(k)} {AT_REV_WORDS[k].format(rev=since.scope.rev)}" for k in ("ok", "broken", "new", None)
                 if states.count(k)]
        extra = f" ({', '.join(parts)})"
    errors = f"; {len(run.errors)} file(s) could not be loaded" if run.errors else ""
    print(f"proofmend: {fixed}/{len(holes)} proof(s) mended, {left} left{extra}{errors}")


EQUIV_WORDS = {"proved": "proved", "unproved": "unproved", "not_comparable": "not comparable"}


def equiv_annotations(report) -> list[str]:
    """``::error`` for a changed function not proved equal to its old version, ``::warning`` when not comparable."""
    out = []
    for r in report.results:
        if r.status == "unproved":
            out.append(annotation("error", r.file, r.line, "proofmend: equivalence unproved",
                                  f"{r.function}: not proved equal to its version at {report.rev}: {r.reason or ''}\n{r.statement or ''}".strip()))
        elif r.status == "not_comparable":
            out.append(annotation("warning", r.file, r.line, "proofmend: not comparable",
                                  f"{r.function}: not comparable with its version at {report.rev}: {r.reason or ''}".strip()))
        else:
            out.append(annotation("notice", r.file, r.line, "proofmend: equivalence proved",
                                  f"{r.function}: equal to its version at {report.rev}\n{r.statement}\n{r.proof or ''}".strip()))
    return out


def print_equiv(report, github: bool = False) -> None:
    """Per function: its verdict, the statement and the proof (text), or workflow annotations (github)."""
    if github:
        for line in equiv_annotations(report):
            print(line)
    else:
        if not report.results:
            print(f"no Definition or Fixpoint changed since {report.rev} ({report.commit[:12]})")
        for r in report.results:
            print(f"{r.file}:{r.line}: {r.function}: {EQUIV_WORDS[r.status]} ({r.elapsed_s:.1f} s)")
            if r.reason:
                print(f"    {r.reason}")
            if r.statement:
                print("    " + r.statement)
            if r.proof:
                print("    " + r.proof.strip().replace("\n", "\n    "))
    if report.written:
        print(f"appended {sum(r.status == 'proved' for r in report.results)} lemma(s) to {report.written}")
    if report.write_error:
        print(f"proofmend: nothing written: the audit rejected the lemmas: {report.write_error}")
    counts = {k: sum(r.status == k for r in report.results) for k in EQUIV_WORDS}
    print(f"proofmend equiv since {report.rev}: {counts['proved']} proved, {counts['unproved']} unproved, "
          f"{counts['not_comparable']} not comparable in {report.seconds:.1f} s")
