"""Prompt templates (``*.j2`` beside this file) and their loader.

All prompt text lives in the templates; Python only fills them.  Rendering is
strict: a key the template uses but the caller did not give is an error, never
an empty string.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

__all__ = ["TEMPLATE_DIR", "render", "template_names"]

TEMPLATE_DIR = Path(__file__).resolve().parent


@cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )


def template_names() -> list[str]:
    """The templates shipped (partials, named ``_*.j2``, are left out)."""
    return sorted(p.name for p in TEMPLATE_DIR.glob("*.j2") if not p.name.startswith("_"))


def render(template_name: str, **context) -> str:
    """Render ``template_name`` (``"draft"`` or ``"draft.j2"``) with ``context``.

    Raises ``jinja2.UndefinedError`` naming a key the template needs and
    ``context`` lacks.
    """
    if not template_name.endswith(".j2"):
        template_name += ".j2"
    return _environment().get_template(template_name).render(**context)
