"""The language server inside real editors: Neovim (headless) and Emacs with eglot (batch).

Each editor opens a .v file, asks for the code actions at a hole, picks "Mend proof",
and saves; the test reads the file back and compiles it with coqc.  Also: the buffer
edited while a mend runs (re-anchored, or dropped with a message), a file that cannot
be read (the server stays up), and a mend cancelled from the editor (its provers end).
The editors come from Debian (neovim, emacs-nox, elpa-eglot); each test skips without its editor.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from .conftest import HAVE_COQ, ROOT
from .test_editor import SOURCE, coqc_accepts
from .test_editor_cancel import STUCK, alive, descendants, group_members

HERE = Path(__file__).resolve().parent / "editors"
HOLE_LINE = "Lemma add_0_r' : forall n : nat, n + 0 = n."
STUCK_LINE = "Lemma stuck : forall n : nat, n + 1 = n."
FINE = SOURCE.replace("  intros a b. reflexivity.", "  intros a b. apply Nat.add_comm.")  # only the hole fails


def _have_eglot() -> bool:
    if shutil.which("emacs") is None:
        return False
    r = subprocess.run(["emacs", "--batch", "-q", "--eval", "(progn (package-initialize) (require 'eglot))"],
                       capture_output=True, timeout=60)
    return r.returncode == 0


EDITORS = {
    "neovim": (shutil.which("nvim") is not None, "Neovim (nvim) is not installed"),
    "emacs": (_have_eglot(), "Emacs with eglot is not installed (emacs-nox, elpa-eglot)"),
}


def editor_param(name: str):
    have, why = EDITORS[name]
    return pytest.param(name, marks=pytest.mark.skipif(not have, reason=why), id=name)


BOTH = [editor_param("neovim"), editor_param("emacs")]
needs_coq = pytest.mark.skipif(not HAVE_COQ, reason="Coq (coqc, coqidetop.opt) is not installed")


def editor_command(editor: str) -> list[str]:
    if editor == "neovim":
        return ["nvim", "--headless", "--clean", "-n", "-i", "NONE", "-c", f"luafile {HERE / 'nvim_client.lua'}"]
    return ["emacs", "--batch", "-q", "-l", str(HERE / "eglot_client.el")]


def run_editor(editor: str, tmp_path: Path, scenario: str, text: str, timeout: float = 400,
               watch=None, **extra) -> tuple[dict, str, str]:
    """Run the editor on ``Mend.v`` holding ``text``; (what it recorded, the file afterwards, its output)."""
    f = tmp_path / "Mend.v"
    f.write_text(text, encoding="utf-8")
    out = tmp_path / "out.json"
    cfg = {"file": str(f), "root": str(tmp_path), "out": str(out), "scenario": scenario,
           "server": [sys.executable, "-m", "proofmend.editor.server"],
           "init_options": {"model": "search", "timeout": 60, "detach": editor == "emacs"},
           "hole_line": HOLE_LINE, **extra}
    cfg_file = tmp_path / "editor-test.json"
    cfg_file.write_text(json.dumps(cfg))
    env = dict(os.environ, PROOFMEND_EDITOR_TEST=str(cfg_file), HOME=str(tmp_path), PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(editor_command(editor), cwd=tmp_path, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    watcher = None
    if watch is not None:
        watcher = threading.Thread(target=watch, args=(proc,), daemon=True)
        watcher.start()
    try:
        output, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        output, _ = proc.communicate()
        raise AssertionError(f"{editor} did not finish: {output.decode(errors='replace')[-3000:]}") from None
    finally:
        if watcher is not None:
            watcher.join(timeout=10)
    log = output.decode(errors="replace")
    assert out.exists(), f"{editor} wrote nothing (exit {proc.returncode}): {log[-3000:]}"
    recorded = json.loads(out.read_text())
    return recorded, f.read_text(encoding="utf-8"), log


def assert_mended_and_compiles(tmp_path: Path, before: str, after: str) -> None:
    assert after.count("Admitted.") == before.count("Admitted.") - 1, after
    assert "Lemma add_0_r'" in after and after.split("Lemma swap_add")[1] == before.split("Lemma swap_add")[1]
    r = coqc_accepts(tmp_path, after)
    assert r.returncode == 0, r.stdout + r.stderr


@needs_coq
@pytest.mark.parametrize("editor", BOTH)
def test_mend_proof_from_the_code_action_menu(tmp_path, editor):
    got, after, log = run_editor(editor, tmp_path, "mend", FINE)
    assert got["error"] is None, (got, log[-3000:])
    assert got["titles"] == ["Mend proof: add_0_r'"], got
    assert got["client_alive"] is True
    assert_mended_and_compiles(tmp_path, FINE, after)


@needs_coq
@pytest.mark.parametrize("editor", BOTH)
def test_a_line_typed_above_during_the_mend_is_kept_and_the_edit_lands_on_the_proof(tmp_path, editor):
    got, after, log = run_editor(editor, tmp_path, "edit_above", FINE)
    assert got["error"] is None and "edited" in got["steps"], (got, log[-3000:])
    assert after.startswith("(* typed while mending *)\n"), after
    assert_mended_and_compiles(tmp_path, FINE, after.split("\n", 1)[1])


@needs_coq
@pytest.mark.parametrize("editor", BOTH)
def test_the_proof_edited_during_the_mend_drops_the_result_with_a_message(tmp_path, editor):
    renamed = "Lemma add_0_r_renamed : forall n : nat, n + 0 = n."
    got, after, log = run_editor(editor, tmp_path, "edit_proof", FINE, renamed_line=renamed)
    assert got["error"] is None, (got, log[-3000:])
    assert any("changed while it was being mended" in m for m in got["messages"]), got
    assert after == FINE.replace(HOLE_LINE, renamed)  # the user's edit stays, nothing else applied


@needs_coq
@pytest.mark.parametrize("editor", BOTH)
def test_a_file_that_cannot_be_read_keeps_the_server_up(tmp_path, editor):
    broken = FINE + "\n(* a comment left open\nLemma later : True.\nProof. exact I. Qed.\n"
    got, after, log = run_editor(editor, tmp_path, "unreadable", broken, fixed_text=FINE)
    assert got["error"] is None, (got, log[-3000:])
    assert got["actions_when_unreadable"] == 0
    assert got["client_alive"] is True
    assert_mended_and_compiles(tmp_path, FINE, after)


class ProverWatch:
    """Watches the editor's process tree: says when a mend's coqidetop runs, checks they end on cancel."""

    def __init__(self, tmp_path: Path):
        self.seen_file = tmp_path / "provers-seen"
        self.cancelled_file = tmp_path / "cancelled"
        self.groups: set[int] = set()
        self.idetops: set[int] = set()
        self.left_after_cancel: list[int] | None = None
        self.ended_s: float | None = None

    def __call__(self, proc: subprocess.Popen) -> None:
        while proc.poll() is None and not self.cancelled_file.exists():
            procs = descendants(proc.pid)
            found = {pid: s for pid, s in procs.items() if s[0].startswith("coqidetop") and s[1] != "Z"}
            if found and not self.seen_file.exists():
                self.groups |= {s[3] for s in found.values()}
                self.idetops |= set(found)
                self.seen_file.write_text("seen")
            time.sleep(0.05)
        t0 = time.monotonic()
        while time.monotonic() - t0 < 5:
            left = [p for p in self.idetops if alive(p)] + [p for g in self.groups for p in group_members(g)]
            if not left:
                self.ended_s = time.monotonic() - t0
                return
            time.sleep(0.05)
        self.left_after_cancel = left


@needs_coq
@pytest.mark.parametrize("editor", BOTH)
def test_cancel_from_the_editor_ends_the_provers_and_the_server_goes_on(tmp_path, editor):
    watch = ProverWatch(tmp_path)
    got, after, log = run_editor(editor, tmp_path, "cancel", STUCK, watch=watch, stuck_line=STUCK_LINE,
                                 provers_seen=str(watch.seen_file), cancelled=str(watch.cancelled_file),
                                 linger_ms=500)
    assert got["error"] is None, (got, log[-3000:])
    assert watch.idetops and watch.left_after_cancel is None, (watch.idetops, watch.left_after_cancel)
    assert watch.ended_s is not None and watch.ended_s < 4.0
    assert got["action_count_during"] == 1 and got["action_ms_during"] < 2000, got
    assert "cancel_reply" not in got, got  # no answer but the (swallowed) RequestCancelled
    assert any("mending stuck was cancelled" in m for m in got["messages"]), got
    head, tail = after.split(STUCK_LINE)
    assert "Admitted." not in head and "Lemma add_0_r'" in head, after  # mended after the cancel
    assert tail == "\nProof.\nAdmitted.\n", after  # the cancelled one is untouched
