"""Unicode identifiers: renaming every theorem of standard-library files to a Unicode
name (and back) changes neither where the locator finds proofs nor the audit's verdicts."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from proofmend.provers.coq.audit import audit
from proofmend.provers.coq.locator import parse_document
from proofmend.provers.coq.project import CoqProject
from proofmend.provers.coq.sentences import split_sentences

from .conftest import needs_coq


def _stdlib() -> Path | None:
    if shutil.which("coqc") is None:
        return None
    where = subprocess.run(["coqc", "-where"], capture_output=True, text=True).stdout.strip()
    theories = Path(where) / "theories"
    return theories if theories.is_dir() else None


STDLIB = _stdlib()
SAMPLE = ["Bool/Zerob.v", "Bool/IfProp.v", "Bool/Sumbool.v", "Bool/BoolOrder.v", "Bool/Bool.v",
          "Logic/Decidable.v", "Arith/Between.v", "Lists/ListSet.v"]
needs_stdlib = pytest.mark.skipif(STDLIB is None, reason="the Coq standard library sources are not installed")

LETTERS = "αβγδεζηθικλμνξπρστυφχψωΓΔΘΛΞΠΣΦΨΩабвгдежзиклмнопрстуфхцчшщэюяßéèçñøå"
unicode_name = st.tuples(st.sampled_from(LETTERS), st.text(alphabet=LETTERS + "_0123456789'", max_size=6))


def _sources() -> dict[str, str]:
    out = {}
    for rel in SAMPLE:
        p = STDLIB / rel  # type: ignore[operator]
        if p.is_file():
            out[rel] = p.read_text(encoding="utf-8")
    return out


def rename(text: str, mapping: dict[str, str]) -> str:
    """Every whole-identifier occurrence of a key replaced by its value (qualified uses too)."""
    if not mapping:
        return text
    alternatives = "|".join(re.escape(k) for k in sorted(mapping, key=len, reverse=True))
    return re.sub(rf"(?<![\w'])({alternatives})(?![\w'])", lambda m: mapping[m.group(1)], text)


def theorem_names(text: str) -> list[str]:
    return sorted({p.name for p in parse_document(text).proofs if p.name})


def unicode_names(names: list[str], first: str, rest: str) -> dict[str, str]:
    return {n: f"{first}{rest}_{i}" for i, n in enumerate(names)}


def shape(text: str) -> list[tuple[int, int, int, str, str]]:
    doc = parse_document(text)
    return [(doc.line_of(p.statement.start), doc.line_of(p.terminator.start), len(p.body), p.keyword,
             p.terminator_kind.value) for p in doc.proofs]


@needs_stdlib
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(unicode_name)
def test_locations_do_not_change_under_unicode_renaming(name):
    first, rest = name
    for rel, text in _sources().items():
        names = theorem_names(text)
        mapping = unicode_names(names, first, rest)
        renamed = rename(text, mapping)
        assert shape(renamed) == shape(text), rel
        assert [s.kind for s in split_sentences(renamed)] == [s.kind for s in split_sentences(text)], rel
        back = rename(renamed, {v: k for k, v in mapping.items()})
        assert back == text, rel
        located = {p.name for p in parse_document(renamed).proofs if p.name}
        assert located == {mapping[n] for n in names}, rel


def _audit_pair(text: str, tmp: Path) -> tuple[bool, list[str], bool, list[str]]:
    """(honest accepted, its reasons, cheat accepted, its reasons) with the first Qed proof as the hole."""
    doc = parse_document(text)
    target = next(p for p in doc.proofs if p.name and p.terminator_kind.value == "Qed")
    original = text[: target.body_start] + "\nProof.\nAdmitted." + text[target.body_end :]
    cheat = text[: target.body_start] + "\nProof.\n  admit.\nQed." + text[target.body_end :]
    project = CoqProject(tmp)
    honest = audit(text, original, project, "Sample.v")
    bad = audit(cheat, original, project, "Sample.v")
    return honest.accepted, honest.reasons, bad.accepted, bad.reasons


@needs_coq
@needs_stdlib
@pytest.mark.parametrize("rel", ["Bool/Zerob.v", "Bool/IfProp.v"])
def test_audit_verdicts_do_not_change_under_unicode_renaming(rel, tmp_path):
    text = (STDLIB / rel).read_text(encoding="utf-8")  # type: ignore[operator]
    mapping = unicode_names(theorem_names(text), "θ", "ψ")
    renamed = rename(text, mapping)
    plain = _audit_pair(text, tmp_path)
    uni = _audit_pair(renamed, tmp_path)
    assert plain == uni
    assert plain[0] is True and plain[2] is False


EDITOR_FILE = """Lemma ω_zero : forall n : nat, n + 0 = n.
Proof.
Admitted.

Lemma Ψ (n : nat) : 0 + n = n.
Proof.
Admitted.
"""


@needs_coq
def test_editor_api_finds_and_mends_a_unicode_theorem(tmp_path):
    from proofmend.editor.api import holes, mend_proof_at

    assert [(h.theorem, h.line, h.kind) for h in holes(EDITOR_FILE)] == [("ω_zero", 1, "admitted"), ("Ψ", 5, "admitted")]
    f = tmp_path / "u.v"
    f.write_text(EDITOR_FILE, encoding="utf-8")
    res = mend_proof_at(f, 5, 1)  # inside "Ψ": the offline search mends it
    assert res is not None and res.theorem == "Ψ" and res.status == "fixed", res
    mended = res.apply(EDITOR_FILE)
    assert audit(mended, EDITOR_FILE, CoqProject(tmp_path), "u.v").accepted
