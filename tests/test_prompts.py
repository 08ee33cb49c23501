"""Every template rendered in every context that uses it; error cleaning."""

from __future__ import annotations

import itertools

import jinja2
import pytest

from proofmend.agent.proposers.prompting import (
    DRAFT_KEYS,
    REPAIR_KEYS,
    STEP_KEYS,
    clean_error,
    messages_for_draft,
    messages_for_repair,
    messages_for_step,
)
from proofmend.prompts import render, template_names

STATEMENT = "Lemma rev_length' : forall (A : Type) (l : list A), length (rev l) = length l."
#: Lines of a change map (``ChangeMap.lines``) as the repair hands them to a model.
CHANGES = ["`app_len` was renamed `app_length` (lemma; same statement)",
           "`rev_app` was restated: it was `forall l l' : list A, rev (l ++ l') = rev l' ++ rev l`, it is "
           "`forall l' l : list A, rev (l ++ l') = rev l' ++ rev l`; where the old one was called `rev_app l l'`, "
           "write `rev_app l' l`"]


def draft_ctx(*, stale: bool, definitions: bool, lemmas: bool, hints: bool = False, prover: str = "coq",
              changes: bool = False) -> dict:
    return {
        "prover": prover,
        "file": "theories/Lists.v",
        "theorem": "rev_length'",
        "statement": STATEMENT,
        "local_context": "Require Import List.\nImport ListNotations.",
        "definitions": ["Fixpoint rev {A} (l : list A) : list A := ..."] if definitions else [],
        "lemmas": ["Lemma app_length : forall A (l l' : list A), length (l ++ l') = length l + length l'."]
        if lemmas
        else [],
        "stale_proof": "intros. induction l; simpl; auto. rewrite app_length_old." if stale else None,
        "changes": CHANGES if changes else [],
        "hints": ["try induction on l"] if hints else [],
    }


def repair_ctx(*, goals: bool, prefix: bool, cont: bool, **draft) -> dict:
    return draft_ctx(**draft) | {
        "attempt": "intros A l. induction l. reflexivity. simpl. rewrite app_lenght.",
        "error": "The reference app_lenght was not found in the current environment.",
        "error_location": "line 1, at `rewrite app_lenght`",
        "goals": "A : Type\nl : list A\n==============================\nlength (rev l ++ [a]) = S (length l)"
        if goals
        else "",
        "checked_prefix": "intros A l. induction l. reflexivity. simpl." if prefix else "",
        "continue_from_prefix": cont,
    }


def _check_rendered(messages: list[dict]) -> None:
    assert [m["role"] for m in messages] == ["system", "user"]
    for m in messages:
        text = m["content"]
        assert text.strip()
        assert "None" not in text and "{{" not in text and "{%" not in text
        assert "\n\n\n" not in text
        fences = [line for line in text.splitlines() if line.startswith("```")]
        assert len(fences) % 2 == 0  # every fenced block is closed


FLAGS = list(itertools.product([False, True], repeat=3))


@pytest.mark.parametrize("changes", [False, True])
@pytest.mark.parametrize("stale,definitions,lemmas", FLAGS)
def test_draft_renders(stale, definitions, lemmas, changes):
    ctx = draft_ctx(stale=stale, definitions=definitions, lemmas=lemmas, hints=stale, changes=changes)
    messages = messages_for_draft(ctx)
    _check_rendered(messages)
    system, user = messages[0]["content"], messages[1]["content"]
    assert "```coq" in system and "Admitted" in system
    assert STATEMENT in user and "theories/Lists.v" in user and "Import ListNotations." in user
    assert ("app_length_old" in user) == stale
    assert ("Fixpoint rev" in user) == definitions
    assert ("Lemma app_length" in user) == lemmas
    assert ("try induction on l" in user) == stale
    assert ("What the change did" in user) == changes
    assert all((f"- {line}" in user) == changes for line in CHANGES)


@pytest.mark.parametrize("goals,prefix,cont", list(itertools.product([False, True], repeat=3)))
@pytest.mark.parametrize("stale,definitions,lemmas,changes", [(False, False, False, False), (True, True, True, True),
                                                              (True, False, False, True)])
def test_repair_renders(goals, prefix, cont, stale, definitions, lemmas, changes):
    ctx = repair_ctx(goals=goals, prefix=prefix, cont=cont, stale=stale, definitions=definitions, lemmas=lemmas,
                     changes=changes)
    messages = messages_for_repair(ctx)
    _check_rendered(messages)
    user = messages[1]["content"]
    assert "rewrite app_lenght." in user and "was not found" in user
    assert "line 1, at `rewrite app_lenght`" in user
    assert ("length (rev l ++ [a])" in user) == goals
    assert ("checked" in user) == prefix
    assert ("only the tactics that come after it" in user) == (prefix and cont)
    assert ("whole corrected proof" in user) == (not (prefix and cont))
    assert ("`rev_app l l'`, write `rev_app l' l`" in user) == changes


def test_lean_system_prompt():
    messages = messages_for_draft(draft_ctx(stale=False, definitions=False, lemmas=False, prover="lean"))
    _check_rendered(messages)
    assert "```lean" in messages[0]["content"] and "sorry" in messages[0]["content"]


@pytest.mark.parametrize("key", DRAFT_KEYS)
def test_draft_missing_key_is_an_error(key):
    ctx = draft_ctx(stale=True, definitions=True, lemmas=True, hints=True, changes=True)
    del ctx[key]
    with pytest.raises(jinja2.UndefinedError, match=key):
        messages_for_draft(ctx)


@pytest.mark.parametrize("key", REPAIR_KEYS)
def test_repair_missing_key_is_an_error(key):
    ctx = repair_ctx(goals=True, prefix=True, cont=True, stale=True, definitions=True, lemmas=True, hints=True,
                     changes=True)
    del ctx[key]
    with pytest.raises(jinja2.UndefinedError, match=key):
        messages_for_repair(ctx)


def test_every_template_is_used_by_a_message_builder():
    assert template_names() == ["draft.j2", "feedback.j2", "repair.j2", "step.j2", "step_system.j2", "system.j2"]
    assert render("draft", **draft_ctx(stale=False, definitions=False, lemmas=False)) == render(
        "draft.j2", **draft_ctx(stale=False, definitions=False, lemmas=False)
    )


@pytest.mark.parametrize("kind", ["static", "audit", "incomplete", "old_proof", "after_last", "at"])
def test_feedback_notes_render(kind):
    from proofmend.agent.proposers.prompting import feedback

    note = feedback(kind, detail="rewrite foo.", line=3)
    assert note and "{" not in note and "\n" not in note


def test_no_prompt_text_in_python():
    import proofmend.agent.proposers.prompting as prompting

    source = open(prompting.__file__, encoding="utf-8").read()
    assert "fenced block" not in source and "You are" not in source


# ---------------------------------------------------------------- clean_error


def test_clean_error_strips_paths():
    raw = 'File "/home/alice/work/proj/theories/Lists.v", line 12, characters 2-9:\nError: bad'
    assert clean_error(raw) == 'File "Lists.v", line 12, characters 2-9:\nError: bad'
    assert clean_error("Cannot find /usr/lib/coq/theories/Init/Prelude.vo here") == "Cannot find Prelude.vo here"
    assert clean_error(r"in C:\Users\bob\proj\Foo.v line 3") == "in Foo.v line 3"


def test_clean_error_leaves_division_and_notations():
    text = "Unable to unify \"n / 2\" with \"a/b\" or \"x // y\"."
    assert clean_error(text) == text


def test_clean_error_strips_timings():
    raw = (
        "Finished transaction in 0.012 secs (0.01u,0.s) (successful)\n"
        "Tactic call ran for 0.001 secs (0.u,0.s) (success)\n"
        "Error: Timeout! (1.500 secs)\n"
        "compiled in 1.2s"
    )
    cleaned = clean_error(raw)
    assert "0.012" not in cleaned and "0.001" not in cleaned and "1.500" not in cleaned and "1.2s" not in cleaned
    assert "Error: Timeout!" in cleaned and "compiled" in cleaned


def test_clean_error_cuts_head_and_tail():
    raw = "HEAD " + "x" * 5000 + " TAIL"
    cleaned = clean_error(raw, max_chars=300)
    assert cleaned.startswith("HEAD ") and cleaned.endswith(" TAIL")
    assert "[… 4710 characters cut …]" in cleaned
    assert len(cleaned) < 300 + 40
    assert clean_error("short") == "short"


def test_clean_error_is_stable_across_runs():
    a = clean_error('File "/tmp/run1/x/A.v", line 1:\nError: no (0.1 secs)')
    b = clean_error('File "/tmp/run2/y/A.v", line 1:\nError: no (0.3 secs)')
    assert a == b


def step_ctx(*, script: bool, failures: bool, n_goals: int, definitions: bool, changes: bool = False) -> dict:
    return {
        "file": "Lists.v", "theorem": "rev_length'", "statement": STATEMENT,
        "definitions": ["Fixpoint rev {A} (l : list A) : list A := ..."] if definitions else [],
        "lemmas": [],
        "stale_proof": "intros. induction l; simpl; auto. rewrite app_length_old." if failures else None,
        "changes": CHANGES if changes else [],
        "script": "intros A l.\ninduction l." if script else "",
        "goals": "A : Type\nl : list A\n==============================\nlength (rev l) = length l",
        "n_goals": n_goals,
        "failures": [("rewrite app_lenght.", "The reference app_lenght was not found")] if failures else [],
        "k": 4,
    }


@pytest.mark.parametrize("script,failures,definitions", FLAGS)
@pytest.mark.parametrize("n_goals,changes", [(1, False), (2, False), (1, True), (2, True)])
def test_step_renders(script, failures, definitions, n_goals, changes):
    messages = messages_for_step(step_ctx(script=script, failures=failures, n_goals=n_goals, definitions=definitions,
                                          changes=changes))
    _check_rendered(messages)
    system, user = messages[0]["content"], messages[1]["content"]
    assert "4 alternative next tactics" in system and "admit" in system
    assert STATEMENT in user and "length (rev l) = length l" in user and "4 different candidate" in user
    assert ("induction l." in user) == script
    assert ("- `rewrite app_lenght.`: The reference app_lenght was not found" in user) == failures
    assert ("Fixpoint rev" in user) == definitions
    assert ("work on the first" in user) == (n_goals > 1)
    assert ("rewrite app_length_old." in user) == failures
    assert ("What the change did" in user) == changes
    assert all((f"- {line}" in user) == changes for line in CHANGES)


@pytest.mark.parametrize("key", STEP_KEYS)
def test_step_missing_key_is_an_error(key):
    ctx = step_ctx(script=True, failures=True, n_goals=2, definitions=True, changes=True)
    del ctx[key]
    with pytest.raises(jinja2.UndefinedError, match=key):
        messages_for_step(ctx)
