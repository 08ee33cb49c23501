"""``proofmend serve``: a language server (LSP over stdio) whose code action mends the proof under the cursor.

- ``textDocument/codeAction`` offers "Mend proof: NAME" for the proof that holds
  the cursor (its statement or its body).  The action carries the command
  ``proofmend.mendProof``; running it mends that proof in a process group of
  its own (with cancellable work-done progress where the client shows it) and
  sends the new body with ``workspace/applyEdit``.
- A mend ends early, with every prover it started, on ``$/cancelRequest`` of
  its ``workspace/executeCommand``, on ``window/workDoneProgress/cancel`` of
  its progress, or on the command ``proofmend.cancelMends``.  The server's
  loop never waits on a mend, so it answers meanwhile.
- ``didOpen``/``didChange`` keep the buffer; holes (``Admitted``/``admit``) are
  shown as Information diagnostics from the text alone, and a text that cannot
  be split into sentences gets one warning saying why; ``didSave`` also
  batch-checks the saved file with ``coqc`` (debounced, off the loop).
- Settings come from ``initializationOptions`` (see :func:`settings_from_options`).
  With ``"detach": true`` the command answers at once and the edit follows,
  for clients that block while they wait (Emacs' eglot).
"""

from __future__ import annotations

import asyncio
import atexit
import functools
import logging
import os
import urllib.parse
import signal
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.uris import to_fs_path

from .. import __version__
from ..agent.config import AgentConfig, load_config
from .api import MendResult, check, position_of, proof_at, theorem_label
from .lsp_text import (client_position, coq_diagnostics, edit_for_current_buffer, hole_diagnostics, overlaps,
                       parse_or_none, server_offset, why_unreadable)
from .mend_job import MendCancelled, MendJob

log = logging.getLogger(__name__)

MEND_COMMAND = "proofmend.mendProof"
CANCEL_COMMAND = "proofmend.cancelMends"
ACTION_KINDS = (lsp.CodeActionKind.QuickFix, lsp.CodeActionKind.RefactorRewrite)
CHECK_DELAY_S = 0.3  # a burst of saves is checked once
HOLES_DELAY_S = 0.5  # typing re-reads the holes once it pauses


@dataclass(frozen=True)
class ServerSettings:
    config: AgentConfig  # how each mend works
    detach: bool = False  # answer proofmend.mendProof at once; the edit follows with workspace/applyEdit


#: The model ``proofmend serve --model`` names, for clients that send none.
DEFAULT_MODEL: str | None = None


def settings_from_options(options: Any, root: str | None = None) -> ServerSettings:
    """The server's settings from the client's ``initializationOptions`` (every key optional).

    ``{"model": str, "timeout": seconds, "attempts": n, "apiBase": url, "detach": bool}``
    over the project's configuration file (found from ``root``) and
    ``PROOFMEND_MODEL``; without any model, the built-in tactic search.
    Raises ValueError, with one line naming the bad setting.
    """
    options = options if isinstance(options, dict) else {}
    fields: dict[str, Any] = {"model": options.get("model") or DEFAULT_MODEL}
    if options.get("timeout") is not None:
        fields["timeout_s"] = _number(options, "timeout", float, 0.0)
    if options.get("attempts") is not None:
        fields["attempts"] = _number(options, "attempts", int, 1)
    if options.get("apiBase"):
        fields["api_base"] = str(options["apiBase"])
    config = load_config(Path(root) if root else None, fields)
    return ServerSettings(config, detach=bool(options.get("detach")))


def _number(options: dict, key: str, kind: type, least: float) -> Any:
    value = options[key]
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise ValueError(f"initializationOptions.{key} must be a number, not {value!r}") from None
    if number < least or (least == 0 and number == 0):
        bound = "above 0" if least == 0 else f"at least {least}"
        raise ValueError(f"initializationOptions.{key} must be {bound}, not {value!r}")
    return number


@dataclass
class RunningMend:
    """A mend in flight and the handles a client may cancel it by."""

    job: MendJob
    uri: str
    label: str
    request_id: Any = None  # the id of its workspace/executeCommand request
    token: str | None = None  # its work-done progress token


class MendProtocol(LanguageServerProtocol):
    """pygls answers a cancelled request by itself; here the cancel also ends the mend that request started."""

    def _handle_cancel_notification(self, msg_id):
        super()._handle_cancel_notification(msg_id)
        self._server.cancel_mends(lambda m: m.request_id == msg_id)


class ProofmendServer(LanguageServer):
    """The server's state: settings, the running mends, pending checks and the last diagnostics."""

    def __init__(self) -> None:
        super().__init__("proofmend", __version__, protocol_cls=MendProtocol,
                         text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental)
        self.settings = settings_from_options(None)
        self.model_error: str | None = None
        self.settings_error: str | None = None
        self.workers = ThreadPoolExecutor(max_workers=2, thread_name_prefix="proofmend")
        self.pending: dict[tuple[str, str], asyncio.TimerHandle] = {}
        self.running: set[asyncio.Task] = set()  # scheduled jobs, held until they finish
        self.mends: list[RunningMend] = []
        self.compiled: dict[str, list[lsp.Diagnostic]] = {}  # uri -> coqc diagnostics of the last save

    @property
    def config(self) -> AgentConfig:
        return self.settings.config

    def load_model(self) -> None:
        """Preflight the model once (nothing for the built-in search); keep the error to report it."""
        if self.config.offline:
            return
        from ..agent.models import ModelConfigError, check_model

        try:
            check_model(self.config.make_model())
        except ModelConfigError as e:
            self.model_error = str(e)

    def cancel_mends(self, which) -> int:
        """Cancel the running mends ``which`` selects; how many."""
        chosen = [m for m in self.mends if which(m)]
        for m in chosen:
            m.job.cancel()
        return len(chosen)

    def kill_mends(self) -> None:
        for m in self.mends:
            m.job.kill()

    def say(self, message: str, kind: lsp.MessageType = lsp.MessageType.Info) -> None:
        self.window_show_message(lsp.ShowMessageParams(type=kind, message=f"proofmend: {message}"))

    def later(self, key: tuple[str, str], delay: float, job) -> None:
        """Run the coroutine function ``job`` after ``delay`` seconds unless ``key`` is scheduled again first."""
        old = self.pending.pop(key, None)
        if old is not None:
            old.cancel()
        loop = asyncio.get_running_loop()

        def start() -> None:
            self.pending.pop(key, None)
            task = loop.create_task(job())
            self.running.add(task)
            task.add_done_callback(self.running.discard)

        self.pending[key] = loop.call_later(delay, start)

    async def off_loop(self, fn, *args, **kwargs):
        return await asyncio.get_running_loop().run_in_executor(self.workers, functools.partial(fn, *args, **kwargs))


server = ProofmendServer()
atexit.register(server.kill_mends)


def publish(ls: ProofmendServer, uri: str, text: str, version: int | None) -> None:
    ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(
        uri=uri, version=version, diagnostics=ls.compiled.get(uri, []) + hole_diagnostics(text, ls)))


# ------------------------------------------------------------------ lifecycle and documents

@server.feature(lsp.INITIALIZE)
def initialize(ls: ProofmendServer, params: lsp.InitializeParams) -> None:
    try:
        root = params.root_uri and urllib.parse.unquote(urllib.parse.urlparse(params.root_uri).path)
        ls.settings = settings_from_options(params.initialization_options, root or params.root_path)
    except ValueError as e:  # keep the defaults; said once the client is ready
        ls.settings, ls.settings_error = settings_from_options(None), str(e)


@server.feature(lsp.INITIALIZED)
async def initialized(ls: ProofmendServer, params: lsp.InitializedParams) -> None:
    if ls.settings_error:
        ls.say(f"{ls.settings_error}; the defaults are used", lsp.MessageType.Error)
    await ls.off_loop(ls.load_model)
    if ls.model_error:
        ls.say(f"model {ls.config.model!r} cannot be used: {ls.model_error}", lsp.MessageType.Error)


@server.feature(lsp.SHUTDOWN)
def shutdown(ls: ProofmendServer, params: Any) -> None:
    ls.kill_mends()


@server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: ProofmendServer, params: lsp.DidOpenTextDocumentParams) -> None:
    doc = params.text_document
    publish(ls, doc.uri, doc.text, doc.version)


@server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
async def did_change(ls: ProofmendServer, params: lsp.DidChangeTextDocumentParams) -> None:
    uri = params.text_document.uri
    ls.compiled.pop(uri, None)  # its positions no longer match the buffer

    async def holes_again() -> None:
        doc = ls.workspace.get_text_document(uri)
        publish(ls, uri, doc.source, doc.version)

    ls.later(("holes", uri), HOLES_DELAY_S, holes_again)


@server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
async def did_save(ls: ProofmendServer, params: lsp.DidSaveTextDocumentParams) -> None:
    uri = params.text_document.uri

    async def check_saved() -> None:
        doc = ls.workspace.get_text_document(uri)
        text, version = doc.source, doc.version
        path = Path(to_fs_path(uri) or "")
        try:
            result = await ls.off_loop(check, path)
        except Exception as e:  # a missing coqc or an unreadable file: say so, keep serving
            ls.say(f"check of {path.name} failed: {e}", lsp.MessageType.Warning)
            return
        if ls.workspace.get_text_document(uri).source != text:
            return  # edited meanwhile: the next save checks again
        ls.compiled[uri] = coq_diagnostics(result, path, text, ls)
        publish(ls, uri, text, version)

    ls.later(("check", uri), CHECK_DELAY_S, check_saved)


@server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: ProofmendServer, params: lsp.DidCloseTextDocumentParams) -> None:
    ls.compiled.pop(params.text_document.uri, None)


@server.feature(lsp.WINDOW_WORK_DONE_PROGRESS_CANCEL)
def progress_cancelled(ls: ProofmendServer, params: lsp.WorkDoneProgressCancelParams) -> None:
    ls.cancel_mends(lambda m: m.token is not None and m.token == params.token)


# ------------------------------------------------------------------ the code action

@server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION,
                lsp.CodeActionOptions(code_action_kinds=list(ACTION_KINDS)))
def code_action(ls: ProofmendServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
    uri = params.text_document.uri
    text = ls.workspace.get_text_document(uri).source
    doc = parse_or_none(text)
    if doc is None:
        return []
    found = proof_at(doc, server_offset(text, params.range.start, ls))
    if found is None:
        return []
    _, p = found
    span = lsp.Range(start=client_position(text, p.statement.start, ls), end=client_position(text, p.body_end, ls))
    inside = [d for d in params.context.diagnostics if overlaps(d.range, span)]
    kind = lsp.CodeActionKind.QuickFix if p.is_hole or inside else lsp.CodeActionKind.RefactorRewrite
    if params.context.only and not any(kind == k or kind.startswith(f"{k}.") for k in params.context.only):
        return []
    title = f"Mend proof: {theorem_label(doc, p)}"
    where = client_position(text, p.statement.start, ls)
    return [lsp.CodeAction(title=title, kind=kind, diagnostics=inside or None, is_preferred=p.is_hole,
                           command=lsp.Command(title=title, command=MEND_COMMAND,
                                               arguments=[uri, where.line, where.character]))]


@server.command(CANCEL_COMMAND)
def cancel_command(ls: ProofmendServer, *args: Any) -> dict:
    """Cancel the running mends (of one document when its URI is given); answers how many."""
    uri = str(args[0]) if args else None
    count = ls.cancel_mends(lambda m: uri is None or m.uri == uri)
    return {"cancelled": count}


@server.command(MEND_COMMAND)
async def mend_command(ls: ProofmendServer, *args: Any) -> dict | None:
    """Arguments: the document URI, then the 0-based line and character (client units) of the proof."""
    if len(args) < 3:
        ls.say(f"{MEND_COMMAND} takes a document URI, a line and a character", lsp.MessageType.Error)
        return None
    uri, line, character = str(args[0]), int(args[1]), int(args[2])
    if ls.model_error:
        ls.say(f"model {ls.config.model!r} cannot be used: {ls.model_error}", lsp.MessageType.Error)
        return None
    request_id = ls.protocol.msg_id
    text = ls.workspace.get_text_document(uri).source
    problem = why_unreadable(text)
    if problem is not None:
        ls.say(f"cannot read this file ({problem} at line {position_of(text, problem.offset)[0] + 1})",
               lsp.MessageType.Warning)
        return None
    offset = server_offset(text, lsp.Position(line=line, character=character), ls)
    doc = parse_or_none(text)
    found = proof_at(doc, offset) if doc is not None else None
    if found is None:
        ls.say("no proof at this position", lsp.MessageType.Warning)
        return None
    label = theorem_label(doc, found[1])
    if any(m.uri == uri and m.label == label for m in ls.mends):
        ls.say(f"{label} is already being mended", lsp.MessageType.Info)
        return None
    at = position_of(text, offset)
    job = MendJob(Path(to_fs_path(uri) or "untitled.v"), at[0], at[1], text, ls.config)
    running = RunningMend(job, uri, label, None if ls.settings.detach else request_id)
    ls.mends.append(running)
    if ls.settings.detach:
        task = asyncio.get_running_loop().create_task(_mend(ls, running, text))
        ls.running.add(task)
        task.add_done_callback(ls.running.discard)
        return {"theorem": label, "status": "started", "applied": False}
    return await _mend(ls, running, text)


async def _mend(ls: ProofmendServer, running: RunningMend, text: str) -> dict | None:
    """Run the mend (it is in ``ls.mends``), then deliver its edit; the command's answer."""
    label, job = running.label, running.job
    try:
        running.token = await _progress_begin(ls, f"Mending {label}")
        await job.start()
        result = await job.result()
    except MendCancelled:
        ls.say(f"mending {label} was cancelled")
        return {"theorem": label, "status": "cancelled", "applied": False}
    except Exception as e:  # bad input, a missing prover, a model failure: one message, the server lives on
        ls.say(f"could not mend {label}: {e}", lsp.MessageType.Error)
        return None
    finally:
        ls.mends.remove(running)
        _progress_end(ls, running.token)
    return await _deliver(ls, running.uri, text, result)


async def _deliver(ls: ProofmendServer, uri: str, text: str, result: MendResult | None) -> dict | None:
    """Send the mended body to the client (re-anchored on the buffer as it is now) and answer the command."""
    if result is None:
        ls.say("no proof at this position", lsp.MessageType.Warning)
        return None
    answer = {"theorem": result.theorem, "status": result.status, "exit": result.exit,
              "elapsed_s": round(result.elapsed_s, 3), "applied": False}
    if result.status != "fixed" or result.new_text_for_range is None:
        ls.say(f"{result.theorem}: {result.status} ({result.error or result.exit})", lsp.MessageType.Warning)
        return answer
    edit = edit_for_current_buffer(ls, uri, text, result)
    if edit is None:
        ls.say(f"{result.theorem} changed while it was being mended; the mended proof was not applied",
               lsp.MessageType.Warning)
        answer["status"] = "dropped"
        return answer
    try:
        reply = await ls.workspace_apply_edit_async(
            lsp.ApplyWorkspaceEditParams(edit=edit, label=f"Mend proof: {result.theorem}"))
    except Exception as e:  # the client answered with an error (e.g. its buffer moved on meanwhile)
        reply = lsp.ApplyWorkspaceEditResult(applied=False, failure_reason=str(e))
    answer["applied"] = bool(reply and reply.applied)
    if not answer["applied"]:
        ls.say(f"the editor did not apply the mended proof of {result.theorem}"
               f"{': ' + reply.failure_reason if reply and reply.failure_reason else ''}", lsp.MessageType.Warning)
    return answer


async def _progress_begin(ls: ProofmendServer, message: str) -> str | None:
    window = ls.client_capabilities.window
    if not (window and window.work_done_progress):
        return None
    token = f"proofmend-{uuid.uuid4().hex}"
    try:
        await ls.work_done_progress.create_async(token)
    except Exception:  # the client refused a progress bar: work without one
        return None
    ls.work_done_progress.begin(token, lsp.WorkDoneProgressBegin(title="proofmend", message=message, cancellable=True))
    return token


def _progress_end(ls: ProofmendServer, token: str | None) -> None:
    if token is not None:
        ls.work_done_progress.end(token, lsp.WorkDoneProgressEnd())


def serve(default_model: str | None = None) -> None:
    """Serve LSP on stdin/stdout until the client says exit (``default_model`` for clients that name none)."""
    global DEFAULT_MODEL
    DEFAULT_MODEL = default_model
    logging.basicConfig(level=os.environ.get("PROOFMEND_LOG", "WARNING"))
    signal.signal(signal.SIGTERM, lambda *_: (server.kill_mends(), os._exit(143)))
    server.start_io()


if __name__ == "__main__":
    serve()
