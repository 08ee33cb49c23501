"""The whole built-in corpus: every reference proof passes the audit, no task is solved as given.

One test per task (its id in the test's name, so ``-k nn_bound`` or ``-k coq_cert``
picks some); the selected tasks are validated together, two at a time.
"""

from __future__ import annotations

import pytest

from proofmend.evals.schema import load_corpus
from proofmend.evals.validate import validate_corpus
from proofmend.provers.limits import Limits

from .conftest import needs_coq

CORPUS = load_corpus("builtin")
TEST = "test_builtin_task_is_fair"


@pytest.fixture(scope="module")
def problems(request) -> dict[str, list[str]]:
    """Problems of every task this session runs, by task id."""
    wanted = {item.callspec.params["task_id"] for item in request.session.items
              if getattr(item, "originalname", "") == TEST and hasattr(item, "callspec")}
    found: dict[str, list[str]] = {}
    if not wanted:
        return found
    for p in validate_corpus(CORPUS.select(ids=sorted(wanted)), workers=2, limits=Limits(timeout_s=300)):
        found.setdefault(p.task_id, []).append(str(p))
    return found


@needs_coq
@pytest.mark.slow
@pytest.mark.parametrize("task_id", [t.id for t in CORPUS.tasks])
def test_builtin_task_is_fair(task_id, problems):
    assert not problems.get(task_id), "\n".join(problems[task_id])
