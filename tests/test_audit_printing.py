"""The audit compares what Coq prints of a transparent body with the reference's.  Coq breaks its lines
where the names' lengths put them — and the reference's names print longer (``ProofmendRef.U.f`` against
``U.f``) — sometimes just inside a bracket, ``( e, 1)``: that must not make the same body differ
(real coqc, coqidetop)."""

from __future__ import annotations

from proofmend.provers.coq.account import PREFIX, REF_PREFIX, compile_module, open_accounts
from proofmend.provers.coq.project import CoqProject
from proofmend.provers.limits import Limits

from .conftest import needs_coq

pytestmark = needs_coq


def text(k: int) -> str:
    f = "f" * k
    body = "\n".join(
        f"Definition body{i} := fun e : nat => {f} (e, {i}) ({f} (e, 1) (S e, 2), {f} (e, 3) (e, {f} (e, 4) (e, 5)))."
        for i in range(6))
    return f"Definition {f} (a b : nat * nat) := fst a + snd b.\n{body}\n"


def test_the_same_body_prints_alike_in_the_candidate_and_the_reference(tmp_path):
    limits = Limits(timeout_s=120)
    broke_inside = 0
    for k in (8, 14, 20, 26, 32):
        src = text(k)
        folder = tmp_path / f"k{k}"
        project = CoqProject(folder)
        ref = compile_module(project, src, "U", folder / "ref", limits, REF_PREFIX)
        assert ref.rc == 0, ref.output
        cand, acc_r, _ = open_accounts(ref, lambda: compile_module(project, src, "U", folder / "cand", limits), limits)
        try:
            assert cand is not None
            for i in range(6):
                name = f"{PREFIX}.U.body{i}"
                raw = " ".join(acc_r.queries.ask_text(f"Print {acc_r.real(name)}.").split())
                broke_inside += "( e" in raw
                assert cand.print(name) == acc_r.print(name), (k, i)
        finally:
            cand.close() if cand is not None else acc_r.close()
    assert broke_inside  # some of these lines did break just inside a bracket


def test_spacing_after_a_named_arguments_colon_equals_is_layout():
    # tarjan's symconnect_equiv_rel printed "(R:=extra.symconnect …)" in one module and, its line broken just
    # after ":=" because the names printed longer, "(R:= extra.symconnect …)" in the other: the honest
    # acyclic_rev was refused elaboration_changed. The spacing is dropped there and only there.
    from proofmend.provers.coq.account import _bracket_spacing

    one = "acyclic.equivalence_rel_sym (R:=extra.symconnect (V:=V) g) (extra.symconnect_equiv (V:=V) g)"
    broken = "acyclic.equivalence_rel_sym (R:= extra.symconnect (V:= V) g) ( extra.symconnect_equiv (V:=V) g )"
    assert _bracket_spacing(broken) == _bracket_spacing(one) == one
    # a let or a record field keeps its spacing, and different terms stay different
    assert _bracket_spacing("let x := y in x") == "let x := y in x"
    assert _bracket_spacing("(R:= f x)") != _bracket_spacing("(R:=f) x")
