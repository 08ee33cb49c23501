"""Libraries outside the project folder, links, and flags as coqc takes them.

Each layout is a small real project (real coqc/coqidetop) whose exercise file
has a broken proof and a hole; ``repair --write`` must mend them, write only
the exercise file's proof bodies, and leave everything outside the project —
sources, compiled files, their times — exactly as it was.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from proofmend.agent.config import AgentConfig
from proofmend.agent.loop.repair import NoProgress, mend_path
from proofmend.provers.coq.project import project_for

from .conftest import needs_coq, run_cli

pytestmark = needs_coq

BASICS = """Definition double (n : nat) : nat := n + n.

Lemma double_0 : double 0 = 0.
Proof. reflexivity. Qed.
"""
INDUCTION = """From LF Require Export Basics.

Lemma double_S : forall n, double (S n) = S (S (double n)).
Proof. intros n. unfold double. simpl. rewrite <- plus_n_Sm. reflexivity. Qed.
"""
# `double` used to be `2 * n`: the old proof of the first lemma no longer checks.
EXERCISE = """{require}

Lemma double_twice : forall n, {double} n = n + n.
Proof.
  intros n. unfold {double}. rewrite Nat.mul_comm. reflexivity.
Qed.

Lemma double_2 : {double} 2 = 4.
Proof.
Admitted.
"""


def exercise(require: str, double: str = "double") -> str:
    return EXERCISE.format(require=require, double=double)


def snapshot(root: Path, skip: Path | None = None) -> dict[str, tuple]:
    """Every entry under ``root`` (links not followed): kind, link target or bytes, modification time."""
    out: dict[str, tuple] = {}
    for here, dirs, names in os.walk(root):
        for n in [*dirs, *names]:
            p = Path(here) / n
            if skip is not None and (p == skip or skip in p.parents):
                continue
            st = p.lstat()
            if p.is_symlink():
                out[str(p.relative_to(root))] = ("link", os.readlink(p))
            elif p.is_dir():
                out[str(p.relative_to(root))] = ("dir",)
            else:
                out[str(p.relative_to(root))] = ("file", p.read_bytes(), st.st_mtime_ns)
    return out


def coqc(cwd: Path, *args: str) -> None:
    subprocess.run(["coqc", *args], cwd=cwd, check=True, capture_output=True)


def course_library(folder: Path) -> Path:
    """A course's library, compiled where it is (as its readers build it)."""
    folder.mkdir(parents=True)
    (folder / "Basics.v").write_text(BASICS)
    (folder / "Induction.v").write_text(INDUCTION)
    for f in ("Basics.v", "Induction.v"):
        coqc(folder, "-Q", ".", "LF", f)
    return folder


def repair_writes_only(tmp_path: Path, project: Path, target: Path, mended: list[Path], *extra: str) -> dict:
    """``repair --write`` on ``target``: every hole fixed, only ``mended`` changed, nothing else anywhere."""
    outside = snapshot(tmp_path, skip=project)
    inside = snapshot(project)
    r = run_cli("repair", str(target), "--write", "--json", "--model", "search", *extra)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    data = json.loads(r.stdout)
    assert data["summary"]["fixed"] == data["summary"]["total"] >= 2, data
    assert snapshot(tmp_path, skip=project) == outside  # nothing outside the project written, nor touched
    now = snapshot(project)
    changed = {k for k in set(now) | set(inside) if now.get(k) != inside.get(k)}
    assert changed == {str(m.relative_to(project)) for m in mended}, changed
    for m in mended:
        text = m.read_text()
        assert "Admitted." not in text and "Nat.mul_comm" not in text
    return data


def test_course_layout_a_library_compiled_elsewhere_bound_by_an_absolute_path(tmp_path):
    lf = course_library(tmp_path / "home" / "sf" / "lf")
    work = tmp_path / "work"
    work.mkdir()
    (work / "_CoqProject").write_text(f"-Q {lf} LF\n")
    ex1 = work / "Ex1.v"
    ex1.write_text(exercise("From LF Require Import Basics."))
    ex2 = work / "Ex2.v"
    ex2.write_text(exercise("From LF Require Import Induction."))
    # A file of the course: read-only, and not one of the project's files to mend (its hole stays).
    (lf / "Hole.v").write_text("Lemma in_the_library : 1 = 1.\nProof.\nAdmitted.\n")
    project = project_for(ex1)
    assert [f for f in project.files if project.owns(f)] == [ex1, ex2]
    original = ex2.read_text()
    data = repair_writes_only(tmp_path, work, work, [ex1, ex2])
    assert {h["file"] for h in data["holes"]} == {str(ex1), str(ex2)}
    # check and audit see the same layout
    outside = snapshot(tmp_path, skip=work)
    assert run_cli("check", str(ex2)).returncode == 0
    orig = work / "Ex2_orig.v"
    orig.write_text(original)
    r = run_cli("audit", str(ex2), "--against", str(orig))
    assert r.returncode == 0 and "accepted" in r.stdout, r.stdout + r.stderr
    orig.unlink()
    assert snapshot(tmp_path, skip=work) == outside
    # Each exercise also on its own, as an editor runs it
    ex1.write_text(exercise("From LF Require Import Basics."))
    repair_writes_only(tmp_path, work, ex1, [ex1])


def test_a_stale_compiled_file_in_the_outside_library_is_compiled_privately(tmp_path):
    lf = course_library(tmp_path / "sf" / "lf")
    time.sleep(0.05)
    (lf / "Basics.v").write_text(BASICS + "\nDefinition triple (n : nat) := n + n + n.\n")  # newer than Basics.vo
    compiled = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in lf.iterdir()}
    work = tmp_path / "work"
    work.mkdir()
    (work / "_CoqProject").write_text(f"-Q {lf} LF\n")
    ex = work / "Ex.v"
    ex.write_text(exercise("From LF Require Import Induction.\nDefinition uses_new := triple 1."))

    class Builds(NoProgress):
        built: list[str] = []

        def file_built(self, done: int, total: int, file: str) -> None:
            self.built.append(Path(file).name)

    progress = Builds()
    report = mend_path(ex, AgentConfig(timeout_s=60), progress=progress)
    assert [h.status for h in report.holes] == ["fixed", "fixed"], report.to_json()
    # Basics is stale, so Induction (which requires it) is too: both compiled in the workspace.
    assert progress.built == ["Basics.v", "Induction.v"]
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in lf.iterdir()} == compiled
    repair_writes_only(tmp_path, work, ex, [ex])


def test_a_sibling_library_bound_with_a_relative_path(tmp_path):
    mono = tmp_path / "mono"
    lib = mono / "lib" / "theories"
    lib.mkdir(parents=True)
    (lib / "Basics.v").write_text(BASICS)
    coqc(lib, "-R", ".", "Lib", "Basics.v")
    app = mono / "app"
    app.mkdir()
    (app / "_CoqProject").write_text("-R ../lib/theories Lib\n-R . App\nEx.v\n")
    ex = app / "Ex.v"
    ex.write_text(exercise("From Lib Require Import Basics."))
    repair_writes_only(tmp_path, app, app, [ex])


def test_a_listed_file_outside_the_folder(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "Util.v").write_text(BASICS)  # never compiled by the user: compiled privately
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "Notes.v").write_text("Lemma note : 1 = 1.\nProof.\nAdmitted.\n")  # outside every load path
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "_CoqProject").write_text("-R . P\n-Q ../shared Shared\n../shared/Util.v\n../notes/Notes.v\nEx.v\n")
    ex = proj / "Ex.v"
    ex.write_text(exercise("From Shared Require Import Util."))
    project = project_for(proj)
    assert project.kind == "files" and [f.name for f in project.files] == ["Util.v", "Notes.v", "Ex.v"]
    assert [f.name for f in project.files if project.owns(f)] == ["Ex.v"]
    data = repair_writes_only(tmp_path, proj, proj, [ex])
    assert {h["file"] for h in data["holes"]} == {str(ex)}
    assert sorted(p.name for p in shared.iterdir()) == ["Util.v"]


def test_a_linked_file_and_a_linked_folder_pointing_outside(tmp_path):
    ext = tmp_path / "vendor"
    (ext / "sub").mkdir(parents=True)
    (ext / "Ext.v").write_text(BASICS + "\nLemma ext_hole : 2 = 2.\nProof.\nAdmitted.\n")
    (ext / "sub" / "Tools.v").write_text("Definition twice (n : nat) : nat := n + n.\n")
    proj = tmp_path / "proj"
    (proj / "th").mkdir(parents=True)
    (proj / "_CoqProject").write_text("-R th My\n")
    (proj / "th" / "Ext.v").symlink_to(ext / "Ext.v")
    (proj / "th" / "tools").symlink_to(ext / "sub")
    ex = proj / "th" / "Use.v"
    ex.write_text(exercise("From My Require Import Ext tools.Tools.\nLemma same n : twice n = double n.\n"
                           "Proof. reflexivity. Qed."))
    project = project_for(proj)
    assert {project.logical_name(f) for f in project.files} == {"My.Ext", "My.tools.Tools", "My.Use"}
    assert [f.name for f in project.files if project.owns(f)] == ["Use.v"]
    # The whole project: only Use.v is the project's own (the linked file's hole is not mended).
    data = repair_writes_only(tmp_path, proj, proj, [ex])
    assert {h["file"] for h in data["holes"]} == {str(ex)}
    # The linked file itself: mended in the workspace, shown, but never written through the link.
    r = run_cli("repair", str(proj / "th" / "Ext.v"), "--write")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.count("\n") == 1 and "outside the project" in r.stderr and "Ext.v" in r.stderr
    before = snapshot(tmp_path)
    r = run_cli("repair", str(proj / "th" / "Ext.v"), "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    assert json.loads(r.stdout)["summary"]["fixed"] == 1
    assert snapshot(tmp_path) == before
    assert (proj / "th" / "Ext.v").is_symlink()


def test_a_link_inside_the_project_is_written_through_and_stays_a_link(tmp_path):
    proj = tmp_path / "proj"
    (proj / "src").mkdir(parents=True)
    (proj / "_CoqProject").write_text("-R src P\n")
    real = proj / "src" / "Real.v"
    real.write_text(exercise("Definition double (n : nat) : nat := n + n."))
    (proj / "Alias.v").symlink_to(real)
    r = run_cli("repair", str(proj / "Alias.v"), "--write", "--json", "--model", "search")
    assert r.returncode == 0, r.stdout + r.stderr
    assert (proj / "Alias.v").is_symlink() and "Admitted." not in real.read_text()


@pytest.mark.parametrize("flags", [
    "-Q /no/such/library LF\n",
    "-R ../missing Lib\n",
    "-I plugins\n",
    "-R . P\n../shared/Missing.v\n",
    "-arg \"-Q ../gone Gone\"\n",
])
def test_a_path_that_cannot_be_resolved_is_a_one_line_error(tmp_path, flags):
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "_CoqProject").write_text(flags)
    ex = proj / "Ex.v"
    ex.write_text(exercise("Definition double (n : nat) : nat := n + n."))
    for args in (("repair", str(proj)), ("repair", str(ex)), ("check", str(ex))):
        r = run_cli(*args)
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr, r.stderr
        name = flags.split()[1].strip('"') if not flags.startswith("-R . P") else "../shared/Missing.v"
        assert name in r.stderr, r.stderr


def test_a_linked_load_path_whose_target_is_gone_is_named(tmp_path):
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "lib").symlink_to(tmp_path / "moved-away")
    (proj / "_CoqProject").write_text("-R lib Lib\n")
    (proj / "Ex.v").write_text("Lemma l : 1 = 1.\nProof. Admitted.\n")
    r = run_cli("repair", str(proj / "Ex.v"))
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    assert "-R lib" in r.stderr and "moved-away" in r.stderr


# ------------------------------------------------------------------ flags
# Compiles only where Lia is loaded by the flags (-rifrom Coq Lia); the first proof fails only under
# "Default Goal Selector=!" (two goals, no focus); so the live session, the workspace's compiles and the
# audit all need the flags.
FLAGGED = """Lemma by_lia : forall n, n + n = 2 * n.
Proof. intros; lia. Qed.

Lemma both : True /\\ True.
Proof. split. exact I. exact I. Qed.

Lemma add_0 : forall (n : nat), n + 0 = n.
Proof.
Admitted.
"""
DUNE_FLAGS = [
    # as real projects write them: a warning pair, a quoted -set, an option of its own, coqc-only options
    '(flags :standard -w -deprecated-hint-rewrite-without-locality -set "Default Goal Selector=!" -noglob '
    '-rifrom Coq Lia -dump-glob ../../escaped.glob)',
    '(flags (:standard -w -deprecated-hint-rewrite-without-locality -w -notation-overridden -indices-matter))',
]


def dune_project(root: Path, flags: list[str]) -> Path:
    (root / "a").mkdir(parents=True)
    (root / "b").mkdir()
    (root / "dune-project").write_text("(lang dune 2.9)\n(using coq 0.3)\n")
    (root / "a" / "dune").write_text(f"(coq.theory\n (name A)\n {flags[0]})\n")
    (root / "b" / "dune").write_text(f"(coq.theory\n (name B)\n (theories A)\n {flags[1]})\n")
    (root / "a" / "Base.v").write_text("Definition base := 1.\n")
    f = root / "b" / "Flagged.v"
    f.write_text("From A Require Import Base.\n\n" + FLAGGED)
    return f


def test_dune_flags_reach_coqc_coqidetop_and_the_audit_whole(tmp_path):
    f = dune_project(tmp_path / "proj", DUNE_FLAGS)
    project = project_for(f)
    # each theory's flags once, never an option apart from its value
    assert project.args == ("-w", "-deprecated-hint-rewrite-without-locality", "-set", "Default Goal Selector=!",
                            "-noglob", "-rifrom", "Coq", "Lia", "-dump-glob", "../../escaped.glob",
                            "-w", "-notation-overridden", "-indices-matter")
    r = run_cli("check", str(f), "--json")
    assert r.returncode == 1, r.stdout + r.stderr  # the selector flag makes `both` fail (coqc)
    assert "focused" in r.stdout
    data = repair_writes_only(tmp_path, tmp_path / "proj", tmp_path / "proj", [f])
    assert {h["theorem"]: h["status"] for h in data["holes"]} == {"both": "fixed", "add_0": "fixed"}
    assert not (tmp_path / "escaped.glob").exists()  # where to write is the workspace's choice, never the flags'
    r = run_cli("check", str(f))
    assert r.returncode == 0, r.stdout + r.stderr


def test_coq_project_arg_flags_of_each_form(tmp_path):
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "_CoqProject").write_text(
        "-R . P\n-arg -indices-matter\n-arg \"-rifrom Coq Lia\"\n-arg \"-set 'Default Goal Selector=!'\"\n"
        "-arg -w -arg -deprecated-hint-rewrite-without-locality\n")
    f = proj / "Flagged.v"
    f.write_text(FLAGGED)
    assert project_for(f).args == ("-indices-matter", "-rifrom", "Coq", "Lia", "-set", "Default Goal Selector=!",
                                   "-w", "-deprecated-hint-rewrite-without-locality")
    data = repair_writes_only(tmp_path, proj, f, [f])
    assert {h["theorem"] for h in data["holes"]} == {"both", "add_0"}


@pytest.mark.parametrize("command", ["repair", "check"])
def test_a_prover_that_will_not_start_is_a_one_line_error_naming_the_option(tmp_path, command):
    proj = tmp_path / "proj"
    # a warning name without its -w: coqc and coqidetop take it for an option of their own
    f = dune_project(proj, ['(flags :standard -deprecated-hint-rewrite-without-locality)', "(flags :standard)"])
    for target in (f, proj / "a" / "Base.v"):  # with a dependency to compile first, and without
        r = run_cli(command, str(target), *(["--json"] if command == "repair" else []))
        assert r.returncode == 2, (target, r.stdout, r.stderr)
        assert str(proj / "dune-project") in r.stderr
        assert "Traceback" not in r.stderr and r.stderr.count("\n") == 1, r.stderr
        assert "Unknown option -deprecated-hint-rewrite-without-locality" in r.stderr


HAMMER = Path(subprocess.run(["coqc", "-where"], capture_output=True, text=True).stdout.strip() or "/nonexistent") / \
    "user-contrib" / "Hammer"


@pytest.mark.skipif(not (HAMMER / "Tactics" / "Tactics.vo").exists(), reason="CoqHammer is not installed")
@pytest.mark.parametrize("bound", [True, False])
def test_a_library_installed_in_user_contrib(tmp_path, bound):
    # Bound where it is installed (as some _CoqProject files do), or found by Coq itself: read where it is.
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "_CoqProject").write_text(f"-Q {HAMMER} Hammer\n" if bound else "-R . P\n")
    ex = proj / "Ex.v"
    ex.write_text(exercise("From Hammer Require Import Tactics.\nDefinition double (n : nat) : nat := n + n."))
    installed = snapshot(HAMMER)
    repair_writes_only(tmp_path, proj, ex, [ex])
    assert snapshot(HAMMER) == installed
