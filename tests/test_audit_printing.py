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
