"""Chat messages for a draft or a repair, and error text cleaned for a model.

The wording lives in ``proofmend/prompts/*.j2``; this module only chooses the
template and cleans what goes into it.

Draft context keys: ``prover``, ``file``, ``theorem``, ``statement``,
``local_context``, ``definitions``, ``lemmas``, ``stale_proof``, ``changes``
(what the change that broke the old proof did, one line each), ``hints``.
Repair adds ``attempt``, ``error``, ``error_location``, ``goals``,
``checked_prefix``, ``continue_from_prefix``.  A step of the step search
(:func:`messages_for_step`) has ``file``, ``theorem``, ``statement``,
``definitions``, ``lemmas``, ``stale_proof``, ``changes`` and ``script``, ``goals``, ``n_goals``,
``failures`` (tactic, why) and ``k``.
"""

from __future__ import annotations

import re

from ...prompts import render

__all__ = ["DRAFT_KEYS", "REPAIR_KEYS", "STEP_KEYS", "clean_error", "feedback", "messages_for_draft",
           "messages_for_repair", "messages_for_step"]

DRAFT_KEYS = (
    "prover", "file", "theorem", "statement", "local_context",
    "definitions", "lemmas", "stale_proof", "changes", "hints",
)
REPAIR_KEYS = DRAFT_KEYS + (
    "attempt", "error", "error_location", "goals", "checked_prefix", "continue_from_prefix",
)

STEP_KEYS = ("file", "theorem", "statement", "definitions", "lemmas", "stale_proof", "changes", "script", "goals",
             "n_goals", "failures", "k")


def messages_for_draft(ctx: dict) -> list[dict]:
    """System and user messages asking for a first proof."""
    return [
        {"role": "system", "content": render("system.j2", **ctx)},
        {"role": "user", "content": render("draft.j2", **ctx)},
    ]


def messages_for_repair(ctx: dict) -> list[dict]:
    """System and user messages asking to mend a failed attempt."""
    return [
        {"role": "system", "content": render("system.j2", **ctx)},
        {"role": "user", "content": render("repair.j2", **ctx)},
    ]


def messages_for_step(ctx: dict) -> list[dict]:
    """System and user messages asking for ``k`` alternative next tactics at one proof state."""
    return [
        {"role": "system", "content": render("step_system.j2", **ctx)},
        {"role": "user", "content": render("step.j2", **ctx)},
    ]


def feedback(kind: str, detail: str = "", line: int = 0) -> str:
    """A short note for a model (``feedback.j2``): why a candidate was refused, or where it failed."""
    return render("feedback.j2", kind=kind, detail=detail, line=line).strip()


# "/home/u/proj/theories/Foo.v" -> "Foo.v"; also C:\x\y\Foo.v.  A path needs
# two separators, so division ("n / 2", "a/b") is left alone.
_POSIX_PATH = re.compile(r"(?<![\w.~/])(?:~)?/(?:[^\s/\"'`:,;()\[\]<>]+/)+([^\s/\"'`:,;()\[\]<>]+)")
_WINDOWS_PATH = re.compile(r"\b[A-Za-z]:\\(?:[^\s\\\"'`:,;()]+\\)+([^\s\\\"'`:,;()]+)")
_TIMINGS = [
    re.compile(r"^[^\n]*Finished transaction in [^\n]*\n?", re.MULTILINE),
    re.compile(r"\s*\(\d+(?:\.\d*)?\s*(?:secs?|seconds?|s|ms)\)"),  # (0.123 secs)
    re.compile(r"\s*\(\d*\.?\d*u,\s*\d*\.?\d*s\)"),  # (0.01u,0.s)
    re.compile(r"\s+(?:in|after|ran for|took)\s+\d+(?:\.\d+)?\s*(?:secs?|seconds?|s|ms)\b"),  # in 1.2s
]
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def clean_error(text: str, max_chars: int = 1500) -> str:
    """Error text without absolute paths or timings, cut to head and tail.

    What goes back to a model must not change between runs of the same mistake
    (paths, timings) and must not flood its context.
    """
    text = _ANSI.sub("", text)
    text = _WINDOWS_PATH.sub(r"\1", _POSIX_PATH.sub(r"\1", text))
    for pattern in _TIMINGS:
        text = pattern.sub("", text)
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    if len(text) <= max_chars:
        return text
    head_len = max_chars * 2 // 3
    tail_len = max_chars - head_len
    cut = len(text) - head_len - tail_len
    return f"{text[:head_len]}\n[… {cut} characters cut …]\n{text[-tail_len:] if tail_len else ''}"
