"""Proof bodies as text: from tactic sentences, from a model's text, and as the smallest change of an old body.

A mended proof keeps every sentence of the old proof that still runs byte for
byte, with its line breaks and indentation; only new or replaced sentences are
new text, indented like their neighbours (:func:`render_minimal`).
"""

from __future__ import annotations

from difflib import SequenceMatcher

from ...provers.coq.sentences import Sentence, SplitError, split_sentences

OPENERS_AND_CLOSERS = ("Proof", "Qed", "Defined", "Admitted", "Abort", "Save")


def render_body(opener: str, sentences: list[str] | tuple[str, ...], closer: str = "Qed.") -> str:
    """A proof body from tactic sentences: one sentence a line, bullets indented by depth."""
    lines = [opener]
    stack: list[str] = []  # open bullets and braces
    pending = ""  # a bullet or brace waiting for the sentence it introduces
    for raw in sentences:
        s = raw.strip()
        if s and s[0] in "-+*" and set(s) == {s[0]}:
            if s in stack:
                del stack[stack.index(s):]
            indent = "  " * (len(stack) + 1)
            stack.append(s)
            pending = (pending + " " if pending else indent) + s
            continue
        if s.endswith("{") and (s == "{" or s[:-1].rstrip().endswith(":")):
            indent = "  " * (len(stack) + 1)
            stack.append("{")
            pending = (pending + " " if pending else indent) + s
            continue
        if s == "}":
            while stack and stack[-1] != "{":
                stack.pop()
            if stack:
                stack.pop()
            if pending:
                lines.append(pending)
                pending = ""
            lines.append("  " * (len(stack) + 1) + "}")
            continue
        if pending:
            lines.append(pending + " " + s)
            pending = ""
        else:
            lines.append("  " * (len(stack) + 1) + s)
    if pending:
        lines.append(pending)
    lines.append(closer)
    return "\n".join(lines)


def render_text_body(opener: str, tactics: str, closer: str = "Qed.") -> str:
    """A proof body from a model's tactic text, keeping its layout."""
    lines = tactics.strip("\n").splitlines()
    indent = min((len(ln) - len(ln.lstrip()) for ln in lines if ln.strip()), default=0)
    body = "\n".join("  " + ln[indent:] if ln.strip() else "" for ln in lines)
    return f"{opener}\n{body}\n{closer}"


def _indent_of(text: str, s: Sentence, unknown: str = "  ") -> str:
    """The indentation of the line ``s`` starts on (``unknown`` when that line began before ``text``)."""
    if "\n" not in text[: s.start]:
        return unknown
    line_start = text.rfind("\n", 0, s.start) + 1
    line = text[line_start : s.start]
    return line[: len(line) - len(line.lstrip())]


def _is_bullet(text: str) -> bool:
    t = text.strip()
    return bool(t) and t[0] in "-+*" and set(t) == {t[0]}


def _is_tactic(s: Sentence) -> bool:
    return s.first_word not in OPENERS_AND_CLOSERS


def _run(sentences: list[str], indent: str) -> list[str]:
    """Sentences one a line (bullets with the sentence they introduce), nested under ``indent``."""
    lines = render_body("", sentences, "").split("\n")[1:-1]
    return [indent + ln[2:] if ln.startswith("  ") else indent + ln for ln in lines]


def render_minimal(original: str, opener: str, script: list[str] | tuple[str, ...], closer: str = "Qed.") -> str:
    """``opener``, ``script`` and ``closer`` written as the smallest change of the old body ``original``.

    ``original`` is the old body text from the end of the statement to the end
    of its terminator; the result leaves out its leading whitespace (the
    caller keeps that).  Falls back to :func:`render_body` when the old body
    cannot be split.
    """
    try:
        old = split_sentences(original)
    except SplitError:
        old = []
    if len(old) < 2:
        return render_body(opener, script, closer)
    body, term = old[:-1], old[-1]
    lead = lambda k: original[(body[k - 1].end if k > 0 else body[0].start) : body[k].start]  # noqa: E731
    tactic_indents = [_indent_of(original, s) for s in body if _is_tactic(s)]
    default_indent = tactic_indents[0] if tactic_indents else "  "
    new = [opener, *[s.strip() for s in script]]
    out: list[str] = []
    last_indent = default_indent
    matcher = SequenceMatcher(a=[s.text for s in body], b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for k in range(i1, i2):
                piece = lead(k) + body[k].text
                if out and not piece[:1].isspace() and not out[-1][-1:].isspace():
                    # something went in before the old body's first sentence (an opener where it had
                    # none): that sentence had no lead of its own
                    piece = "\n" + _indent_of(original, body[k], default_indent) + piece
                out.append(piece)
                if _is_tactic(body[k]):
                    last_indent = _indent_of(original, body[k])
            continue
        for k in range(i1, i2):  # dropped: keep a comment that stood before it
            if "(*" in lead(k):
                out.append(lead(k).rstrip(" \t"))
        run = new[j1:j2]
        if not run:
            continue
        inline = tag == "replace" and "\n" not in lead(i1) and i1 > 0
        if inline:
            out.append(lead(i1) + " ".join(run))
        else:
            indent = _indent_of(original, body[i1]) if tag == "replace" and _is_tactic(body[i1]) else last_indent
            if _is_bullet(run[0]):  # a bullet goes where the same bullet went before
                same = [b for b in body[:i1] if b.text == run[0].strip()]
                indent = _indent_of(original, same[-1]) if same else indent
            out.append("\n" + "\n".join(_run(run, indent)))
            last_indent = indent
    term_lead = original[body[-1].end : term.start]
    if term.text == closer:
        out.append(term_lead + term.text)
    else:
        out.append((term_lead if "\n" in term_lead else "\n" + _indent_of(original, term, "")) + closer)
    return "".join(out)
