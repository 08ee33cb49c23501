"""make-equivalence on small pairs of files (real coqc)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from proofmend.evals.cli import app
from proofmend.evals.equivalence import parse_binders
from proofmend.evals.schema import load_corpus
from proofmend.provers.coq.check import check_file

from .conftest import needs_coq

OLD = """From Coq Require Import List Arith.
Import ListNotations.

Inductive expr : Type :=
| Num (n : nat)
| Plus (a b : expr).

Fixpoint sum_list (l : list nat) : nat :=
  match l with [] => 0 | x :: t => x + sum_list t end.

Fixpoint eval (e : expr) : nat :=
  match e with
  | Num n => n
  | Plus a b => eval a + eval b
  end.

Definition total (l : list nat) (k : nat) : nat := sum_list l + k.

Definition scale x y := x * y + 0.
"""

NEW = """From Coq Require Import List Arith.
Import ListNotations.

Inductive expr : Type :=
| Num (n : nat)
| Plus (a b : expr).

Fixpoint sum_list (acc : nat) (l : list nat) : nat :=
  match l with [] => acc | x :: t => sum_list (acc + x) t end.

Fixpoint eval_acc (e : expr) (acc : nat) : nat :=
  match e with
  | Num n => n + acc
  | Plus a b => eval_acc a (eval_acc b acc)
  end.

Definition eval (e : expr) : nat := eval_acc e 0.

Definition total (l : list nat) : nat -> nat := fun k => sum_list k l.

Definition scale x y := y * x.
"""


def test_binders():
    assert parse_binders("(x y : nat) (l : list (nat * nat)) {struct l} : bool") == (
        [("x", "nat"), ("y", "nat"), ("l", "list (nat * nat)")], "bool")
    assert parse_binders("x (y : nat)") == ([("x", None), ("y", "nat")], None)


@needs_coq
def test_make_equivalence_writes_compiling_tasks(write, tmp_path):
    old, new = write("old.v", OLD), write("new.v", NEW)
    out = tmp_path / "corpus"
    runner = CliRunner()
    for fn in ("eval", "total", "scale"):
        result = runner.invoke(app, ["make-equivalence", str(old), str(new), fn, "--out", str(out)])
        assert result.exit_code == 0, result.output
    corpus = load_corpus(out)
    assert [t.id for t in corpus.tasks] == ["equivalence/eval_equiv", "equivalence/total_equiv", "equivalence/scale_equiv"]
    texts = {t.theorem: corpus.path_of(t).read_text() for t in corpus.tasks}
    # the shared inductive is defined once; the differing helper is renamed with the function
    ev = texts["eval_equiv"]
    assert ev.count("Inductive expr") == 1 and "Fixpoint eval_old (e : expr)" in ev
    assert "Theorem eval_equiv : forall (e : expr), eval_old e = eval e." in ev
    tot = texts["total_equiv"]
    assert "Fixpoint sum_list_old (l : list nat)" in tot and "sum_list_old l + k" in tot
    assert "forall (l : list nat) (x1 : nat), total_old l x1 = total l x1." in tot  # arrow in the result type
    assert "forall (x : nat) (y : nat), scale_old x y = scale x y." in texts["scale_equiv"]  # types from Check
    for t in corpus.tasks:
        res = check_file(corpus.path_of(t))
        assert res.compiled and [h.theorem for h in res.holes] == [t.theorem]
        assert t.kind == "equivalence" and t.reference_proof is None
    # a rerun replaces the line instead of adding one
    runner.invoke(app, ["make-equivalence", str(old), str(new), "eval", "--out", str(out)])
    lines = (out / "tasks.jsonl").read_text().splitlines()
    assert len(lines) == 3 and len({json.loads(ln)["id"] for ln in lines}) == 3


@needs_coq
def test_make_equivalence_input_errors(write, tmp_path):
    old, new = write("old.v", OLD), write("new.v", NEW)
    result = CliRunner().invoke(app, ["make-equivalence", str(old), str(new), "nothing", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "no Definition or Fixpoint named 'nothing'" in result.output
    imp = write("imp.v", "Definition idf {A : Type} (x : A) : A := x.\n")
    result = CliRunner().invoke(app, ["make-equivalence", str(imp), str(imp), "idf", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "implicit binders are not supported" in result.output
