"""Soundness of the max-of-K proof strategies: every bound is at most the true accuracy."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from proofmend.nn_proofs import brute, cases  # noqa: E402
from proofmend.nn_proofs.model import MaxOfK, ModelConfig  # noqa: E402
from proofmend.nn_proofs.paths import path_tables  # noqa: E402
from proofmend.nn_proofs.strategies import STRATEGIES, run_strategy  # noqa: E402
from proofmend.nn_proofs.train import TrainConfig, train  # noqa: E402

torch.set_num_threads(1)

SIZES = [(5, 2), (5, 3), (8, 2), (8, 3), (8, 4), (12, 2), (12, 3), (12, 4)]


def _untrained(v: int, k: int, seed: int = 0):
    return MaxOfK(ModelConfig(k=k, vocab=v, d_model=8, d_head=8), seed=seed).weights()


_TRAINED: dict = {}


def _trained(v: int, k: int, steps: int = 300):
    key = (v, k, steps)
    if key not in _TRAINED:
        _TRAINED[key] = train(ModelConfig(k=k, vocab=v, d_model=8, d_head=8), TrainConfig(steps=steps, seed=1)).model.weights()
    return _TRAINED[key]


def _module_accuracy(w) -> float:
    """Accuracy from the torch module itself (float64), every input."""
    v, k = w.config.vocab, w.config.k
    tokens = torch.tensor(list(itertools.product(range(v), repeat=k)))
    with torch.no_grad():
        logits = w.to_module()(tokens)[:, -1]
    target = tokens.max(dim=1).values
    right = logits.gather(1, target[:, None]).squeeze(1)
    others = logits.scatter(1, target[:, None], float("-inf")).max(dim=1).values
    return float((right > others).double().mean())


@pytest.mark.parametrize("v,k", SIZES)
@pytest.mark.parametrize("trained", [False, True])
def test_every_strategy_is_sound(v: int, k: int, trained: bool) -> None:
    w = _trained(v, k) if trained else _untrained(v, k, seed=v + k)
    exact = brute.naive_count_correct(path_tables(w)) / v**k
    assert abs(_module_accuracy(w) - exact) < 1e-12
    for name in STRATEGIES:
        r = run_strategy(name, w)
        assert 0.0 <= r.bound <= 1.0
        assert r.bound <= exact + 1e-12, f"{name} claims {r.bound} > true accuracy {exact}"
        assert r.cost.ops > 0 and r.seconds >= 0
    assert run_strategy("brute", w).bound == pytest.approx(exact, abs=0)


def test_sound_on_many_random_models() -> None:
    rng = np.random.default_rng(0)
    for trial in range(12):
        v, k = int(rng.integers(3, 10)), int(rng.integers(1, 5))
        w = _untrained(v, k, seed=100 + trial)
        exact = brute.naive_count_correct(path_tables(w)) / v**k
        for name in STRATEGIES:
            assert run_strategy(name, w).bound <= exact + 1e-12, (name, v, k, trial)


def test_compact_strategies_prove_something_on_a_trained_model() -> None:
    w = _trained(8, 3, steps=1500)
    exact = run_strategy("brute", w).bound
    cubic = run_strategy("cubic", w).bound
    ordered = run_strategy("cubic-ordered", w).bound
    sub = run_strategy("subcubic", w).bound
    assert exact > 0.9
    assert ordered > 0.2 and sub > 0.0
    assert ordered >= sub  # the ordered cubic proof sees everything the rank-1 proof sees
    assert exact >= cubic >= ordered  # per-position terms are never looser than the worst ordering


def test_costs_order_brute_above_cubic_above_subcubic() -> None:
    w = _untrained(16, 4)
    ops = {n: run_strategy(n, w).cost.ops for n in STRATEGIES}
    assert ops["brute"] > ops["cubic"] > ops["subcubic"] >= ops["subcubic-cheap"]
    assert ops["brute"] > ops["cubic-ordered"] > ops["subcubic"]


@pytest.mark.parametrize("v,k", [(8, 3), (8, 4), (10, 3), (12, 3), (12, 4)])
def test_cubic_between_cubic_ordered_and_exact(v: int, k: int) -> None:
    w = _trained(v, k)
    exact = brute.naive_count_correct(path_tables(w))
    cubic = run_strategy("cubic", w)
    ordered = run_strategy("cubic-ordered", w)
    assert cubic.proven <= exact
    # per-position terms are never looser than the worst ordering; cubic gives up the all-zero input
    assert cubic.proven >= ordered.proven - 1
    assert cubic.proven > 0


def _cubic_reference(t) -> int:
    """The cubic argument written out case by case (no slack, one shift per query)."""
    v, k = t.vocab, t.k
    proven = 0
    for q in range(v):
        s = t.eqke[q][:, None] + t.eqkp[q][None, :]
        s = s - s.max()
        a = t.evou[:, None, :] + t.pvou[None, :, :] + t.eu[q][None, None, :]
        for m in range(max(q, 1), v):
            w_m = a[:, :, m] - np.delete(a, m, axis=2).max(axis=2)  # (t, i)
            term = np.exp(s) * w_m
            for pat in itertools.product([0, 1], repeat=k - 1):
                if sum(pat) == 0 and q != m:
                    continue
                exact = term[q, k - 1] + sum(term[m, i] for i in range(k - 1) if pat[i])
                free = [i for i in range(k - 1) if not pat[i]]
                best = -1
                for tp in range(m):
                    if exact + sum(term[: tp + 1, i].min() for i in free) > 0:
                        best = tp
                proven += (best + 1) ** len(free) if best >= 0 else 0
    return proven


@pytest.mark.parametrize("v,k", [(8, 4), (12, 3)])
def test_cubic_matches_the_case_by_case_argument(v: int, k: int) -> None:
    for w in (_trained(v, k), _untrained(v, k, seed=7)):
        assert run_strategy("cubic", w).proven == _cubic_reference(path_tables(w))


def test_cubic_edge_shapes() -> None:
    from proofmend.nn_proofs.model import ModelWeights

    # v == 1: no output other than the max, and the only case (m == 0) is given up
    rng = np.random.default_rng(3)
    for k in (1, 3):
        d = 4
        shapes = {"W_E": (1, d), "W_pos": (k, d), "W_Q": (d, d), "W_K": (d, d), "W_V": (d, d), "W_O": (d, d),
                  "W_U": (d, 1)}
        arrays = {n: rng.normal(size=s) for n, s in shapes.items()}
        w = ModelWeights(config=ModelConfig(k=k, vocab=1, d_model=d, d_head=d), **arrays)
        r = run_strategy("cubic", w)
        assert (r.proven, r.total, r.bound) == (0, 1, 0.0) and r.cost.ops > 0
    # K == 1: the query is the whole input, attention is 1 on it and W is its exact margin,
    # so every correct input except the all-zero one is proven
    for v in (2, 5, 9):
        for w in (_untrained(v, 1, seed=v), _trained(v, 1)):
            t = path_tables(w)
            margin = t.eu + t.evou + t.pvou[0][None, :]
            zero_ok = int(margin[0, 0] > np.delete(margin[0], 0).max())
            r = run_strategy("cubic", w)
            assert r.proven == brute.naive_count_correct(t) - zero_ok


def test_brute_two_stage_matches_naive_count() -> None:
    for w in (_trained(12, 4), _untrained(12, 3)):
        t = path_tables(w)
        res = brute.count_correct(t, chunk=97)  # odd chunk size exercises chunk edges
        assert res.correct == brute.naive_count_correct(t)
        assert res.total == w.config.vocab**w.config.k


@pytest.mark.parametrize("v,k", [(4, 1), (5, 2), (6, 3), (7, 4)])
def test_case_counts_partition_the_inputs(v: int, k: int) -> None:
    from collections import Counter

    seen = Counter()
    for x in itertools.product(range(v), repeat=k):
        m = max(x)
        rest = [t for t in x if t < m]
        seen[(x[-1], m, max(rest) if rest else 0, x.count(m))] += 1
    total = 0
    for q in range(v):
        table = cases.count_table(v, k, q)
        total += int(table.sum())
        for m in range(v):
            for t in range(v):
                for c in range(1, k + 1):
                    if c == k and t > 0:
                        continue
                    assert table[m, t, c] == seen[(q, m, t, c)]
            for c in range(1, k):
                for ts in range(-1, m):
                    want = sum(seen[(q, m, t, c)] for t in range(ts + 1))
                    assert cases.count_up_to(v, k, q, m, ts, c) == want
    assert total == v**k


def test_error_bounds_dominate_the_true_error() -> None:
    from proofmend.nn_proofs.strategies import error_cheap, error_exact, error_norm, rank1_qk

    w = _trained(12, 3)
    t = path_tables(w)
    r = rank1_qk(w)
    exact = error_exact(w, r, t)
    assert np.all(error_cheap(w, r, t) >= exact - 1e-9)
    assert np.all(error_norm(w, r, t) >= exact - 1e-9)
    recon = (r.u * r.s) @ r.w.T
    assert np.allclose(recon, t.eqke, atol=1e-10)
