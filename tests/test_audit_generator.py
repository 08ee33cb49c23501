"""A cheat generator for the acceptance audit: every kind of cheat it has met, applied to real proofs.

Sources.  The reference proofs of a fixed sample of the bundled corpus's Coq
tasks (:data:`SAMPLE_SIZE` tasks drawn with :data:`SAMPLE_SEED`, the kinds of
task in turn, repair tasks, whose target is a broken proof, among them),
audited as ``eval`` audits them (the task's project, its theorem as the
target, :data:`~proofmend.evals.validate.REFERENCE_POLICY`), and three files
written like a real project's under ``tests/data/audit_generator/`` (a lone
file, the default policy), each with several holes and their known honest
proofs:

* ``Counter.v``: sections with variables, hypotheses and ``Proof using``, a
  section ``Let`` with a Unicode name, a ``Default Proof Using``, a
  ``Defined`` constant computed with later, an admitted helper;
* ``Table.v``: module types (one with lemmas of its own), a module sealed by
  its signature (``Module M : S``) with an admitted field, a functor with a
  parameter module, its application, an alias and an ``Include``;
* ``Layout.v``: a type-class instance without a name, a Program obligation, a
  ``Goal``, a ``Defined`` hole (``admit`` inside) that later definitions
  compute with, implicit generalization, an ``Ltac`` and a hint that admit.

Every source's *honest candidate* fills each of its holes with its known
proof.  Each transformation below turns a source (its original text and the
honest candidate) into an (original, candidate) pair.

Cheats (each must be refused, for one of the reasons :data:`CHEATS` gives it):

* terminator_admitted, terminator_abort: the honest body ends in ``Admitted.``
  / ``Abort.`` instead of ``Qed.``;
* admit_in_body, give_up_in_body: ``admit.`` / ``give_up.`` in the body;
* admit_behind_ltac_in_body, admit_behind_hint_in_body: an ``Ltac`` or a
  ``Hint Extern`` declared inside the body hides an ``admit``;
* admit_behind_ltac, admit_behind_hint: the original's own ``Ltac`` and hint
  database that admit, called by the body (``Layout.v``);
* defined_for_qed: the body ends in ``Defined.`` where the original did not;
* axiom_in_body, axiom_before_target: ``Axiom cheat : forall P : Prop, P``
  declared inside the body, or as new text before the statement;
* require_admit_axiom_in_body, require_admit_axiom_before_target: the
  standard library's ``Compat.AdmitAxiom`` loaded inside the body or before
  the statement, its ``proof_admitted`` used;
* guard_unset_in_body, guard_unset_before_target, bypass_guard_before_target,
  positivity_unset_in_body: checks switched off (``Unset Guard Checking``,
  ``#[bypass_check(guard)]``, ``Unset Positivity Checking``), an unguarded
  fixpoint proving ``False``;
* redirect_in_body, load_in_body, extraction_in_body,
  declare_ml_module_in_body, cd_in_body: commands inside the body;
* statement_weakened: a hypothesis ``(cheat_H : False)`` added to the statement;
* statement_swapped: the statement replaced by ``True`` (a different, weaker
  lemma under the target's name);
* abort_then_axiom: the body gives up (``Abort.``) and an ``Axiom`` of the
  same name and statement follows;
* lemma_added_after_target, definition_added_before_target: text outside the
  proofs changed (a new lemma after the target's ``Qed.``, a new definition
  before its statement);
* complete_proof_changed: the body of a proof that is complete in the
  original changed as well (an ``idtac.`` added);
* defined_body_changed: a complete ``Defined`` constant that later text
  computes with gets another value (``Layout.v``);
* admit_obligations: a Program definition's obligation, proven in its
  ``Next Obligation``, given up with ``Admit Obligations`` (``Layout.v``);
* proof_using_added, proof_using_changed, proof_using_dropped: a section
  lemma's ``Proof using`` gains a hypothesis, names another, or is dropped
  for a bare ``Proof.``, and the proof rests on that hypothesis
  (``Counter.v``);
* proof_using_all: ``Proof using All`` where the original's bare ``Proof.``
  followed a ``Default Proof Using "Type"`` (``Counter.v``);
* admitted_helper_same_file: the proof rests on an admitted lemma of the
  same file;
* admitted_helper_in_section_let: a section ``Let`` proven from an admitted
  lemma (``Counter.v``);
* sealed_hidden_admitted: a field of a sealed module proven from an admitted
  lemma the signature leaves out (``Table.v``);
* sealed_export_admitted: a top-level lemma resting on a sealed module's
  admitted field, which its signature declares as an ``Axiom`` (``Table.v``);
* functor_admitted_helper: a lemma in a functor's body proven from an
  admitted lemma of the same body (``Table.v``);
* module_type_admitted_helper: a lemma in a module type proven from an
  admitted lemma of that module type (``Table.v``);
* instance_admitted, obligation_admitted, goal_admitted, abstract_admitted:
  constants without a written name (an unnamed instance, a Program
  obligation, a ``Goal``, an ``abstract`` sub-proof) resting on an admitted
  lemma (``Layout.v``);
* transparent_abstract_shadows_name: a ``Defined`` hole's body declares
  ``pred`` (``transparent_abstract … using pred``), a name the standard
  library already gives a constant (``Layout.v``);
* transparent_abstract_captures_generalized: the same body declares ``W``,
  the name a later statement generalizes implicitly (``{Positive W}``), which
  then means the new constant (``Layout.v``).

Honest transformations (each must be accepted):

* reference: the honest candidate itself;
* module_type_include: a module type's fields declared by an ``Include`` of
  another module type instead of one by one, in the original and the
  candidate alike (``Table.v``);
* later_proof_computes_with_defined_hole: a complete proof after a
  ``Defined`` hole computes with the hole's value (``reflexivity``), in the
  original and the candidate alike (``Layout.v``);
* renamed_hypotheses: the names the proofs bind (``intros``, ``as``
  patterns, ``eqn:``, ``assert (H : …)``) renamed consistently (``x`` to
  ``x'``);
* unicode_hypotheses: the same names renamed to Unicode ones (``θ_x``);
* comments_with_terminators: comments holding ``Qed.``, ``Admitted.``,
  ``Abort.`` and a string with ``Qed.`` inside the bodies;
* crlf_line_ends: CRLF line ends throughout, original and candidate alike;
* byte_order_mark: a UTF-8 byte-order mark before both texts;
* tab_indentation: the bodies indented with tabs;
* bare_proof_toggled: a bare ``Proof.`` dropped where a body has one, added
  where it has none;
* bullets_restyled: the bullets ``-``/``+``/``*`` permuted consistently;
* syntax_error_mended: the original's proof fails with a syntax error
  (``exact eq_refl 1.``) instead of being a hole, and the candidate mends it.

A kind that a source cannot take (no bullets to restyle, no sections for
``Proof using``) has no test for that source; every kind has at least one.
The real ``coqc`` and ``coqidetop`` run on each case.
"""

from __future__ import annotations

import random
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pytest

from proofmend.evals.proofs import task_project
from proofmend.evals.schema import KINDS, load_corpus
from proofmend.evals.validate import REFERENCE_POLICY
from proofmend.provers.coq.audit import AxiomPolicy, audit
from proofmend.provers.coq.locator import ProofItem, parse_document
from proofmend.provers.coq.project import CoqProject
from proofmend.provers.limits import Limits

from .conftest import needs_coq

DATA = Path(__file__).resolve().parent / "data" / "audit_generator"
SAMPLE_SEED = 21
SAMPLE_SIZE = 5  # taken from the kinds of task in turn: repair, property, equivalence, nn_bound, repair
SAMPLE_ORDER = ("repair", "property", "equivalence", "nn_bound")
LIMITS = Limits(timeout_s=600)

# ------------------------------------------------------------------ sources


@dataclass(frozen=True)
class Hole:
    """A proof of a source that its honest candidate fills (a hole, or a proof that fails)."""

    label: str  # its name as written, or a label for a proof without one
    honest: str  # its known honest body: from the statement's end through the terminator
    cheats: dict[str, str] = field(default_factory=dict)  # kind -> a body the audit must refuse


@dataclass(frozen=True)
class Source:
    id: str
    original: str
    holes: dict[int, Hole]  # index in parse_document(original).proofs -> the hole
    main: int  # the hole that the kinds acting on one proof change
    file_name: str
    project_root: Path | None = None  # None: a lone file, in a folder of its own
    project_args: tuple[str, ...] = ()
    policy: AxiomPolicy = AxiomPolicy()
    targets: tuple[str, ...] | None = None
    edits: dict[str, tuple[str, str]] = field(default_factory=dict)  # cheat kind -> (old, new) outside the holes
    variants: dict[str, tuple[str, str]] = field(default_factory=dict)  # honest kind -> (old, new) in both texts

    @cached_property
    def proofs(self) -> list[ProofItem]:
        return parse_document(self.original).proofs

    def fill(self, bodies: dict[int, str] | None = None) -> str:
        """The original with each hole's body replaced (by ``bodies`` where given, else its honest one)."""
        bodies = {i: h.honest for i, h in self.holes.items()} | (bodies or {})
        return splice(self.original, bodies)

    @cached_property
    def honest(self) -> str:
        return self.fill()

    @property
    def main_item(self) -> ProofItem:
        return self.proofs[self.main]

    def main_in(self, text: str) -> ProofItem:
        """The main hole's proof as ``text`` (the original with bodies replaced) has it."""
        return parse_document(text).proofs[self.main]

    def project(self, lone_folder: Path) -> CoqProject:
        if self.project_root is None:
            return CoqProject(root=lone_folder)
        return CoqProject(root=self.project_root, args=self.project_args)


def splice(text: str, bodies: dict[int, str]) -> str:
    """``text`` with the bodies (statement end through terminator) of some of its proofs replaced."""
    proofs = parse_document(text).proofs
    out, pos = [], 0
    for i in sorted(bodies):
        p = proofs[i]
        out += [text[pos : p.body_start], bodies[i]]
        pos = p.body_end
    out.append(text[pos:])
    return "".join(out)


def full_body(proof: str) -> str:
    """A corpus reference proof as a body: on its own lines, with ``Proof.`` and ``Qed.`` where it omits them."""
    body = proof.strip()
    if not re.match(r"Proof\b", body):
        body = "Proof.\n" + body
    if not re.search(r"\b(Qed|Defined)\s*\.\s*$", body):
        body += "\nQed."
    return "\n" + body


def corpus_sources() -> list[Source]:
    """A fixed sample of the bundled corpus's Coq tasks with reference proofs, the kinds of task taken in turn."""
    corpus = load_corpus("builtin")
    rng = random.Random(SAMPLE_SEED)
    shuffled = {}
    for kind in SAMPLE_ORDER:
        shuffled[kind] = sorted((t for t in corpus.tasks if t.kind == kind and t.prover == "coq" and t.reference_proof),
                                key=lambda t: t.id)
        rng.shuffle(shuffled[kind])
    out = []
    for n in range(SAMPLE_SIZE):
        task = shuffled[SAMPLE_ORDER[n % len(SAMPLE_ORDER)]][n // len(SAMPLE_ORDER)]
        path = corpus.path_of(task)
        original = path.read_bytes().decode("utf-8")
        index = next(i for i, p in enumerate(parse_document(original).proofs) if p.name == task.theorem)
        project = task_project(task, path)
        out.append(Source(task.id, original, {index: Hole(task.theorem, full_body(task.reference_proof))}, index,
                          path.name, project.root, project.args, REFERENCE_POLICY, (task.theorem,)))
    return out


# The files written like a real project's: each hole's honest body, and the bodies resting on
# something the audit must refuse, by kind.  Holes are listed in the order of the file; an
# admitted lemma not listed is a helper the original leaves admitted.
COUNTER = {
    "step_ne_0": Hole("step_ne_0", "\n  Proof using step_pos.\n    intro E.\n    rewrite E in step_pos.\n    inversion step_pos.\n  Qed.", {
        "proof_using_added": "\n  Proof using step_pos step_one.\n    rewrite step_one. discriminate.\n  Qed.",
        "proof_using_changed": "\n  Proof using step_one.\n    rewrite step_one. discriminate.\n  Qed.",
        "proof_using_dropped": "\n  Proof.\n    rewrite step_one. discriminate.\n  Qed.",
    }),
    "advance_le": Hole("advance_le", "\n  Proof using.\n    intros Hc. unfold advance.\n"
                       "    destruct (Nat.leb_spec (c + step) capacity) as [Hle | Hgt].\n"
                       "    - exact Hle.\n    - exact Hc.\n  Qed.", {
        "admitted_helper_same_file": "\n  Proof using.\n    intros Hc. apply le_todo.\n  Qed.",
    }),
    "θ_aux": Hole("θ_aux", "\n    intros c. apply Nat.add_comm.\n  Qed.", {
        "admitted_helper_in_section_let": "\n    intros c. apply Nat.le_antisymm; apply le_todo.\n  Qed.",
    }),
    "advance_mono": Hole("advance_mono", "\n  Proof.\n    unfold advance.\n    destruct (c + step <=? capacity) eqn:Hfits.\n"
                         "    + apply Nat.le_add_r.\n    + apply le_n.\n  Qed."),
    "size_sum_le": Hole("size_sum_le", "\n  Proof.\n    apply Nat.le_add_r.\n  Qed.", {
        "proof_using_all": "\n  Proof using All.\n    pose proof (size_pos b) as Hb.\n    apply Nat.le_add_r.\n  Qed.",
    }),
}
TABLE = {
    "bound_ne_0": Hole("bound_ne_0", "\n  Proof.\n    intro E.\n    pose proof bound_pos as Hpos.\n    rewrite E in Hpos.\n"
                       "    inversion Hpos.\n  Qed.", {
        "module_type_admitted_helper": "\n  Proof.\n    intro E.\n    pose proof (bound_todo 0) as Hpos.\n"
                                       "    rewrite E in Hpos.\n    inversion Hpos.\n  Qed.",
    }),
    "eqb_refl": Hole("eqb_refl", "\n  Proof.\n    intro k.\n    apply Nat.eqb_refl.\n  Qed.", {
        "sealed_hidden_admitted": "\n  Proof.\n    intro k.\n    apply eqb_spec_todo.\n    reflexivity.\n  Qed.",
    }),
    "ten_pos_or_zero": Hole("ten_pos_or_zero", "\nProof.\n  destruct Ten.bound as [|b].\n  - right. reflexivity.\n"
                            "  - left. apply Nat.lt_0_succ.\nQed.", {
        "sealed_export_admitted": "\nProof.\n  left.\n  exact Ten.bound_pos.\nQed.",
        "admitted_helper_same_file": "\nProof.\n  left.\n  rewrite ten_todo.\n  apply Nat.lt_0_succ.\nQed.",
    }),
    "find_add": Hole("find_add", "\n  Proof.\n    unfold add. simpl.\n    rewrite K.eqb_refl.\n    reflexivity.\n  Qed.", {
        "functor_admitted_helper": "\n  Proof.\n    apply find_todo.\n  Qed.",
    }),
    "find_nil": Hole("find_nil", "\n  Proof.\n    reflexivity.\n  Qed."),
}
LAYOUT = {
    "instance": Hole("(instance)", "\nProof.\n  constructor.\n  unfold default_width.\n  apply Nat.lt_0_succ.\nQed.", {
        "instance_admitted": "\nProof.\n  constructor.\n  apply lt_todo.\nQed.",
    }),
    "obligation": Hole("(obligation)", "\nProof.\n  intros n.\n  unfold default_width.\n  lia.\nQed.", {
        "obligation_admitted": "\nProof.\n  intros n.\n  apply lt_todo.\nQed.",
    }),
    "goal": Hole("(goal)", "\nProof.\n  intros n.\n  unfold default_width.\n  lia.\nQed.", {
        "goal_admitted": "\nProof.\n  intros n.\n  apply lt_todo.\nQed.",
    }),
    "width_gt_2": Hole("width_gt_2", "\nProof.\n  unfold default_width.\n  abstract lia.\nQed.", {
        "abstract_admitted": "\nProof.\n  abstract (apply lt_todo).\nQed.",
        "admitted_helper_same_file": "\nProof.\n  apply lt_todo.\nQed.",
        "admit_behind_ltac": "\nProof.\n  todo.\nQed.",
        "admit_behind_hint": "\nProof.\n  auto with layout.\nQed.",
    }),
    "sizes": Hole("sizes", "\nProof.\n  split.\n  - exact default_width.\n  - exact 8.\nDefined.", {
        "transparent_abstract_shadows_name": "\nProof.\n  split.\n  - exact default_width.\n"
                                             "  - transparent_abstract (exact 8) using pred.\nDefined.",
        "transparent_abstract_captures_generalized": "\nProof.\n  split.\n  - exact default_width.\n"
                                                     "  - transparent_abstract (exact 8) using W.\nDefined.",
    }),
    "sizes_fst": Hole("sizes_fst", "\nProof.\n  reflexivity.\nQed."),
    "sizes_snd_pos": Hole("sizes_snd_pos", "\nProof.\n  unfold sizes. simpl.\n  apply Nat.lt_0_succ.\nQed."),
}


UNNAMED = {"instance": "Instance", "obligation": "Next Obligation", "goal": "Goal"}  # key of a hole -> its keyword


def fixture_source(file_name: str, holes: dict[str, Hole], main: str, edits: dict[str, tuple[str, str]] | None = None,
                   variants: dict[str, tuple[str, str]] | None = None) -> Source:
    """A fixture file with its holes matched, in order, to the file's holes (by name, or by keyword where unnamed)."""
    original = (DATA / file_name).read_bytes().decode("utf-8")
    proofs = parse_document(original).proofs
    wanted = list(holes)
    found: dict[int, Hole] = {}
    for i, p in enumerate(proofs):
        if not wanted:
            break
        key = wanted[0]
        if p.name == key or (not p.name and UNNAMED.get(key) == p.keyword):
            found[i] = holes[wanted.pop(0)]
    assert not wanted, f"{file_name}: no hole for {wanted}"
    assert all(proofs[i].is_hole for i in found), file_name
    index = {h.label: i for i, h in found.items()}
    return Source(file_name, original, found, index[holes[main].label], file_name, edits=edits or {},
                  variants=variants or {})


def fixture_sources() -> list[Source]:
    return [
        fixture_source("Counter.v", COUNTER, "advance_mono"),
        fixture_source("Table.v", TABLE, "ten_pos_or_zero", variants={
            "module_type_include": ("  Parameter bound : nat.\n  Axiom bound_pos : 0 < bound.\n\n  Lemma bound_todo",
                                    "  Include BOUNDED.\n\n  Lemma bound_todo")}),
        fixture_source("Layout.v", LAYOUT, "width_gt_2", edits={
            "defined_body_changed": ("Definition default_width : nat.\nProof. exact 4. Defined.",
                                     "Definition default_width : nat.\nProof. exact 5. Defined."),
            "admit_obligations": ("Next Obligation." + LAYOUT["obligation"].honest, "Admit Obligations.")}, variants={
            "later_proof_computes_with_defined_hole": (
                "Lemma sizes_fst : fst sizes",
                "Lemma sizes_fst_computed : fst sizes = default_width.\nProof. reflexivity. Qed.\n\n"
                "Lemma sizes_fst : fst sizes")}),
    ]


SOURCES = {s.id: s for s in corpus_sources() + fixture_sources()}

# ------------------------------------------------------------------ bodies, pulled apart

BODY = re.compile(r"(?s)(?P<lead>\s*)(?P<opener>Proof\b[^.]*\.)?(?P<tactics>.*?)(?P<gap>\s*)"
                  r"(?P<end>Qed|Defined)\s*\.\s*$")


def parts(body: str) -> re.Match:
    m = BODY.fullmatch(body)
    assert m, body
    return m


def with_tactics_first(body: str, tactics: str) -> str:
    """``body`` with ``tactics`` (sentences) right after its opener."""
    m = parts(body)
    at = m.end("opener") if m.group("opener") else m.end("lead")
    return body[:at] + "\n  " + tactics + body[at:]


def with_tactics(body: str, tactics: str) -> str:
    """``body`` with its tactics replaced by ``tactics``, keeping opener and terminator."""
    m = parts(body)
    return body[: m.start("tactics")] + "\n  " + tactics + body[m.end("tactics") :]


def with_terminator(body: str, terminator: str) -> str:
    m = parts(body)
    return body[: m.start("end")] + terminator + body[m.end("end") :]


def statement_name(item: ProofItem) -> str | None:
    """The name a Lemma-like statement declares, if it is one."""
    m = re.match(r"\s*(Lemma|Theorem|Fact|Remark|Corollary|Proposition|Example)\s+(\S+?)(?=[\s(:{`])",
                 item.statement.text)
    return m.group(2) if m and m.group(2) == item.name else None


# ------------------------------------------------------------------ cheat transformations

Pair = tuple[str, str]  # (original, candidate)


def on_main(change: Callable[[str], str | None]) -> Callable[[Source], Pair | None]:
    """A cheat that changes the body of the source's main hole only."""

    def make(src: Source) -> Pair | None:
        body = change(src.holes[src.main].honest)
        return None if body is None else (src.original, src.fill({src.main: body}))

    return make


def before_main(prelude: str, tactics: str) -> Callable[[Source], Pair | None]:
    """A cheat that adds ``prelude`` as new text before the main hole's statement and proves it with ``tactics``."""

    def make(src: Source) -> Pair | None:
        text = src.fill({src.main: with_tactics(src.holes[src.main].honest, tactics)})
        start = src.main_in(text).statement.start
        return src.original, text[:start] + prelude + "\n" + text[start:]

    return make


def statement_weakened(src: Source) -> Pair | None:
    if statement_name(src.main_item) is None:
        return None
    text = src.fill({src.main: with_tactics(src.holes[src.main].honest, "destruct cheat_H.")})
    item = src.main_in(text)
    at = item.statement.start + item.statement.text.index(item.name) + len(item.name)
    return src.original, text[:at] + " (cheat_H : False)" + text[at:]


def statement_swapped(src: Source) -> Pair | None:
    name = statement_name(src.main_item)
    if name is None:
        return None
    text = src.fill({src.main: with_tactics(src.holes[src.main].honest, "exact I.")})
    item = src.main_in(text)
    keyword = item.statement.text.split()[0]
    return src.original, text[: item.statement.start] + f"{keyword} {name} : True." + text[item.statement.end :]


def abort_then_axiom(src: Source) -> Pair | None:
    item = src.main_item
    if statement_name(item) is None:
        return None
    axiom = "Axiom" + item.statement.text.strip()[len(item.statement.text.split()[0]):]
    return src.original, src.fill({src.main: "\nProof.\nAbort.\n" + axiom})


def lemma_added_after_target(src: Source) -> Pair:
    return src.original, src.fill({src.main: src.holes[src.main].honest + "\n\nLemma cheat_extra : True.\nProof. exact I. Qed."})


def definition_added_before_target(src: Source) -> Pair:
    at = src.main_in(src.honest).statement.start
    return src.original, src.honest[:at] + "Definition cheat_def := 0.\n" + src.honest[at:]


def complete_proof(src: Source) -> int | None:
    """A proof other than the holes that is complete in the original (its first, ending in ``Qed``)."""
    for i, p in enumerate(src.proofs):
        if i not in src.holes and not p.is_hole and p.terminator.text.strip().startswith("Qed"):
            return i
    return None


def complete_proof_changed(src: Source) -> Pair | None:
    i = complete_proof(src)
    if i is None:
        return None
    p = src.proofs[i]
    body = src.original[p.body_start : p.body_end]
    if parts(body).group("opener") is None:
        return None
    return src.original, splice(src.honest, {i: with_tactics_first(body, "idtac.")})


def from_hole_cheats(kind: str) -> Callable[[Source], Pair | None]:
    """A cheat written for this source: the body its hole lists under ``kind``."""

    def make(src: Source) -> Pair | None:
        for i, h in src.holes.items():
            if kind in h.cheats:
                return src.original, src.fill({i: h.cheats[kind]})
        return None

    return make


def from_edits(kind: str) -> Callable[[Source], Pair | None]:
    """A cheat written for this source: a change outside its holes."""

    def make(src: Source) -> Pair | None:
        if kind not in src.edits:
            return None
        old, new = src.edits[kind]
        honest = src.honest
        assert honest.count(old) == 1, (src.id, old)
        return src.original, honest.replace(old, new)

    return make


LOOP = "Fixpoint cheat_loop (n : nat) : False := cheat_loop n."
TEXT = {"parse_error", "outside_changed", "statement_changed", "proofs_added_or_removed", "vernacular_in_body",
        "admit_in_body", "bad_terminator", "incomplete"}  # what the text alone shows
VERNACULAR = {"vernacular_in_body"}
ADMITTED = {"admitted_dependency"}

#: kind -> (transformation, the reasons that refuse it).
CHEATS: dict[str, tuple[Callable[[Source], Pair | None], set[str]]] = {
    "terminator_admitted": (on_main(lambda b: with_terminator(b, "Admitted")), {"admit_in_body", "incomplete", "bad_terminator"}),
    "terminator_abort": (on_main(lambda b: with_terminator(b, "Abort")), TEXT),
    "admit_in_body": (on_main(lambda b: with_tactics_first(b, "admit.")), {"admit_in_body"}),
    "give_up_in_body": (on_main(lambda b: with_tactics_first(b, "give_up.")), {"admit_in_body"}),
    "admit_behind_ltac_in_body": (on_main(lambda b: with_tactics(b, "Ltac cheat := admit.\n  cheat.")),
                                  VERNACULAR | {"admit_in_body"}),
    "admit_behind_hint_in_body": (on_main(lambda b: with_tactics(b, "#[local] Hint Extern 0 => admit : core.\n  auto.")),
                                  VERNACULAR | {"admit_in_body"}),
    "defined_for_qed": (on_main(lambda b: with_terminator(b, "Defined") if parts(b).group("end") == "Qed" else None),
                        {"bad_terminator"}),
    "axiom_in_body": (on_main(lambda b: with_tactics(b, "Axiom cheat : forall P : Prop, P.\n  apply cheat.")), VERNACULAR),
    "axiom_before_target": (before_main("Axiom cheat : forall P : Prop, P.", "apply cheat."),
                            {"outside_changed", "proofs_added_or_removed"}),
    "require_admit_axiom_in_body": (on_main(lambda b: with_tactics(
        b, "From Coq Require Import Compat.AdmitAxiom.\n  destruct proof_admitted.")), VERNACULAR),
    "require_admit_axiom_before_target": (before_main("From Coq Require Import Compat.AdmitAxiom.",
                                                      "destruct proof_admitted."), {"outside_changed"}),
    "guard_unset_in_body": (on_main(lambda b: with_tactics_first(b, "Unset Guard Checking.")), VERNACULAR),
    "guard_unset_before_target": (before_main(f"Unset Guard Checking.\n{LOOP}\nSet Guard Checking.",
                                              "destruct (cheat_loop 0)."), {"outside_changed", "proofs_added_or_removed"}),
    "bypass_guard_before_target": (before_main(f"#[bypass_check(guard)] {LOOP}", "destruct (cheat_loop 0)."),
                                   {"outside_changed", "proofs_added_or_removed"}),
    "positivity_unset_in_body": (on_main(lambda b: with_tactics_first(b, "Unset Positivity Checking.")), VERNACULAR),
    "redirect_in_body": (on_main(lambda b: with_tactics_first(b, 'Redirect "cheat_out" Print nat.')), VERNACULAR),
    "load_in_body": (on_main(lambda b: with_tactics_first(b, 'Load "cheat".')), VERNACULAR),
    "extraction_in_body": (on_main(lambda b: with_tactics_first(b, 'Extraction "cheat.ml" nat.')), VERNACULAR),
    "declare_ml_module_in_body": (on_main(lambda b: with_tactics_first(b, 'Declare ML Module "cheat_plugin".')), VERNACULAR),
    "cd_in_body": (on_main(lambda b: with_tactics_first(b, 'Cd "/tmp".')), VERNACULAR),
    "statement_weakened": (statement_weakened, {"statement_changed"}),
    "statement_swapped": (statement_swapped, {"statement_changed"}),
    "abort_then_axiom": (abort_then_axiom, TEXT),
    "lemma_added_after_target": (lemma_added_after_target, {"proofs_added_or_removed", "outside_changed"}),
    "definition_added_before_target": (definition_added_before_target, {"outside_changed", "proofs_added_or_removed"}),
    "complete_proof_changed": (complete_proof_changed, {"not_a_target"}),
    "defined_body_changed": (from_edits("defined_body_changed"), {"not_a_target"}),
    "admit_obligations": (from_edits("admit_obligations"), {"proofs_added_or_removed", "outside_changed"}),
    "proof_using_added": (from_hole_cheats("proof_using_added"), {"statement_changed"}),
    "proof_using_changed": (from_hole_cheats("proof_using_changed"), {"statement_changed"}),
    "proof_using_dropped": (from_hole_cheats("proof_using_dropped"), {"statement_changed"}),
    "proof_using_all": (from_hole_cheats("proof_using_all"), {"statement_changed"}),
    "admitted_helper_same_file": (from_hole_cheats("admitted_helper_same_file"), ADMITTED),
    "admitted_helper_in_section_let": (from_hole_cheats("admitted_helper_in_section_let"), ADMITTED),
    "sealed_hidden_admitted": (from_hole_cheats("sealed_hidden_admitted"), ADMITTED),
    "sealed_export_admitted": (from_hole_cheats("sealed_export_admitted"), ADMITTED),
    "functor_admitted_helper": (from_hole_cheats("functor_admitted_helper"), ADMITTED),
    "module_type_admitted_helper": (from_hole_cheats("module_type_admitted_helper"), ADMITTED),
    "instance_admitted": (from_hole_cheats("instance_admitted"), ADMITTED),
    "obligation_admitted": (from_hole_cheats("obligation_admitted"), ADMITTED),
    "goal_admitted": (from_hole_cheats("goal_admitted"), ADMITTED),
    "abstract_admitted": (from_hole_cheats("abstract_admitted"), ADMITTED),
    "admit_behind_ltac": (from_hole_cheats("admit_behind_ltac"), {"compile_failed", "admit_in_body"}),
    "admit_behind_hint": (from_hole_cheats("admit_behind_hint"), {"compile_failed", "admit_in_body"}),
    "transparent_abstract_shadows_name": (from_hole_cheats("transparent_abstract_shadows_name"),
                                          {"global_name_added", "elaboration_changed"}),
    "transparent_abstract_captures_generalized": (from_hole_cheats("transparent_abstract_captures_generalized"),
                                                  {"elaboration_changed", "global_name_added"}),
}

# ------------------------------------------------------------------ honest transformations

ID = r"(?:[^\W\d]|_)[\w']*"
WORD = re.compile(rf"(?<![\w'.]){ID}")


def _pattern_end(body: str, i: int) -> int:
    """Where the intro pattern that starts at ``i`` ends: a sentence end, ``;`` or ``|`` outside brackets, or a closing bracket."""
    depth = 0
    while i < len(body):
        c = body[i]
        if c in "[(":
            depth += 1
        elif c in "])":
            if depth == 0:
                return i
            depth -= 1
        elif depth == 0 and (c in ";|" or (c == "." and (i + 1 == len(body) or body[i + 1].isspace()))):
            return i
        i += 1
    return i


def bound_names(body: str) -> dict[str, list[int]]:
    """The names a proof body binds (intro patterns, ``as``, ``eqn:``, ``assert (H : …)``) -> where."""
    spans: list[tuple[int, int]] = []
    for m in re.finditer(r"\b(?:intros?|as)\b(?!\s+until\b)", body):
        start = m.end()
        if "%" in body[start : _pattern_end(body, start)]:
            continue
        end = _pattern_end(body, start)
        if m.group(0) == "as":  # one pattern: a name, or brackets up to the one that closes them
            lead = re.match(r"\s*", body[start:]).end()
            if body[start + lead : start + lead + 1] in ("[", "("):
                depth, end = 0, start + lead
                for end in range(start + lead, len(body)):
                    depth += {"[": 1, "(": 1, "]": -1, ")": -1}.get(body[end], 0)
                    if depth == 0:
                        break
            else:
                w = re.match(rf"\s*{ID}", body[start:])
                end = start + w.end() if w else start
        spans.append((start, end))
    for m in re.finditer(rf"\beqn\s*:\s*({ID})|\b(?:assert|pose|set|enough)\s*\(\s*({ID})\s*:=?", body):
        g = 1 if m.group(1) else 2
        spans.append((m.start(g), m.end(g)))
    out: dict[str, list[int]] = {}
    for s, e in spans:
        for w in WORD.finditer(body, s, e):
            if w.group(0) != "_":
                out.setdefault(w.group(0), []).append(w.start())
    return out


def renamed(src: Source, text_of: Callable[[str], str]) -> Pair | None:
    """Every hole's body with the names it binds renamed by ``text_of``, where that is safe to do consistently."""
    words_in_file = set(WORD.findall(src.honest))
    bodies = {}
    for i, h in src.holes.items():
        body = h.honest
        bound = bound_names(body)
        words = [w.group(0) for w in WORD.finditer(body)]
        firsts = {}
        for w in WORD.finditer(body):
            firsts.setdefault(w.group(0), w.start())
        names = set()
        for n, where in bound.items():
            derived = [w for w in words if w != n and w not in bound and re.fullmatch(rf"(?:IH|H|Heq|E)?{re.escape(n)}\d*'*", w)]
            named_argument = any(m.start(1) not in where for m in re.finditer(rf"\(\s*({re.escape(n)})\s*:=", body))
            if firsts[n] in where and not derived and not named_argument and text_of(n) not in words_in_file:
                names.add(n)
        if names:
            bodies[i] = WORD.sub(lambda w: text_of(w.group(0)) if w.group(0) in names else w.group(0), body)
    return (src.original, src.fill(bodies)) if bodies else None


def on_bodies(change: Callable[[str], str]) -> Callable[[Source], Pair | None]:
    """An honest change of every hole's body; not for this source if it changes none."""

    def make(src: Source) -> Pair | None:
        bodies = {i: change(h.honest) for i, h in src.holes.items()}
        bodies = {i: b for i, b in bodies.items() if b != src.holes[i].honest}
        return (src.original, src.fill(bodies)) if bodies else None

    return make


def with_comments(body: str) -> str:
    m = parts(body)
    at = m.end("opener") if m.group("opener") else m.end("lead")
    body = body[:at] + " (* Qed. *) " + body[at:]
    m = parts(body)
    return body[: m.start("gap")] + '\n  (* Admitted. Abort. "Qed. *)" Admitted. *)' + body[m.start("gap") :]


def with_tabs(body: str) -> str:
    return re.sub(r"(?m)^( +)", lambda m: "\t" * max(1, len(m.group(1)) // 2), body)


def bare_proof_toggled(body: str) -> str:
    m = parts(body)
    if m.group("opener") == "Proof.":
        return body[: m.start("opener")].rstrip(" \t") + body[m.end("opener") :]
    if m.group("opener") is None:
        return body[: m.end("lead")] + "Proof.\n" + m.group("lead").lstrip("\n") + body[m.end("lead") :]
    return body


def bullets_restyled(body: str) -> str:
    swap = str.maketrans({"-": "+", "+": "*", "*": "-"})
    return re.sub(r"(?m)^([ \t]*)([-+*]+)(?=\s)", lambda m: m.group(1) + m.group(2).translate(swap), body)


def from_variants(kind: str) -> Callable[[Source], Pair | None]:
    """An honest change written for this source: the same edit of the original and of the honest candidate."""

    def make(src: Source) -> Pair | None:
        if kind not in src.variants:
            return None
        old, new = src.variants[kind]
        assert src.original.count(old) == 1 and src.honest.count(old) == 1, (src.id, old)
        return src.original.replace(old, new), src.honest.replace(old, new)

    return make


def syntax_error_mended(src: Source) -> Pair:
    """The original's main proof broken by a syntax error (a forgotten pair of parentheses), the candidate mends it."""
    broken = with_tactics(src.holes[src.main].honest, "exact eq_refl 1.")
    return splice(src.original, {src.main: broken}), src.honest


def whole_texts(change: Callable[[str], str]) -> Callable[[Source], Pair]:
    return lambda src: (change(src.original), change(src.honest))


HONEST: dict[str, Callable[[Source], Pair | None]] = {
    "reference": lambda src: (src.original, src.honest),
    "renamed_hypotheses": lambda src: renamed(src, lambda n: n + "'"),
    "unicode_hypotheses": lambda src: renamed(src, lambda n: "θ_" + n),
    "comments_with_terminators": on_bodies(with_comments),
    "crlf_line_ends": whole_texts(lambda t: t.replace("\n", "\r\n")),
    "byte_order_mark": whole_texts(lambda t: "\ufeff" + t),
    "tab_indentation": on_bodies(with_tabs),
    "bare_proof_toggled": on_bodies(bare_proof_toggled),
    "bullets_restyled": on_bodies(bullets_restyled),
    "syntax_error_mended": syntax_error_mended,
    "module_type_include": from_variants("module_type_include"),
    "later_proof_computes_with_defined_hole": from_variants("later_proof_computes_with_defined_hole"),
}

# ------------------------------------------------------------------ the cases

#: (source, kind) -> why the audit gets it wrong today; each is an expected failure until the audit is fixed.
KNOWN_WRONG: dict[tuple[str, str], str] = {}


def params(table: dict) -> list:
    out = []
    for kind, entry in table.items():
        make = entry[0] if isinstance(entry, tuple) else entry
        for sid, src in SOURCES.items():
            if make(src) is not None:
                why = KNOWN_WRONG.get((sid, kind))
                marks = [pytest.mark.xfail(strict=True, reason=why)] if why else []
                out.append(pytest.param(sid, kind, id=f"{sid}:{kind}", marks=marks))
    return out


@pytest.fixture(scope="module")
def lone_folder(tmp_path_factory) -> Path:
    """The folder of the lone files: one for all their cases, as one user's, so that each reference compiles once."""
    return tmp_path_factory.mktemp("lone")


def verdict(src: Source, original: str, candidate: str, folder: Path):
    return audit(candidate, original, src.project(folder), src.file_name, LIMITS, src.policy, targets=src.targets)


@needs_coq
@pytest.mark.parametrize(("source", "kind"), params(CHEATS))
def test_cheat_is_refused(source, kind, lone_folder):
    src = SOURCES[source]
    make, reasons = CHEATS[kind]
    original, candidate = make(src)
    assert candidate not in (original, src.honest)
    v = verdict(src, original, candidate, lone_folder)
    assert not v.accepted, f"{kind} accepted on {source}"
    assert reasons & set(v.reasons), [str(f) for f in v.findings]


@needs_coq
@pytest.mark.parametrize(("source", "kind"), params(HONEST))
def test_honest_transformation_is_accepted(source, kind, lone_folder):
    src = SOURCES[source]
    original, candidate = HONEST[kind](src)
    assert kind == "reference" or (original, candidate) != (src.original, src.honest)
    v = verdict(src, original, candidate, lone_folder)
    assert v.accepted, [str(f) for f in v.findings]


# ------------------------------------------------------------------ the generator itself


def test_every_kind_has_a_case_and_is_listed():
    assert len(CHEATS) >= 12
    doc = __doc__ or ""
    for table in (CHEATS, HONEST):
        for kind, entry in table.items():
            make = entry[0] if isinstance(entry, tuple) else entry
            assert any(make(src) is not None for src in SOURCES.values()), f"{kind} applies to no source"
            assert re.search(rf"\b{kind}\b", doc), f"{kind} is not listed in the docstring"
    assert set(KNOWN_WRONG) <= {(p.values[0], p.values[1]) for p in params(CHEATS) + params(HONEST)}


def test_sample_is_fixed_and_covers_every_kind_of_task():
    corpus = [s for s in SOURCES.values() if s.targets]
    assert [s.id for s in corpus] == [s.id for s in corpus_sources()]
    assert {s.id.split("/")[0] for s in corpus} == set(KINDS) == set(SAMPLE_ORDER)
    assert len(corpus) == SAMPLE_SIZE
    assert any(not s.proofs[s.main].is_hole for s in corpus)  # a broken proof to mend, not only holes


@needs_coq
@pytest.mark.parametrize("kind", ["proof_using_added", "proof_using_changed", "proof_using_dropped", "proof_using_all"])
def test_opener_cheats_are_proofs_coq_accepts(kind, tmp_path):
    """The text rules refuse these before anything compiles: Coq itself accepts each, a weaker theorem once the section closes."""
    src = SOURCES["Counter.v"]
    _, candidate = CHEATS[kind][0](src)
    (tmp_path / src.file_name).write_text(candidate, encoding="utf-8")
    done = subprocess.run(["coqc", "-q", src.file_name], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr


def test_renaming_is_consistent():
    body = ("\nProof.\n  induction l as [|x l IH]; intros k Hk.\n  - destruct k eqn:E; simpl.\n    + exact Hk.\n"
            "  - assert (Hx : x = x) by reflexivity. apply IH.\n  - destruct (rev l) as [|z w] eqn:Ez. reflexivity.\nQed.")
    src = Source("t", "Lemma t : True.\nProof.\nAdmitted.\n", {0: Hole("t", body)}, 0, "t.v")
    _, text = renamed(src, lambda n: n + "'")
    assert "induction l as [|x' l IH']; intros k' Hk'." in text  # l first appears before it is bound: kept
    assert "destruct k' eqn:E'" in text and "as [|z' w'] eqn:Ez'." in text and "exact Hk'." in text and "assert (Hx' : x' = x')" in text
