"""Projects as users lay them out: _CoqProject with or without a file list, dune, the user's own build.

Every test runs the real coqc/coqidetop on a small project with a broken
proof at the bottom of the dependency graph.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from proofmend.agent.config import AgentConfig
from proofmend.agent.loop.repair import NoProgress, mend_path
from proofmend.provers.coq.project import dependency_order, project_for

from .conftest import needs_coq, run_cli

pytestmark = needs_coq

BASE = """Definition double (n : nat) : nat := n + n.

Lemma double_0 : double 0 = 0.
Proof. reflexivity. Qed.
"""
# A proof broken by a change in Base: `double` was `2 * n`, the old proof
# unfolded it and used a lemma that no longer applies.
USER = """{require}

Lemma double_twice : forall n, double n = n + n.
Proof.
  intros n. unfold double. rewrite Nat.mul_comm. reflexivity.
Qed.

Lemma double_S : forall n, double (S n) = S (S (double n)).
Proof.
  intros n. unfold double. simpl. rewrite <- plus_n_Sm. reflexivity.
Qed.
"""
CONFIG = AgentConfig(timeout_s=60, tactic_timeout_s=10)


class Builds(NoProgress):
    def __init__(self):
        self.built: list[str] = []

    def file_built(self, done: int, total: int, file: str) -> None:
        self.built.append(Path(file).name)


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def make_flags_only(root: Path) -> Path:
    (root / "theories" / "Data").mkdir(parents=True)
    (root / "_CoqProject").write_text("# flags only: the Makefile lists the files\n-R theories My.Lib\n"
                                      "-arg -w -arg -deprecated\n")
    (root / "theories" / "Data" / "Base.v").write_text(BASE)
    user = root / "theories" / "User.v"
    user.write_text(USER.format(require="From My.Lib Require Import Data.Base."))
    return user


def make_file_list(root: Path) -> Path:
    (root / "src").mkdir(parents=True)
    (root / "_CoqProject").write_text('-Q "src" Proj\nsrc/Base.v\nsrc/User.v\n')
    (root / "src" / "Base.v").write_text(BASE)
    user = root / "src" / "User.v"
    user.write_text(USER.format(require="From Proj Require Import Base."))
    return user


def make_dune(root: Path) -> Path:
    (root / "theories" / "sub").mkdir(parents=True)
    (root / "dune-project").write_text("(lang dune 2.9)\n(using coq 0.3)\n")
    (root / "theories" / "dune").write_text(
        "; the library\n(include_subdirs qualified)\n(coq.theory\n (name Dn)\n (flags :standard -w -deprecated))\n")
    (root / "theories" / "sub" / "Base.v").write_text(BASE)
    user = root / "theories" / "User.v"
    user.write_text(USER.format(require="From Dn Require Import sub.Base."))
    return user


LAYOUTS = {"flags": make_flags_only, "files": make_file_list, "dune": make_dune}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_each_layout_is_read_and_its_broken_proof_mended(tmp_path, layout):
    user = LAYOUTS[layout](tmp_path / "proj")
    project = project_for(user)
    assert project.kind == layout
    assert sorted(f.name for f in project.files) == ["Base.v", "User.v"]
    assert [f.name for f in dependency_order(project)] == ["Base.v", "User.v"]
    before = tree(tmp_path / "proj")
    progress = Builds()
    report = mend_path(user, CONFIG, progress=progress)
    assert report.errors == []
    holes = {h.theorem: h for h in report.holes}
    assert set(holes) == {"double_twice"}, report.to_json()
    assert holes["double_twice"].status == "fixed"
    assert progress.built == ["Base.v"]  # nothing built by the user: compiled in the workspace
    assert tree(tmp_path / "proj") == before  # the user's tree untouched, no .vo or .aux added


def test_whole_project_directory_of_each_layout(tmp_path):
    for layout, make in LAYOUTS.items():
        root = tmp_path / layout
        make(root)
        r = run_cli("repair", str(root), "--json")
        assert r.returncode == 0, (layout, r.stdout, r.stderr)
        data = json.loads(r.stdout)
        assert data["summary"] == {**data["summary"], "total": 1, "fixed": 1, "errors": 0}, layout


def _coqc(project_root: Path, flags: list[str], file: str) -> None:
    subprocess.run(["coqc", *flags, file], cwd=project_root, check=True, capture_output=True)


def test_the_users_build_is_used_and_never_written(tmp_path):
    root = tmp_path / "proj"
    user = make_flags_only(root)
    _coqc(root, ["-R", "theories", "My.Lib"], "theories/Data/Base.v")
    vo = root / "theories" / "Data" / "Base.vo"
    stamp = vo.stat().st_mtime_ns
    before = tree(root)
    progress = Builds()
    report = mend_path(user, CONFIG, progress=progress)
    assert [h.status for h in report.holes] == ["fixed"]
    assert progress.built == []  # up to date: loaded where it is
    assert tree(root) == before and vo.stat().st_mtime_ns == stamp

    # A source newer than its compiled file is stale: compiled again, in the workspace only.
    time.sleep(0.05)
    base = root / "theories" / "Data" / "Base.v"
    base.write_text(BASE + "\nLemma double_1 : double 1 = 2.\nProof. reflexivity. Qed.\n")
    progress = Builds()
    report = mend_path(user, CONFIG, progress=progress)
    assert [h.status for h in report.holes] == ["fixed"]
    assert progress.built == ["Base.v"]
    assert vo.stat().st_mtime_ns == stamp


def test_dune_build_folder_is_used(tmp_path):
    root = tmp_path / "proj"
    user = make_dune(root)
    # What `dune build` leaves: compiled files under _build/default, same relative paths.
    build = root / "_build" / "default"
    shutil.copytree(root / "theories", build / "theories")
    _coqc(build, ["-R", "theories", "Dn"], "theories/sub/Base.v")
    os.utime(build / "theories" / "sub" / "Base.vo")
    progress = Builds()
    report = mend_path(user, CONFIG, progress=progress)
    assert [h.status for h in report.holes] == ["fixed"]
    assert progress.built == []


def test_a_file_that_cannot_be_loaded_is_an_error_not_nothing_to_do(tmp_path):
    root = tmp_path / "proj"
    make_flags_only(root)
    lone = root / "theories" / "Lone.v"
    lone.write_text("From Missing.Library Require Import Thing.\n\nLemma l : 1 = 1.\nProof. reflexivity. Qed.\n")
    r = run_cli("repair", str(lone))
    assert r.returncode == 1, r.stdout + r.stderr
    assert "Cannot find a physical path bound to logical path" in r.stderr
    assert "Lone.v:1:" in r.stderr and "neither in this project nor installed" in r.stderr
    assert "no failing proofs" not in r.stdout
    r = run_cli("repair", str(lone), "--json")
    assert r.returncode == 1
    data = json.loads(r.stdout)
    assert data["summary"]["errors"] == 1 and "Missing.Library" in data["errors"][0]["error"]


def test_an_error_outside_proofs_is_reported_with_its_line(tmp_path):
    root = tmp_path / "proj"
    make_flags_only(root)
    f = root / "theories" / "Broken.v"
    f.write_text("Definition x := 1.\n\nDefinition y := no_such_constant.\n\nLemma r : x = 1.\nProof. Admitted.\n")
    report = mend_path(f, CONFIG)
    assert report.errors and "Broken.v:3:" in report.errors[0].error
    assert "no_such_constant" in report.errors[0].error
    assert [h.status for h in report.holes] == ["skipped"]
    assert not report.complete


def test_a_dependency_that_does_not_compile_is_named(tmp_path):
    root = tmp_path / "proj"
    user = make_flags_only(root)
    (root / "theories" / "Data" / "Base.v").write_text(BASE + "\nDefinition oops := undefined_name.\n")
    r = run_cli("repair", str(user), "--json")
    assert r.returncode == 1, r.stdout + r.stderr
    err = json.loads(r.stdout)["errors"][0]["error"]
    assert "dependency" in err and "Base.v" in err and "undefined_name" in err


def test_project_file_parsing(tmp_path):
    (tmp_path / "a b").mkdir()
    (tmp_path / "plugins").mkdir()
    (tmp_path / "a b" / "X.v").write_text("Definition x := 1.\n")
    (tmp_path / "_CoqProject").write_text('# comment\n-R "a b" Spaced # trailing comment\n-Q . Top\n-I plugins\n'
                                          '-arg "-w -notation-overridden"\n')
    p = project_for(tmp_path)
    assert p.kind == "flags"
    assert [(lp.flag, lp.directory.name, lp.logical) for lp in p.loadpaths] == [
        ("-R", "a b", "Spaced"), ("-Q", tmp_path.name, "Top"), ("-I", "plugins", "")]
    assert p.args == ("-w", "-notation-overridden")
    assert [f.name for f in p.files] == ["X.v"]
    assert p.logical_name(tmp_path / "a b" / "X.v") == "Spaced.X"


def test_a_file_that_names_its_own_module_loads_in_the_live_session(tmp_path):
    # coqc names the module after its place under -R (Lib.Self), and the file may use that name.
    root = tmp_path / "proj"
    (root / "theories").mkdir(parents=True)
    (root / "_CoqProject").write_text("-R theories Lib\n")
    f = root / "theories" / "Self.v"
    f.write_text("Definition x := 1.\n\nLemma l : Self.x = 1.\nProof.\nAdmitted.\n")
    report = mend_path(f, CONFIG)
    assert report.errors == [], report.to_json()
    assert [h.status for h in report.holes] == ["fixed"]
