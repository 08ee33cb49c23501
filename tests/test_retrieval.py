"""Choosing definitions and lemmas for a prompt; finding what is in scope."""

from __future__ import annotations

from proofmend.agent.proposers.retrieval import estimate_tokens, identifier_pieces, retrieve, scope_items

PREFIX = """(* A small file *)
Require Import List Arith.
Import ListNotations.

Inductive tree : Type :=
| Leaf
| Node (l : tree) (v : nat) (r : tree).

Fixpoint size (t : tree) : nat :=
  match t with
  | Leaf => 0
  | Node l _ r => size l + 1 + size r
  end.

Fixpoint mirror (t : tree) : tree :=
  match t with Leaf => Leaf | Node l v r => Node (mirror r) v (mirror l) end.

Definition leafy (t : tree) : bool := match t with Leaf => true | _ => false end.

Record point := mk { px : nat; py : nat }.

Lemma size_mirror : forall t, size (mirror t) = size t.
Proof. induction t; simpl; lia. Qed.

Lemma add_comm_size : forall a b : tree, size a + size b = size b + size a.
Proof. intros. apply Nat.add_comm. Qed.

Theorem unproved_thing : forall t, leafy t = true -> t = Leaf.
Proof. Admitted.

Lemma app_nil_r' : forall (A : Type) (l : list A), l ++ [] = l.
Proof.
  intros A l. induction l as [|x l IH]; simpl.
  - reflexivity.
  - rewrite IH. reflexivity.
Qed.

Module M.
  Definition twice (n : nat) := n + n.
  Lemma twice_double : forall n, twice n = 2 * n.
  Proof. intros; unfold twice; lia. Qed.
End M.
"""


def test_scope_items_lists_definitions_and_proved_lemmas():
    items = scope_items(PREFIX)
    names = [(kind, name) for kind, name, _ in items]
    assert names == [
        ("Inductive", "tree"),
        ("Fixpoint", "size"),
        ("Fixpoint", "mirror"),
        ("Definition", "leafy"),
        ("Record", "point"),
        ("Lemma", "size_mirror"),
        ("Lemma", "add_comm_size"),
        ("Lemma", "app_nil_r'"),
        ("Definition", "twice"),
        ("Lemma", "twice_double"),
    ]
    text = dict((name, text) for _, name, text in items)
    assert text["size_mirror"] == "Lemma size_mirror : forall t, size (mirror t) = size t."  # statement only
    assert text["size"].startswith("Fixpoint size") and text["size"].endswith("end.")
    assert "unproved_thing" not in text  # Admitted: would not pass the audit


def test_scope_items_of_unsplittable_text_is_empty():
    assert scope_items("Definition x := 1. (* unclosed") == []
    assert scope_items("") == []


def test_identifier_pieces_split_snake_and_camel_case():
    toks = identifier_pieces("rev_app_distr NoDup Nat.add_comm forall (x : list nat)")
    assert {"rev_app_distr", "rev", "app", "distr", "nodup", "no", "dup", "add", "comm", "list", "nat"} <= set(toks)
    assert "forall" not in toks and "x" not in toks
    assert {"app", "le", "add", "cons"} <= set(identifier_pieces("a ++ b <= c + d :: e"))
    assert identifier_pieces("(* ++ *) x -> y") == []
    assert identifier_pieces("match t with Leaf => 0 | _ => 1 end") == ["leaf"]


def _candidates() -> list[tuple[str, str]]:
    return [(name, text) for _, name, text in scope_items(PREFIX)]


def test_definitions_the_statement_mentions_and_one_level_deeper():
    statement = "Lemma size_mirror_mirror : forall t, size (mirror (mirror t)) = size t."
    defs, _ = retrieve(statement, "", _candidates())
    heads = [d.split()[1] for d in defs]
    assert heads[:2] == ["size", "mirror"]  # named by the statement
    assert "tree" in heads  # named by size and mirror
    assert "leafy" not in heads and "point" not in heads


def test_constructors_and_fields_name_their_type():
    defs, _ = retrieve("Lemma l1 : forall p, px p + py p = py p + px p.", "", _candidates())
    assert [d.split()[1] for d in defs] == ["point"]
    defs, _ = retrieve("Lemma l2 : size Leaf = 0.", "", _candidates())
    assert sorted(d.split()[1] for d in defs) == ["size", "tree"]


def test_lemmas_ranked_by_relevance():
    statement = "Lemma size_mirror_twice : forall t, size (mirror (mirror t)) = size t."
    _, lemmas = retrieve(statement, "", _candidates())
    assert lemmas[0].startswith("Lemma size_mirror ")
    assert any(lemma.startswith("Lemma add_comm_size") for lemma in lemmas)
    assert not any("app_nil_r'" in lemma for lemma in lemmas)  # nothing in common


def test_search_output_lines_are_lemmas():
    candidates = _candidates() + [
        ("rev_involutive", "rev_involutive: forall (A : Type) (l : list A), rev (rev l) = l"),
        ("rev_app_distr", "rev_app_distr: forall (A : Type) (x y : list A), rev (x ++ y) = rev y ++ rev x"),
    ]
    _, lemmas = retrieve("Lemma r : forall (l m : list nat), rev (l ++ m) = rev m ++ rev l.", "", candidates)
    assert lemmas[0].startswith("rev_app_distr")


def test_the_statement_itself_is_not_retrieved():
    statement = "Lemma size_mirror : forall t, size (mirror t) = size t."
    _, lemmas = retrieve(statement, "", _candidates())
    assert statement not in lemmas


def test_budget_is_respected():
    statement = "Lemma size_mirror_twice : forall t, size (mirror (mirror t)) = size t."
    for budget in (0, 20, 60, 120, 1500):
        defs, lemmas = retrieve(statement, "", _candidates(), budget_tokens=budget)
        assert sum(estimate_tokens(t) for t in defs + lemmas) <= budget
    assert retrieve(statement, "", _candidates(), budget_tokens=0) == ([], [])
    small_defs, small_lemmas = retrieve(statement, "", _candidates(), budget_tokens=60)
    assert small_defs  # definitions come first


def test_items_shown_in_the_local_context_are_not_repeated():
    statement = "Lemma size_mirror_twice : forall t, size (mirror (mirror t)) = size t."
    local = PREFIX[PREFIX.index("Fixpoint mirror") :]
    defs, lemmas = retrieve(statement, local, _candidates())
    heads = [d.split()[1] for d in defs]
    assert "size" in heads and "mirror" not in heads
    assert not any(lemma.startswith("Lemma size_mirror ") for lemma in lemmas)


def test_no_candidates():
    assert retrieve("Lemma x : True.", "", []) == ([], [])
