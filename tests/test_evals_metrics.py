"""pass@k against hand-computed values; summaries; comparing two runs."""

from __future__ import annotations

import pytest

from proofmend.evals.compare import compare
from proofmend.evals.metrics import UNKNOWN, attempts_curve, pass_at_k, summarize


@pytest.mark.parametrize(
    "n, c, k, expected",
    [
        (5, 2, 1, 0.4),  # c / n
        (5, 2, 2, 0.7),  # 1 - C(3,2)/C(5,2) = 1 - 3/10
        (4, 1, 3, 0.75),  # 1 - C(3,3)/C(4,3) = 1 - 1/4
        (10, 3, 5, 1 - 21 / 252),  # 1 - C(7,5)/C(10,5)
        (5, 0, 3, 0.0),
        (3, 3, 2, 1.0),
        (4, 2, 3, 1.0),  # n - c < k
        (1, 1, 1, 1.0),
        (2, 1, 5, 1.0),  # fewer samples than k: solved by one of them
        (2, 0, 5, 0.0),
    ],
)
def test_pass_at_k(n, c, k, expected):
    assert pass_at_k(n, c, k) == pytest.approx(expected)


def test_pass_at_k_rejects_nonsense():
    with pytest.raises(ValueError):
        pass_at_k(0, 0, 1)
    with pytest.raises(ValueError):
        pass_at_k(2, 3, 1)


def rec(id, kind, sample, status, attempts=1, seconds=1.0, cost=0.01, tin=100, tout=10):
    return {"id": id, "kind": kind, "sample": sample, "status": status, "attempts": attempts,
            "seconds": seconds, "cost_usd": cost, "tokens_in": tin, "tokens_out": tout}


RECORDS = [
    rec("a", "property", 0, "solved", attempts=1, seconds=2.0),
    rec("a", "property", 1, "failed", attempts=4, seconds=4.0),
    rec("b", "property", 0, "failed", seconds=6.0),
    rec("b", "property", 1, "error", seconds=1.0),
    rec("c", "repair", 0, "solved", attempts=3, seconds=1.0),
    rec("c", "repair", 1, "solved", attempts=2, seconds=3.0),
]


def test_summary_numbers():
    s = summarize(RECORDS, samples=2)
    o, p, r = s["overall"], s["by_kind"]["property"], s["by_kind"]["repair"]
    assert (o["tasks"], o["solved_tasks"], o["solved_samples"], o["error_samples"]) == (3, 2, 3, 1)
    assert o["success_rate"] == pytest.approx(2 / 3)
    assert o["pass@1"] == pytest.approx((0.5 + 0 + 1) / 3)
    assert o["pass@2"] == pytest.approx((1 + 0 + 1) / 3)
    assert p["pass@1"] == pytest.approx(0.25) and r["pass@2"] == 1.0
    assert o["mean_attempts_to_success"] == pytest.approx(2.0)
    assert o["median_seconds"] == pytest.approx(2.5)
    assert o["tokens_per_solved"] == pytest.approx(6 * 110 / 3)
    assert o["usd_per_solved"] == pytest.approx(0.06 / 3)
    assert list(s["by_kind"]) == ["property", "repair"]


def test_unknown_cost_makes_dollars_unknown():
    s = summarize([*RECORDS, rec("d", "repair", 0, "solved", cost=None)], samples=2)
    assert s["overall"]["cost_usd"] == UNKNOWN and s["overall"]["usd_per_solved"] == UNKNOWN
    assert s["by_kind"]["property"]["cost_usd"] == pytest.approx(0.04)


def test_attempt_curve_is_cumulative():
    budgets, curves = attempts_curve(RECORDS)
    assert budgets == [1, 2, 3]
    assert curves["repair"] == [0.0, 0.5, 1.0]
    assert curves["property"] == [0.25, 0.25, 0.25]


def test_compare_deltas():
    a = summarize(RECORDS, samples=2)
    b = summarize([r if r["status"] != "failed" else {**r, "status": "solved"} for r in RECORDS], samples=2)
    result = compare(a, b)
    rows = {row["kind"]: row for row in result["rows"]}
    assert list(rows) == ["property", "repair", "overall"]
    assert rows["overall"]["a"]["success_rate"] == pytest.approx(2 / 3)
    assert rows["overall"]["b"]["success_rate"] == pytest.approx(1.0)
    assert rows["overall"]["delta"]["success_rate"] == pytest.approx(1 / 3)
    assert rows["property"]["delta"]["solved_tasks"] == 1
    assert rows["repair"]["delta"]["pass@1"] == 0
