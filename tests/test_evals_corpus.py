"""The whole built-in corpus: every reference proof passes the audit, no task is solved as given."""

from __future__ import annotations

import pytest

from proofmend.evals.schema import load_corpus
from proofmend.evals.validate import validate_corpus
from proofmend.provers.limits import Limits

from .conftest import needs_coq


@needs_coq
@pytest.mark.slow
def test_every_builtin_task_is_fair():
    corpus = load_corpus("builtin")
    problems = validate_corpus(corpus, workers=2, limits=Limits(timeout_s=300))
    assert not problems, "\n".join(map(str, problems))
