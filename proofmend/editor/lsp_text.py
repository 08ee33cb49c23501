"""Positions in the client's units, and the diagnostics the language server publishes.

The server keeps offsets in characters (code points); LSP clients count
columns in UTF-16 units unless they negotiated otherwise.  Every conversion
goes through the workspace's position codec.
"""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer

from ..provers.coq.batch import CheckResult
from ..provers.coq.locator import CoqDocument, parse_document
from ..provers.coq.sentences import SplitError
from .api import MendResult, offset_of, position_of, theorem_label

SEVERITY = {"error": lsp.DiagnosticSeverity.Error, "warning": lsp.DiagnosticSeverity.Warning,
            "info": lsp.DiagnosticSeverity.Information}


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


def why_unreadable(text: str) -> SplitError | None:
    """The reason the text cannot be split into sentences (None when it can)."""
    try:
        parse_document(text)
    except SplitError as e:
        return e
    return None


def hole_diagnostics(text: str, ls: LanguageServer) -> list[lsp.Diagnostic]:
    """Information markers on holes, or one warning saying why the text cannot be read."""
    try:
        doc = parse_document(text)
    except SplitError as e:
        at = client_position(text, e.offset, ls)
        return [lsp.Diagnostic(range=lsp.Range(start=at, end=at), message=f"proofmend cannot read this file: {e}",
                               severity=lsp.DiagnosticSeverity.Warning, source="proofmend", code="unreadable")]
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


def overlaps(a: lsp.Range, b: lsp.Range) -> bool:
    key = lambda p: (p.line, p.character)  # noqa: E731
    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)


def edit_for_current_buffer(ls: LanguageServer, uri: str, mended_text: str,
                             result: MendResult) -> lsp.WorkspaceEdit | None:
    """The edit against the buffer as it is now: the body is found again if text around it changed.

    None (drop the edit) when the proof's statement or body changed, or the
    buffer no longer holds exactly one such proof.
    """
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
