"""The language server while a mend runs: cancelling it ends its provers, the server answers meanwhile,
an edit made during the mend is re-anchored or dropped, and a text that cannot be read is reported."""

from __future__ import annotations

import os
import queue
import time
from pathlib import Path

import pytest

from .conftest import needs_coq
from .test_editor import SOURCE, LspClient, apply_text_edits, body_span, coqc_accepts, lsp_client  # noqa: F401

# The search cannot prove a false lemma, so its mend runs until cancelled (or its 60 s budget).
STUCK = SOURCE + "\nLemma stuck : forall n : nat, n + 1 = n.\nProof.\nAdmitted.\n"


# ------------------------------------------------------------------ processes, from /proc

def _stat(pid: int) -> tuple[str, str, int, int] | None:
    """(command name, state, parent pid, process group) of a live process, None when gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name = raw[raw.index("(") + 1:raw.rindex(")")]
    fields = raw[raw.rindex(")") + 2:].split()
    return name, fields[0], int(fields[1]), int(fields[2])


def _all_pids() -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def descendants(root: int) -> dict[int, tuple[str, str, int, int]]:
    stats = {pid: s for pid in _all_pids() if (s := _stat(pid)) is not None}
    out, frontier = {}, {root}
    while frontier:
        frontier = {pid for pid, s in stats.items() if s[2] in frontier and pid not in out}
        out.update({pid: stats[pid] for pid in frontier})
    return out


def alive(pid: int) -> bool:
    s = _stat(pid)
    return s is not None and s[1] != "Z"


def wait_for_provers(client, answer, timeout: float = 60) -> tuple[int, list[int]]:
    """The process group of the running mend and the coqidetop processes in it, once there are some."""
    found: list[tuple[int, list[int]]] = []

    def seen() -> bool:
        procs = descendants(client.proc.pid)
        idetops = [pid for pid, s in procs.items() if s[0].startswith("coqidetop") and s[1] != "Z"]
        if idetops:
            found.append((procs[idetops[0]][3], idetops))
        return bool(found)

    pump(client, answer, seen, timeout)
    return found[0]


def group_members(pgid: int) -> list[int]:
    return [pid for pid in _all_pids() if (s := _stat(pid)) is not None and s[3] == pgid and s[1] != "Z"]


# ------------------------------------------------------------------ a client that does not block on its request

class Answering:
    """Answers the server's requests as an editor would (progress tokens, applyEdit) and records them."""

    def __init__(self, apply: bool = True):
        self.apply = apply
        self.edits: list[dict] = []
        self.tokens: list[str] = []

    def __call__(self, msg: dict):
        if msg["method"] == "workspace/applyEdit":
            self.edits.append(msg["params"]["edit"])
            return {"applied": self.apply}
        if msg["method"] == "window/workDoneProgress/create":
            self.tokens.append(msg["params"]["token"])
        return None


def pump(client: LspClient, answer: Answering, until, timeout: float) -> None:
    """Serve the server's messages until ``until()`` holds."""
    deadline = time.monotonic() + timeout
    while not until():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out; notifications: {[m['method'] for m in client.notifications]}")
        try:
            msg = client.inbox.get(timeout=0.1)
        except queue.Empty:
            continue
        if msg is None:
            raise AssertionError("server exited: " + b"".join(client.stderr).decode(errors="replace"))
        if "method" in msg and "id" in msg:
            client.send({"id": msg["id"], "result": answer(msg)})
        elif "method" in msg:
            client.notifications.append(msg)
        else:
            client.responses[msg["id"]] = msg


def start_mend(client: LspClient, uri: str, line: int, rid: int) -> None:
    client.send({"id": rid, "method": "workspace/executeCommand",
                 "params": {"command": "proofmend.mendProof", "arguments": [uri, line, 0]}})


def open_session(client: LspClient, tmp_path: Path, text: str, progress: bool = True,
                 document_changes: bool = False) -> str:
    client.responses = {}
    f = tmp_path / "Cancel.v"
    f.write_text(text, encoding="utf-8")
    caps = {"workspace": {"applyEdit": True, "workspaceEdit": {"documentChanges": document_changes}},
            "window": {"workDoneProgress": progress}}
    client.request("initialize", {"processId": None, "rootUri": tmp_path.as_uri(), "capabilities": caps,
                                  "initializationOptions": {"model": "search", "timeout": 60}})
    client.notify("initialized", {})
    client.notify("textDocument/didOpen", {"textDocument": {"uri": f.as_uri(), "languageId": "coq",
                                                            "version": 1, "text": text}})
    return f.as_uri()


def messages(client: LspClient) -> list[str]:
    return [m["params"]["message"] for m in client.notifications if m["method"] == "window/showMessage"]


def code_actions(client: LspClient, uri: str, line: int, answer: Answering, timeout: float = 10) -> tuple[list, float]:
    client.next_id += 1
    rid = 1000 + client.next_id
    t0 = time.monotonic()
    client.send({"id": rid, "method": "textDocument/codeAction", "params": {
        "textDocument": {"uri": uri}, "range": {"start": {"line": line, "character": 0},
                                                "end": {"line": line, "character": 0}},
        "context": {"diagnostics": []}}})
    pump(client, answer, lambda: rid in client.responses, timeout)
    return client.responses[rid]["result"], time.monotonic() - t0


# ------------------------------------------------------------------ cancellation

@needs_coq
@pytest.mark.parametrize("how", ["cancelRequest", "progressCancel", "command"])
def test_cancel_ends_the_provers_of_that_mend_and_the_server_goes_on(tmp_path, lsp_client, how):
    client = lsp_client
    uri = open_session(client, tmp_path, STUCK)
    answer = Answering()
    stuck_line = STUCK.splitlines().index("Lemma stuck : forall n : nat, n + 1 = n.")
    start_mend(client, uri, stuck_line, rid=500)
    pgid, idetops = wait_for_provers(client, answer)
    assert pgid != os.getpgid(client.proc.pid)  # the mend has a process group of its own
    # the server answers while the mend runs
    actions, seconds = code_actions(client, uri, stuck_line, answer)
    assert [a["title"] for a in actions] == ["Mend proof: stuck"] and seconds < 2.0, seconds
    assert 500 not in client.responses

    t0 = time.monotonic()
    if how == "cancelRequest":
        client.notify("$/cancelRequest", {"id": 500})
    elif how == "progressCancel":
        assert len(answer.tokens) == 1
        client.notify("window/workDoneProgress/cancel", {"token": answer.tokens[0]})
    else:
        client.send({"id": 501, "method": "workspace/executeCommand",
                     "params": {"command": "proofmend.cancelMends", "arguments": [uri]}})
    pump(client, answer, lambda: 500 in client.responses, timeout=10)
    response = client.responses[500]
    if how == "cancelRequest":
        assert response["error"]["code"] == -32800, response  # RequestCancelled
    else:
        assert response["result"]["status"] == "cancelled", response
    if how == "command":
        pump(client, answer, lambda: 501 in client.responses, timeout=10)
        assert client.responses[501]["result"] == {"cancelled": 1}
    deadline = time.monotonic() + 5
    while (group_members(pgid) or any(alive(p) for p in idetops)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not group_members(pgid) and not any(alive(p) for p in idetops), descendants(client.proc.pid)
    ended_s = time.monotonic() - t0
    assert ended_s < 4.0, ended_s
    pump(client, answer, lambda: any("cancelled" in m for m in messages(client)), timeout=10)
    assert not answer.edits

    # and it still mends: the hole of the same buffer
    start_mend(client, uri, STUCK.splitlines().index("Lemma add_0_r' : forall n : nat, n + 0 = n."), rid=502)
    pump(client, answer, lambda: 502 in client.responses, timeout=180)
    assert client.responses[502]["result"]["status"] == "fixed" and len(answer.edits) == 1


# ------------------------------------------------------------------ the buffer changes during a mend

@needs_coq
def test_edit_above_the_proof_during_a_mend_is_re_anchored(tmp_path, lsp_client):
    client = lsp_client
    uri = open_session(client, tmp_path, SOURCE, progress=False, document_changes=True)
    answer = Answering()
    start_mend(client, uri, SOURCE.splitlines().index("Admitted."), rid=600)
    # while it runs, two lines are typed at the top of the buffer
    edited = "(* typed while mending *)\nRequire Import Bool.\n" + SOURCE
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [
        {"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
         "text": "(* typed while mending *)\nRequire Import Bool.\n"}]})
    pump(client, answer, lambda: 600 in client.responses, timeout=180)
    result = client.responses[600]["result"]
    assert result["status"] == "fixed" and result["applied"] is True, result
    (change,) = answer.edits[0]["documentChanges"]
    assert change["textDocument"]["version"] == 2
    mended = apply_text_edits(edited, change["edits"])
    a, b = body_span(edited, "add_0_r'")
    assert mended[:a] == edited[:a] and mended.endswith(edited[b:]) and "Admitted" not in mended
    r = coqc_accepts(tmp_path, mended.split("Lemma swap_add")[0])
    assert r.returncode == 0, r.stdout + r.stderr


@needs_coq
def test_edit_of_the_proof_during_a_mend_drops_the_result_with_a_message(tmp_path, lsp_client):
    client = lsp_client
    uri = open_session(client, tmp_path, SOURCE, progress=False)
    answer = Answering()
    start_mend(client, uri, SOURCE.splitlines().index("Admitted."), rid=700)
    line = SOURCE.splitlines().index("Lemma add_0_r' : forall n : nat, n + 0 = n.")
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [
        {"range": {"start": {"line": line, "character": 6}, "end": {"line": line, "character": 13}},
         "text": "renamed"}]})
    pump(client, answer, lambda: 700 in client.responses, timeout=180)
    result = client.responses[700]["result"]
    assert result["status"] == "dropped" and result["applied"] is False, result
    assert not answer.edits
    assert any("changed while it was being mended" in m for m in messages(client))


# ------------------------------------------------------------------ a text that cannot be read

def test_unreadable_text_is_reported_and_the_server_stays_up(tmp_path, lsp_client):
    client = lsp_client
    broken = SOURCE + "\n(* an unterminated comment\nLemma more : True.\nProof. exact I. Qed.\n"
    uri = open_session(client, tmp_path, broken, progress=False)
    answer = Answering()
    diags = client.wait_notification("textDocument/publishDiagnostics", timeout=30)["params"]["diagnostics"]
    assert len(diags) == 1 and diags[0]["severity"] == 2 and "unterminated comment" in diags[0]["message"]
    assert diags[0]["range"]["start"]["line"] == broken.splitlines().index("(* an unterminated comment")
    actions, _ = code_actions(client, uri, 3, answer)
    assert actions == []
    start_mend(client, uri, 3, rid=800)
    pump(client, answer, lambda: 800 in client.responses, timeout=30)
    assert client.responses[800]["result"] is None
    assert any("cannot read this file (unterminated comment" in m for m in messages(client))
    # the comment is closed: holes are read again and the action is back
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2},
                                             "contentChanges": [{"text": SOURCE}]})
    diags = client.wait_notification("textDocument/publishDiagnostics", timeout=30)["params"]["diagnostics"]
    assert [d["message"] for d in diags] == ["Admitted: add_0_r'"]
    actions, _ = code_actions(client, uri, 3, answer)
    assert [a["title"] for a in actions] == ["Mend proof: add_0_r'"]
    assert client.proc.poll() is None


@needs_coq
def test_a_mend_whose_server_dies_ends_by_itself(tmp_path, lsp_client):
    client = lsp_client
    uri = open_session(client, tmp_path, STUCK)
    answer = Answering()
    start_mend(client, uri, STUCK.splitlines().index("Lemma stuck : forall n : nat, n + 1 = n."), rid=900)
    pgid, idetops = wait_for_provers(client, answer)
    # the mend's own process leads its group; its temporary folder is its TMPDIR
    env = dict(item.split("=", 1) for item in Path(f"/proc/{pgid}/environ").read_text().split("\0") if "=" in item)
    job_tmp = Path(env["TMPDIR"])
    assert job_tmp.name.startswith("proofmend-mend-") and job_tmp.is_dir()
    client.proc.kill()  # no shutdown, no exit: the server is simply gone
    client.proc.wait(timeout=10)
    deadline = time.monotonic() + 5
    while (group_members(pgid) or any(alive(p) for p in idetops)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not group_members(pgid) and not any(alive(p) for p in idetops)
    assert not job_tmp.exists()


# ------------------------------------------------------------------ settings

def test_settings_from_options_and_bad_values():
    from proofmend.editor.server import settings_from_options

    s = settings_from_options({"model": "replay:x.jsonl", "timeout": 5, "attempts": 2.0, "apiBase": "http://h/v1",
                               "detach": True})
    assert (s.config.model, s.config.timeout_s, s.config.attempts, s.config.api_base, s.detach) == (
        "replay:x.jsonl", 5.0, 2, "http://h/v1", True)
    for bad, words in [({"timeout": "soon"}, "timeout must be a number"), ({"timeout": 0}, "timeout must be above 0"),
                       ({"attempts": 0}, "attempts must be at least 1")]:
        with pytest.raises(ValueError, match=words):
            settings_from_options(bad)


def test_a_bad_setting_is_reported_and_the_defaults_serve(tmp_path, lsp_client):
    client = lsp_client
    client.request("initialize", {"processId": None, "rootUri": tmp_path.as_uri(), "capabilities": {},
                                  "initializationOptions": {"model": "search", "timeout": "soon"}})
    client.notify("initialized", {})
    shown = client.wait_notification("window/showMessage", timeout=30)["params"]
    assert shown["type"] == 1 and "timeout must be a number" in shown["message"] and "defaults" in shown["message"]
    uri = (tmp_path / "S.v").as_uri()
    client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "coq", "version": 1,
                                                            "text": SOURCE}})
    actions = client.request("textDocument/codeAction", {
        "textDocument": {"uri": uri}, "range": {"start": {"line": 3, "character": 0}, "end": {"line": 3, "character": 0}},
        "context": {"diagnostics": []}})["result"]
    assert [a["title"] for a in actions] == ["Mend proof: add_0_r'"]
