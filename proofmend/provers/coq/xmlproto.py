"""The coqidetop XML protocol: wire types in one place, version shapes behind an adapter.

Only the calls proofmend needs are encoded: Init, About, Add, Goal, Status,
Edit_at, Query.  Values are decoded into plain Python values and the typed
records of this module.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from xml.sax.saxutils import escape

from ..errors import ProtocolError
from ..results import Goal, Goals


# ---------------------------------------------------------------- wire records


@dataclass(frozen=True)
class Failure:
    """A ``<value val="fail">``: the prover rejected a call."""

    state_id: int
    message: str
    loc_start: int | None = None  # byte offsets within the sentence
    loc_end: int | None = None


@dataclass(frozen=True)
class Message:
    level: str  # error, warning, notice, info, debug
    text: str


# ---------------------------------------------------------------- text of pp

def pp_text(elem: ET.Element | None) -> str:
    """Flatten a richpp / pp element into plain text."""
    if elem is None:
        return ""
    text = "".join(elem.itertext())
    return text.replace("\u00a0", " ")


def fix_entities(data: str) -> str:
    """coqidetop emits ``&nbsp;``, which XML parsers do not know."""
    return data.replace("&nbsp;", "&#160;")


# ---------------------------------------------------------------- encoders

def _str(s: str) -> str:
    return f"<string>{escape(s)}</string>"


def _int(i: int) -> str:
    return f"<int>{i}</int>"


def _bool(b: bool) -> str:
    return f'<bool val="{"true" if b else "false"}"/>'


def _sid(i: int) -> str:
    return f'<state_id val="{i}"/>'


def _pair(a: str, b: str) -> str:
    return f"<pair>{a}{b}</pair>"


def call(name: str, arg: str) -> str:
    return f'<call val="{name}">{arg}</call>'


class ProtocolAdapter:
    """Encodes calls for one protocol version.  Later versions subclass this."""

    version = "20220205"  # Coq 8.15 - 8.16 (and compatible later releases)

    def init(self) -> str:
        return call("Init", '<option val="none"/>')

    def about(self) -> str:
        return call("About", "<unit/>")

    def add(self, sentence: str, state_id: int, edit_id: int = 0, bp: int = 0, line: int = 0, bol: int = 0) -> str:
        inner = _pair(_pair(_str(sentence), _int(edit_id)), _pair(_sid(state_id), _bool(False)))
        return call("Add", _pair(_pair(inner, _int(bp)), _pair(_int(line), _int(bol))))

    def goal(self) -> str:
        return call("Goal", "<unit/>")

    def status(self, force: bool = True) -> str:
        return call("Status", _bool(force))

    def edit_at(self, state_id: int) -> str:
        return call("Edit_at", _sid(state_id))

    def query(self, text: str, state_id: int, route: int = 0) -> str:
        return call("Query", _pair(f'<route_id val="{route}"/>', _pair(_str(text), _sid(state_id))))


class LegacyAdapter(ProtocolAdapter):
    """Protocol versions before 20200911 (Coq ≤ 8.12): Add has no location."""

    version = "20170413"

    def add(self, sentence: str, state_id: int, edit_id: int = 0, bp: int = 0, line: int = 0, bol: int = 0) -> str:
        return call("Add", _pair(_pair(_str(sentence), _int(edit_id)), _pair(_sid(state_id), _bool(False))))


def adapter_for(protocol_version: str) -> ProtocolAdapter:
    if protocol_version and protocol_version < "20200911":
        return LegacyAdapter()
    return ProtocolAdapter()


# ---------------------------------------------------------------- decoders

def decode_value(elem: ET.Element) -> tuple[bool, ET.Element | Failure]:
    """A ``<value>`` element: (True, payload element) or (False, Failure)."""
    if elem.tag != "value":
        raise ProtocolError(f"expected <value>, got <{elem.tag}>")
    if elem.get("val") == "good":
        return True, elem
    sid_el = elem.find("state_id")
    sid = int(sid_el.get("val", "0")) if sid_el is not None else 0
    msg = pp_text(elem.find("richpp")) or pp_text(elem)
    ls, le = elem.get("loc_s"), elem.get("loc_e")
    return False, Failure(sid, msg.strip(), int(ls) if ls else None, int(le) if le else None)


def decode_add(value: ET.Element) -> int:
    """State id created by a successful Add."""
    sid = value.find("./pair/state_id")
    if sid is None:
        raise ProtocolError("Add answer without a state id")
    return int(sid.get("val", "0"))


def _decode_goal(g: ET.Element) -> Goal:
    children = list(g)
    # <goal><string>id</string><list>hyps</list><richpp>concl</richpp>[<option> name]</goal>
    hyps_el = next((c for c in children if c.tag == "list"), None)
    concl_el = next((c for c in children if c.tag in ("richpp", "pp")), None)
    hyps = tuple(re.sub(r"\s+", " ", pp_text(h)).strip() for h in (hyps_el if hyps_el is not None else []))
    return Goal(hyps, pp_text(concl_el).strip())


def decode_goals(value: ET.Element) -> Goals | None:
    """Goals from a Goal answer; None when no proof is open."""
    opt = value.find("option")
    if opt is None or opt.get("val") == "none":
        return None
    goals = opt.find("goals")
    if goals is None:
        raise ProtocolError("Goal answer without <goals>")
    lists = goals.findall("list")
    fg = tuple(_decode_goal(g) for g in lists[0].findall("goal")) if lists else ()
    bg = 0
    if len(lists) > 1:
        for pair in lists[1].findall("pair"):
            for lst in pair.findall("list"):
                bg += len(lst.findall("goal"))
    shelved = len(lists[2].findall("goal")) if len(lists) > 2 else 0
    given_up = len(lists[3].findall("goal")) if len(lists) > 3 else 0
    return Goals(fg, bg, shelved, given_up)


def decode_message(fb: ET.Element) -> Message | None:
    """A feedback element carrying a message, if it does."""
    content = fb.find("feedback_content")
    if content is None or content.get("val") != "message":
        return None
    msg = content.find("message")
    if msg is None:
        return None
    level_el = msg.find("message_level")
    level = level_el.get("val", "notice") if level_el is not None else "notice"
    return Message(level, pp_text(msg.find("richpp")).strip())


def decode_protocol_version(value: ET.Element) -> str:
    info = value.find("coq_info")
    if info is None:
        return ""
    strings = [s.text or "" for s in info.findall("string")]
    return strings[1] if len(strings) > 1 else ""
