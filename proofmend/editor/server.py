"""``proofmend serve``: a language server (LSP over stdio) whose code action mends the proof under the cursor.

- ``textDocument/codeAction`` offers "Mend proof: NAME" for the proof that holds
  the cursor (its statement or its body).  The action carries the command
  ``proofmend.mendProof``; running it mends that proof off the server's loop
  (with work-done progress where the client shows it) and sends the new body
  with ``workspace/applyEdit``.
- ``didOpen``/``didChange`` keep the buffer; holes (``Admitted``/``admit``) are
  shown as Information diagnostics from the text alone; ``didSave`` also
  batch-checks the saved file with ``coqc`` (debounced, off the loop).
- The model comes from ``initializationOptions`` (``{"model": ..., "timeout":
  seconds, "attempts": n, "apiBase": url}``), else ``PROOFMEND_MODEL``, else the
  built-in tactic search.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from .. import __version__
from ..agent.config import AgentConfig
from ..provers.coq.batch import CheckResult
from ..provers.coq.locator import CoqDocument, parse_document
from ..provers.coq.sentences import SplitError
from .api import MendResult, check, mend_proof_at, offset_of, position_of, proof_at, theorem_label

log = logging.getLogger(__name__)

MEND_COMMAND = "proofmend.mendProof"
ACTION_KINDS = (lsp.CodeActionKind.QuickFix, lsp.CodeActionKind.RefactorRewrite)
CHECK_DELAY_S = 0.3  # a burst of saves is checked once
HOLES_DELAY_S = 0.5  # typing re-reads the holes once it pauses
SEVERITY = {"error": lsp.DiagnosticSeverity.Error, "warning": lsp.DiagnosticSeverity.Warning,
            "info": lsp.DiagnosticSeverity.Information}


class ProofmendServer(LanguageServer):
    """The server's state: settings, the worker threads, pending checks and the last diagnostics."""

    def __init__(self) -> None:
        super().__init__("proofmend", __version__, text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental)
        self.config = AgentConfig(model=os.environ.get("PROOFMEND_MODEL") or "search")
        self.model: Any = None
        self.model_error: str | None = None
        self.workers = ThreadPoolExecutor(max_workers=2, thread_name_prefix="proofmend")
        self.pending: dict[tuple[str, str], asyncio.TimerHandle] = {}
        self.running: set[asyncio.Task] = set()  # scheduled jobs, held until they finish
        self.mending: set[tuple[str, int]] = set()  # (uri, statement offset) of proofs being mended
        self.compiled: dict[str, list[lsp.Diagnostic]] = {}  # uri -> coqc diagnostics of the last save

    # ------------------------------------------------------------ settings
    def configure(self, options: Any) -> None:
        options = options if isinstance(options, dict) else {}
        fields: dict[str, Any] = {"model": options.get("model") or os.environ.get("PROOFMEND_MODEL") or "search"}
        if options.get("timeout") is not None:
            fields["timeout_s"] = float(options["timeout"])
        if options.get("attempts") is not None:
            fields["attempts"] = int(options["attempts"])
        if options.get("apiBase"):
            fields["api_base"] = str(options["apiBase"])
        self.config = AgentConfig(**fields)

    def load_model(self) -> None:
        """Build and preflight the model once (None for the built-in search); keep the error to report it."""
        if self.config.offline:
            return
        from ..agent.models import ModelConfigError, ModelSettings, check_model, make_model

        try:
            self.model = make_model(self.config.model, ModelSettings(
                temperature=self.config.temperature, max_tokens=self.config.max_tokens, api_base=self.config.api_base))
            check_model(self.model)
        except ModelConfigError as e:
            self.model, self.model_error = None, str(e)

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


# ------------------------------------------------------------------ positions in client units

def client_position(text: str, offset: int, ls: LanguageServer) -> lsp.Position:
    line, col = position_of(text, offset)
    return client_position_lc(text, line, col, ls)


def client_position_lc(text: str, line: int, col: int, ls: LanguageServer) -> lsp.Position:
    lines = text.split("\n")
    if line >= len(lines):
        return lsp.Position(line=len(lines) - 1, character=ls.workspace.position_codec.client_num_units(lines[-1]))
    return lsp.Position(line=line, character=ls.workspace.position_codec.client_num_units(lines[line][:col]))


def server_offset(text: str, pos: lsp.Position, ls: LanguageServer) -> int:
    """The character offset of a position given in the client's units (UTF-16 by default)."""
    lines = text.split("\n")
    if pos.line >= len(lines):
        return len(text)
    units, col = 0, 0
    codec = ls.workspace.position_codec
    for ch in lines[pos.line]:
        if units >= pos.character:
            break
        units += codec.client_num_units(ch)
        col += 1
    return offset_of(text, pos.line, col)


def parse_or_none(text: str) -> CoqDocument | None:
    try:
        return parse_document(text)
    except SplitError:
        return None


# ------------------------------------------------------------------ diagnostics

def hole_diagnostics(text: str, ls: LanguageServer) -> list[lsp.Diagnostic]:
    doc = parse_or_none(text)
    if doc is None:
        return []
    out = []
    for p in doc.proofs:
        if not p.hole_kind:
            continue
        end = text.find("\n", p.statement.start)
        end = p.statement.end if end < 0 else min(end, p.statement.end)
        label = theorem_label(doc, p)
        message = f"Admitted: {label}" if p.hole_kind == "admitted" else f"admit: {label}"
        out.append(lsp.Diagnostic(
            range=lsp.Range(start=client_position(text, p.statement.start, ls), end=client_position(text, end, ls)),
            message=message, severity=lsp.DiagnosticSeverity.Information, source="proofmend", code=p.hole_kind))
    return out


def coq_diagnostics(result: CheckResult, path: Path, text: str, ls: LanguageServer) -> list[lsp.Diagnostic]:
    out = []
    for d in result.diagnostics:
        elsewhere = bool(d.file) and Path(d.file).name != path.name
        if d.line <= 0 or elsewhere:
            start = end = lsp.Position(line=0, character=0)
            message = f"{d.file}: {d.message}" if elsewhere else d.message
        else:
            start = client_position_lc(text, d.line - 1, d.col, ls)
            end = client_position_lc(text, d.end_line - 1, d.end_col, ls)
            message = d.message
        out.append(lsp.Diagnostic(range=lsp.Range(start=start, end=end), message=message,
                                  severity=SEVERITY.get(d.severity, lsp.DiagnosticSeverity.Error), source="coqc"))
    return out


def publish(ls: ProofmendServer, uri: str, text: str, version: int | None) -> None:
    ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(
        uri=uri, version=version, diagnostics=ls.compiled.get(uri, []) + hole_diagnostics(text, ls)))


# ------------------------------------------------------------------ lifecycle and documents

@server.feature(lsp.INITIALIZE)
def initialize(ls: ProofmendServer, params: lsp.InitializeParams) -> None:
    ls.configure(params.initialization_options)


@server.feature(lsp.INITIALIZED)
async def initialized(ls: ProofmendServer, params: lsp.InitializedParams) -> None:
    await ls.off_loop(ls.load_model)
    if ls.model_error:
        ls.say(f"model {ls.config.model!r} cannot be used: {ls.model_error}", lsp.MessageType.Error)


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
    inside = [d for d in params.context.diagnostics if _overlaps(d.range, span)]
    kind = lsp.CodeActionKind.QuickFix if p.is_hole or inside else lsp.CodeActionKind.RefactorRewrite
    if params.context.only and not any(kind == k or kind.startswith(f"{k}.") for k in params.context.only):
        return []
    title = f"Mend proof: {theorem_label(doc, p)}"
    where = client_position(text, p.statement.start, ls)
    return [lsp.CodeAction(title=title, kind=kind, diagnostics=inside or None, is_preferred=p.is_hole,
                           command=lsp.Command(title=title, command=MEND_COMMAND,
                                               arguments=[uri, where.line, where.character]))]


def _overlaps(a: lsp.Range, b: lsp.Range) -> bool:
    key = lambda p: (p.line, p.character)  # noqa: E731
    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)


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
    doc = ls.workspace.get_text_document(uri)
    text = doc.source
    offset = server_offset(text, lsp.Position(line=line, character=character), ls)
    at = position_of(text, offset)
    path = Path(to_fs_path(uri) or "untitled.v")
    key = (uri, offset)
    if key in ls.mending:
        ls.say("this proof is already being mended", lsp.MessageType.Info)
        return None
    ls.mending.add(key)
    token = await _progress_begin(ls, f"Mending the proof at line {at[0] + 1}")
    try:
        result: MendResult | None = await ls.off_loop(mend_proof_at, path, at[0], at[1], text, ls.config, ls.model)
    except Exception as e:  # bad input, a missing prover, a model failure: one message, the server lives on
        ls.say(f"could not mend: {e}", lsp.MessageType.Error)
        return None
    finally:
        ls.mending.discard(key)
        _progress_end(ls, token)
    if result is None:
        ls.say("no proof at this position", lsp.MessageType.Warning)
        return None
    answer = {"theorem": result.theorem, "status": result.status, "exit": result.exit,
              "elapsed_s": round(result.elapsed_s, 3), "applied": False}
    if result.status != "fixed" or result.new_text_for_range is None:
        ls.say(f"{result.theorem}: {result.status} ({result.error or result.exit})", lsp.MessageType.Warning)
        return answer
    edit = _edit_for_current_buffer(ls, uri, text, result)
    if edit is None:
        ls.say(f"{result.theorem} changed while it was being mended; nothing applied", lsp.MessageType.Warning)
        return answer
    reply = await ls.workspace_apply_edit_async(
        lsp.ApplyWorkspaceEditParams(edit=edit, label=f"Mend proof: {result.theorem}"))
    answer["applied"] = bool(reply and reply.applied)
    return answer


def _edit_for_current_buffer(ls: ProofmendServer, uri: str, mended_text: str,
                             result: MendResult) -> lsp.WorkspaceEdit | None:
    """The edit against the buffer as it is now: the body is found again if text above it moved."""
    doc = ls.workspace.get_text_document(uri)
    now = doc.source
    a = offset_of(mended_text, *result.replace_start)
    b = offset_of(mended_text, *result.replace_end)
    if now != mended_text:
        old_doc, new_doc = parse_or_none(mended_text), parse_or_none(now)
        if old_doc is None or new_doc is None:
            return None
        old = next(p for p in old_doc.proofs if p.body_start == a)
        same = [p for p in new_doc.proofs if p.statement.text == old.statement.text
                and now[p.body_start:p.body_end] == mended_text[a:b]]
        if len(same) != 1:
            return None
        a, b = same[0].body_start, same[0].body_end
    rng = lsp.Range(start=client_position(now, a, ls), end=client_position(now, b, ls))
    text_edit = lsp.TextEdit(range=rng, new_text=result.new_text_for_range or "")
    caps = ls.client_capabilities.workspace
    if caps and caps.workspace_edit and caps.workspace_edit.document_changes:
        ident = lsp.OptionalVersionedTextDocumentIdentifier(uri=uri, version=doc.version)
        return lsp.WorkspaceEdit(document_changes=[lsp.TextDocumentEdit(text_document=ident, edits=[text_edit])])
    return lsp.WorkspaceEdit(changes={uri: [text_edit]})


async def _progress_begin(ls: ProofmendServer, message: str) -> str | None:
    window = ls.client_capabilities.window
    if not (window and window.work_done_progress):
        return None
    token = f"proofmend-{uuid.uuid4().hex}"
    try:
        await ls.work_done_progress.create_async(token)
    except Exception:  # the client refused a progress bar: work without one
        return None
    ls.work_done_progress.begin(token, lsp.WorkDoneProgressBegin(title="proofmend", message=message))
    return token


def _progress_end(ls: ProofmendServer, token: str | None) -> None:
    if token is not None:
        ls.work_done_progress.end(token, lsp.WorkDoneProgressEnd())


def serve() -> None:
    """Serve LSP on stdin/stdout until the client says exit."""
    logging.basicConfig(level=os.environ.get("PROOFMEND_LOG", "WARNING"))
    server.start_io()


if __name__ == "__main__":
    serve()
