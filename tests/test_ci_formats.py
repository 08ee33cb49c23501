"""CI output of repair: GitHub workflow annotations and JUnit XML, from a real run, parsed back."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from proofmend.ci import annotation

from .conftest import needs_coq, run_cli
from .test_since import FAST, make_repo, needs_git

COMMAND = re.compile(r"^::(error|warning|notice) ([^:]*)::(.*)$")


def unescape(s: str) -> str:
    return s.replace("%0A", "\n").replace("%0D", "\r").replace("%3A", ":").replace("%2C", ",").replace("%25", "%")


def parse_annotations(stdout: str) -> list[dict]:
    out = []
    for line in stdout.splitlines():
        m = COMMAND.match(line)
        if not m:
            continue
        props = dict(p.split("=", 1) for p in m.group(2).split(","))
        out.append({"kind": m.group(1), **{k: unescape(v) for k, v in props.items()}, "message": unescape(m.group(3))})
    return out


def test_annotation_escapes_what_the_runner_would_misread():
    line = annotation("error", "a,b:c.v", 3, "t: x", "50% done\nnext")
    assert line == "::error file=a%2Cb%3Ac.v,line=3,title=t%3A x::50%25 done%0Anext"
    assert parse_annotations(line) == [{"kind": "error", "file": "a,b:c.v", "line": "3", "title": "t: x",
                                        "message": "50% done\nnext"}]


@needs_git
@needs_coq
def test_github_annotations_and_junit_from_a_run_since_a_revision(tmp_path):
    repo = make_repo(tmp_path, committed_change=False)
    junit = tmp_path / "proofmend.xml"
    res = run_cli("repair", "theories", "--since", "HEAD", "--format", "github", "--junit", str(junit), *FAST, cwd=repo)
    assert res.returncode == 1, res.stderr
    notes = parse_annotations(res.stdout)
    errors = [a for a in notes if a["kind"] == "error"]
    assert len(errors) == 1
    assert errors[0]["file"] == "theories/Use.v" and errors[0]["line"] == "6"
    assert errors[0]["message"].startswith("inc_double: not mended")
    assert "broken by the change since HEAD" in errors[0]["message"]
    mended = {(a["file"], a["line"]): a["message"] for a in notes if a["kind"] == "notice"}
    assert set(mended) == {("theories/Base.v", "9"), ("theories/Use.v", "11")}
    assert "already broken at HEAD" in mended[("theories/Use.v", "11")]
    assert "::group::" in res.stdout and "+++ b/theories/Base.v" in res.stdout  # the proposed diff, folded
    assert res.stdout.strip().splitlines()[-1].startswith("proofmend: 2/3 proof(s) mended, 1 left (1 broken by the change")

    root = ET.parse(junit).getroot()
    assert root.tag == "testsuites" and root.get("tests") == "3" and root.get("failures") == "1"
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert set(suites) == {"theories/Base.v", "theories/Use.v"}
    cases = {(c.get("classname"), c.get("name")): c for s in suites.values() for c in s.findall("testcase")}
    assert set(cases) == {("theories/Base.v", "double_spec"), ("theories/Use.v", "inc_double"),
                          ("theories/Use.v", "double_zero")}
    fail = cases[("theories/Use.v", "inc_double")].find("failure")
    assert fail is not None and fail.get("type") == "unsolved" and "broken by the change since HEAD" in fail.text
    assert cases[("theories/Base.v", "double_spec")].find("failure") is None
    assert "mended (not written" in cases[("theories/Base.v", "double_spec")].find("system-out").text
    assert suites["theories/Use.v"].get("failures") == "1" and suites["theories/Base.v"].get("failures") == "0"


@needs_coq
def test_junit_without_since_lists_every_proof_of_the_file(write, tmp_path):
    src = write("one.v", "Lemma ok1 : True.\nProof. exact I. Qed.\n\nLemma hole : 1 + 1 = 2.\nAdmitted.\n")
    junit = tmp_path / "j.xml"
    res = run_cli("repair", str(src), "--junit", str(junit), "--json", *FAST)
    assert res.returncode == 0, res.stderr
    root = ET.parse(junit).getroot()
    cases = [(c.get("name"), c.get("line"), c.find("failure") is None) for c in root.iter("testcase")]
    assert cases == [("ok1", "1", True), ("hole", "4", True)]
    assert root.get("failures") == "0"


def test_bad_format_is_an_input_error(write):
    src = write("one.v", "Lemma ok1 : True.\nProof. exact I. Qed.\n")
    res = run_cli("repair", str(src), "--format", "xml")
    assert res.returncode == 2 and res.stderr.strip() == "proofmend: error: --format must be text, json or github, not 'xml'"
