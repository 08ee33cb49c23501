"""Editor hooks: the Python API and the language server, with the real Coq and the offline search."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from proofmend.editor.api import MendResult, check, holes, mend_proof_at, offset_of, position_of
from proofmend.provers.coq.locator import parse_document

from .conftest import ROOT, needs_coq

SOURCE = """Require Import Arith Lia.

(* café: a non-ASCII comment before the holes *)
Lemma add_0_r' : forall n : nat, n + 0 = n.
Proof.
Admitted.

Lemma swap_add : forall a b : nat, a + b = b + a.
Proof.
  intros a b. reflexivity.
Qed.

Lemma fine : 1 + 1 = 2.
Proof. reflexivity. Qed.
"""


def coqc_accepts(tmp_path: Path, text: str, name: str = "Mended.v") -> subprocess.CompletedProcess:
    out = tmp_path / "compiled"
    out.mkdir(exist_ok=True)
    (out / name).write_text(text, encoding="utf-8")
    return subprocess.run(["coqc", name], cwd=out, capture_output=True, text=True, timeout=120)


def body_span(text: str, theorem: str) -> tuple[int, int]:
    p = parse_document(text).proof_named(theorem)
    assert p is not None
    return p.body_start, p.body_end


# ------------------------------------------------------------------ positions and holes (no Coq needed)

def test_positions_round_trip():
    text = "ab\ncdé\n\nf"
    for off in range(len(text) + 1):
        assert offset_of(text, *position_of(text, off)) == off
    assert offset_of(text, 1, 99) == text.index("\n", 3)  # clamped to the line
    assert offset_of(text, 9, 0) == len(text)


def test_holes_from_text_and_path(write):
    text = SOURCE + "\nLemma part : True /\\ True.\nProof. split. - exact I. - admit. Qed.\n"
    assert holes(text) == [("add_0_r'", 4, "admitted"), ("part", 16, "admit")]
    f = write("h.v", SOURCE)
    assert holes(f) == holes(str(f)) == [("add_0_r'", 4, "admitted")]


# ------------------------------------------------------------------ the API with the real Coq

@needs_coq
def test_mend_hole_replaces_exactly_the_body(tmp_path, write):
    f = write("Holes.v", SOURCE)
    res = mend_proof_at(f, 3, 8)  # on the statement of add_0_r'
    assert isinstance(res, MendResult)
    assert res.theorem == "add_0_r'" and res.status == "fixed", res
    a, b = body_span(SOURCE, "add_0_r'")
    assert (offset_of(SOURCE, *res.replace_start), offset_of(SOURCE, *res.replace_end)) == (a, b)
    mended = res.apply(SOURCE)
    assert mended == SOURCE[:a] + res.new_text_for_range + SOURCE[b:]
    assert "Admitted" not in mended.split("swap_add")[0]
    assert mended.split("Lemma swap_add")[1] == SOURCE.split("Lemma swap_add")[1]  # nothing else changed
    assert f.read_text(encoding="utf-8") == SOURCE  # the user's file is never written


@needs_coq
def test_mend_broken_proof_from_unsaved_buffer(tmp_path, write):
    f = write("Buffer.v", "(* saved text differs from the buffer *)\n")
    line = SOURCE.splitlines().index("  intros a b. reflexivity.")
    res = mend_proof_at(f, line, 4, text=SOURCE)
    assert res is not None and res.theorem == "swap_add" and res.status == "fixed", res
    assert (offset_of(SOURCE, *res.replace_start), offset_of(SOURCE, *res.replace_end)) == body_span(SOURCE, "swap_add")
    mended = res.apply(SOURCE)
    # mend the hole too, and the whole file compiles
    res2 = mend_proof_at(f, 3, 0, text=mended)
    assert res2 is not None and res2.status == "fixed"
    final = res2.apply(mended)
    r = coqc_accepts(tmp_path, final)
    assert r.returncode == 0, r.stdout + r.stderr
    assert f.read_text(encoding="utf-8") == "(* saved text differs from the buffer *)\n"
    assert not list(f.parent.glob("*.vo"))


@needs_coq
def test_unsaved_buffer_in_a_project_is_mended_in_a_private_copy(tmp_path):
    proj = tmp_path / "proj"
    (proj / "theories").mkdir(parents=True)
    (proj / "_CoqProject").write_text("-R theories P\ntheories/A.v\ntheories/B.v\n")
    (proj / "theories" / "A.v").write_text("Definition double (n : nat) := n + n.\n")
    saved = "From P Require Import A.\n"
    b = proj / "theories" / "B.v"
    b.write_text(saved)
    buffer = saved + "\nLemma double_2 : double 2 = 4.\nProof.\nAdmitted.\n"
    before = sorted(p.relative_to(proj) for p in proj.rglob("*"))
    res = mend_proof_at(b, 2, 7, text=buffer)
    assert res is not None and res.theorem == "double_2" and res.status == "fixed", res
    assert res.apply(buffer).endswith(res.new_text_for_range + "\n")
    assert sorted(p.relative_to(proj) for p in proj.rglob("*")) == before  # no build products, no copies
    assert b.read_text() == saved


@needs_coq
def test_nothing_to_mend_and_no_proof_here(write):
    f = write("Fine.v", SOURCE)
    res = mend_proof_at(f, SOURCE.splitlines().index("Lemma fine : 1 + 1 = 2."), 3)
    assert res is not None and res.status == "skipped" and res.new_text_for_range is None
    assert res.apply(SOURCE) == SOURCE
    assert mend_proof_at(f, 0, 0) is None  # the Require line holds no proof


@needs_coq
def test_check_passthrough(write):
    f = write("Check.v", SOURCE)
    result = check(f)
    assert not result.compiled and result.errors[0].line == 10
    assert [h.theorem for h in result.holes] == ["add_0_r'"]


# ------------------------------------------------------------------ the language server over stdio

class LspClient:
    """A tiny JSON-RPC client speaking Content-Length framed messages to a server subprocess."""

    def __init__(self, cmd: list[str], cwd: Path):
        self.proc = subprocess.Popen(cmd, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        self.inbox: queue.Queue = queue.Queue()
        self.notifications: list[dict] = []
        self.next_id = 0
        self.stderr: list[bytes] = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=lambda: self.stderr.extend(self.proc.stderr), daemon=True).start()

    def _read(self) -> None:
        out = self.proc.stdout
        while True:
            headers = {}
            while True:
                line = out.readline()
                if not line:
                    self.inbox.put(None)
                    return
                line = line.strip()
                if not line:
                    break
                k, _, v = line.decode().partition(":")
                headers[k.strip().lower()] = v.strip()
            self.inbox.put(json.loads(out.read(int(headers["content-length"]))))

    def send(self, message: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def notify(self, method: str, params: dict) -> None:
        self.send({"method": method, "params": params})

    def request(self, method: str, params: dict, timeout: float = 60, on_request=None) -> dict:
        """Send a request; answer the server's own requests meanwhile; return the response."""
        self.next_id += 1
        rid = self.next_id
        self.send({"id": rid, "method": method, "params": params})
        deadline = time.monotonic() + timeout
        while True:
            msg = self.inbox.get(timeout=max(0.1, deadline - time.monotonic()))
            if msg is None:
                raise AssertionError("server exited: " + b"".join(self.stderr).decode(errors="replace"))
            if msg.get("id") == rid and "method" not in msg:
                return msg
            if "method" in msg and "id" in msg:  # a request from the server
                result = on_request(msg) if on_request else None
                self.send({"id": msg["id"], "result": result})
            elif "method" in msg:
                self.notifications.append(msg)
            if time.monotonic() > deadline:
                raise AssertionError(f"no answer to {method} within {timeout} s")

    def wait_notification(self, method: str, predicate=lambda m: True, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            for m in self.notifications:
                if m["method"] == method and predicate(m):
                    self.notifications.remove(m)
                    return m
            try:
                msg = self.inbox.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                msg = None
            if msg is not None and "method" in msg:
                if "id" in msg:
                    self.send({"id": msg["id"], "result": None})
                else:
                    self.notifications.append(msg)
            if time.monotonic() > deadline:
                raise AssertionError(f"no {method} within {timeout} s; got {[m['method'] for m in self.notifications]}")

    def close(self) -> None:
        try:
            if self.proc.poll() is None:
                self.request("shutdown", {}, timeout=10)
                self.notify("exit", {})
                self.proc.wait(timeout=10)
        except Exception:
            pass
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(timeout=10)


def apply_text_edits(text: str, edits: list[dict]) -> str:
    """Apply LSP TextEdits (UTF-16 positions) to ``text``."""
    def offset(pos: dict) -> int:
        line_start = offset_of(text, pos["line"], 0)
        units, i = 0, line_start
        while units < pos["character"] and i < len(text) and text[i] != "\n":
            units += 2 if ord(text[i]) > 0xFFFF else 1
            i += 1
        return i

    for e in sorted(edits, key=lambda e: (e["range"]["start"]["line"], e["range"]["start"]["character"]), reverse=True):
        a, b = offset(e["range"]["start"]), offset(e["range"]["end"])
        text = text[:a] + e["newText"] + text[b:]
    return text


@pytest.fixture
def lsp_client(tmp_path):
    client = LspClient([sys.executable, "-m", "proofmend.editor.server"], cwd=ROOT)
    yield client
    client.close()


@needs_coq
def test_language_server_mends_a_hole_end_to_end(tmp_path, lsp_client):
    f = tmp_path / "Lsp.v"
    f.write_text(SOURCE, encoding="utf-8")
    uri = f.as_uri()
    client = lsp_client
    init = client.request("initialize", {
        "processId": None, "rootUri": tmp_path.as_uri(),
        "capabilities": {"workspace": {"applyEdit": True, "workspaceEdit": {"documentChanges": True}},
                         "window": {"workDoneProgress": True}},
        "initializationOptions": {"model": "search", "timeout": 60},
    })
    caps = init["result"]["capabilities"]
    assert caps["codeActionProvider"] and "proofmend.mendProof" in caps["executeCommandProvider"]["commands"]
    client.notify("initialized", {})
    client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "coq", "version": 1, "text": SOURCE}})
    diags = client.wait_notification("textDocument/publishDiagnostics", timeout=30)["params"]["diagnostics"]
    assert [d["message"] for d in diags] == ["Admitted: add_0_r'"] and diags[0]["severity"] == 3

    # a code action on the hole's Admitted line
    admitted_line = SOURCE.splitlines().index("Admitted.")
    reply = client.request("textDocument/codeAction", {
        "textDocument": {"uri": uri},
        "range": {"start": {"line": admitted_line, "character": 2}, "end": {"line": admitted_line, "character": 2}},
        "context": {"diagnostics": []},
    })
    actions = reply["result"]
    assert len(actions) == 1 and actions[0]["title"].startswith("Mend proof") and "add_0_r'" in actions[0]["title"]
    assert actions[0]["kind"] == "quickfix"
    command = actions[0]["command"]

    edits_seen: list[dict] = []

    def answer(msg: dict):
        if msg["method"] == "workspace/applyEdit":
            edits_seen.append(msg["params"]["edit"])
            return {"applied": True}
        return None

    done = client.request("workspace/executeCommand", {"command": command["command"], "arguments": command["arguments"]},
                          timeout=180, on_request=answer)
    assert done["result"]["status"] == "fixed" and done["result"]["applied"] is True, done
    assert len(edits_seen) == 1
    change = edits_seen[0]["documentChanges"][0]
    assert change["textDocument"] == {"uri": uri, "version": 1}
    mended = apply_text_edits(SOURCE, change["edits"])
    a, b = body_span(SOURCE, "add_0_r'")
    assert mended[:a] == SOURCE[:a] and mended.endswith(SOURCE[b:])
    # the mended hole compiles (the still-broken swap_add is cut off for this check)
    r = coqc_accepts(tmp_path, mended.split("Lemma swap_add")[0])
    assert r.returncode == 0, r.stdout + r.stderr
    progress = [m["params"]["value"]["kind"] for m in client.notifications if m["method"] == "$/progress"]
    assert progress == ["begin", "end"]

    # saving publishes coqc's error and the hole again
    client.notify("textDocument/didSave", {"textDocument": {"uri": uri}})
    diags = client.wait_notification("textDocument/publishDiagnostics",
                                     lambda m: any(d.get("source") == "coqc" for d in m["params"]["diagnostics"]),
                                     timeout=120)["params"]["diagnostics"]
    errors = [d for d in diags if d["severity"] == 1]
    assert errors and errors[0]["range"]["start"]["line"] == SOURCE.splitlines().index("  intros a b. reflexivity.")
    assert any(d["message"] == "Admitted: add_0_r'" for d in diags)
    assert f.read_text(encoding="utf-8") == SOURCE


def test_language_server_reports_an_unusable_model(tmp_path, lsp_client):
    client = lsp_client
    client.request("initialize", {"processId": None, "rootUri": tmp_path.as_uri(), "capabilities": {},
                                  "initializationOptions": {"model": f"replay:{tmp_path / 'missing.jsonl'}"}})
    client.notify("initialized", {})
    shown = client.wait_notification("window/showMessage", timeout=30)["params"]
    assert shown["type"] == 1 and "missing.jsonl" in shown["message"]
    uri = (tmp_path / "X.v").as_uri()
    client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "coq", "version": 1, "text": SOURCE}})
    done = client.request("workspace/executeCommand", {"command": "proofmend.mendProof", "arguments": [uri, 3, 0]})
    assert done["result"] is None
    assert client.proc.poll() is None  # still serving


@needs_coq
def test_language_server_no_action_outside_proofs_and_changed_buffer(tmp_path, lsp_client):
    f = tmp_path / "Edit.v"
    f.write_text(SOURCE, encoding="utf-8")
    uri = f.as_uri()
    client = lsp_client
    client.request("initialize", {"processId": None, "rootUri": tmp_path.as_uri(),
                                  "capabilities": {"workspace": {"applyEdit": True}}})
    client.notify("initialized", {})
    client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "coq", "version": 1, "text": SOURCE}})
    none = client.request("textDocument/codeAction", {
        "textDocument": {"uri": uri}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
        "context": {"diagnostics": []}})
    assert none["result"] == []
    # an unsaved edit inside the broken proof: the buffer, not the file, is mended
    edited = SOURCE.replace("  intros a b. reflexivity.", "  intros a b. simpl. reflexivity.")
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2},
                                             "contentChanges": [{"text": edited}]})
    line = edited.splitlines().index("  intros a b. simpl. reflexivity.")
    actions = client.request("textDocument/codeAction", {
        "textDocument": {"uri": uri}, "range": {"start": {"line": line, "character": 5}, "end": {"line": line, "character": 5}},
        "context": {"diagnostics": []}})["result"]
    assert [a["title"] for a in actions] == ["Mend proof: swap_add"]
    edits_seen: list[dict] = []

    def answer(msg):
        if msg["method"] == "workspace/applyEdit":
            edits_seen.append(msg["params"]["edit"])
            return {"applied": True}
        return None

    cmd = actions[0]["command"]
    done = client.request("workspace/executeCommand", {"command": cmd["command"], "arguments": cmd["arguments"]},
                          timeout=180, on_request=answer)
    assert done["result"]["status"] == "fixed", done
    mended = apply_text_edits(edited, edits_seen[0]["changes"][uri])
    a, b = body_span(edited, "swap_add")
    assert mended[:a] == edited[:a] and mended.endswith(edited[b:])
    r = coqc_accepts(tmp_path, mended)  # add_0_r' is still Admitted (coqc allows that); swap_add now checks
    assert r.returncode == 0, r.stdout + r.stderr
