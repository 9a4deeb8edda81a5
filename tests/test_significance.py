"""Significance tests and corrections, checked by hand and against scipy."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from rerank_bench.errors import EvaluationError
from rerank_bench.evaluation.significance import (
    align,
    bonferroni,
    compare_to_baseline,
    correct,
    fisher_randomization,
    holm,
    paired_test,
    paired_ttest,
)

TOY_A = {"q1": 1.0, "q2": 2.0, "q3": 3.0}
TOY_B = {"q1": 0.0, "q2": 0.0, "q3": 0.0}


def test_ttest_matches_hand_computation() -> None:
    # differences 1, 2, 3: mean 2, sd 1, t = 2 / (1 / sqrt 3) = 2 sqrt 3 with 2 degrees of freedom;
    # the t(2) CDF is 1/2 + t / (2 sqrt(2 + t^2)), so p = 1 - t / sqrt(2 + t^2).
    result = paired_ttest(align(TOY_A, TOY_B))
    t = 2 * math.sqrt(3)
    assert result.statistic == pytest.approx(t)
    assert result.p_value == pytest.approx(1 - t / math.sqrt(2 + t * t))
    assert result.p_value == pytest.approx(0.0741799, abs=1e-6)
    assert result.mean_diff == pytest.approx(2.0)
    assert result.n_queries == 3


def test_fisher_exact_matches_hand_enumeration() -> None:
    # 8 sign assignments of (1, 2, 3) have sums 6, 4, 2, 0, 0, -2, -4, -6: two reach |6|.
    result = fisher_randomization(align(TOY_A, TOY_B), n_permutations=8)
    assert result.exact
    assert result.n_permutations == 8
    assert result.p_value == pytest.approx(2 / 8)


def test_ttest_matches_scipy_on_random_scores() -> None:
    rng = np.random.default_rng(0)
    a = {f"q{i}": float(v) for i, v in enumerate(rng.random(50))}
    b = {f"q{i}": float(v) for i, v in enumerate(rng.random(50) * 0.9)}
    result = paired_ttest(align(a, b))
    keys = sorted(a)
    reference = stats.ttest_rel([a[k] for k in keys], [b[k] for k in keys])
    assert result.p_value == pytest.approx(float(reference.pvalue), rel=1e-12)
    assert result.statistic == pytest.approx(float(reference.statistic), rel=1e-12)


def test_fisher_exact_matches_scipy_permutation_test() -> None:
    rng = np.random.default_rng(1)
    a = rng.random(10)
    b = a - rng.normal(0.05, 0.1, 10)
    ids = [f"q{i}" for i in range(10)]
    result = fisher_randomization(
        align(dict(zip(ids, a, strict=True)), dict(zip(ids, b, strict=True))), n_permutations=2**10
    )
    reference = stats.permutation_test(
        (a, b),
        lambda x, y: np.mean(x - y),
        permutation_type="samples",
        n_resamples=np.inf,
        alternative="two-sided",
    )
    assert result.exact
    assert result.p_value == pytest.approx(float(reference.pvalue), abs=1e-9)


def test_fisher_sampled_is_seeded_and_close_to_exact() -> None:
    rng = np.random.default_rng(2)
    ids = [f"q{i}" for i in range(14)]
    pair = align(
        dict(zip(ids, rng.random(14), strict=True)), dict(zip(ids, rng.random(14), strict=True))
    )
    exact = fisher_randomization(pair, n_permutations=2**14)
    first = fisher_randomization(pair, n_permutations=4000, seed=7)
    again = fisher_randomization(pair, n_permutations=4000, seed=7)
    assert not first.exact and first.seed == 7
    assert first.p_value == again.p_value
    assert first.p_value == pytest.approx(exact.p_value, abs=0.03)
    assert first.p_value > 0  # (hits + 1) / (n + 1) never reports an impossible zero


def test_identical_systems_are_not_different() -> None:
    pair = align(TOY_A, dict(TOY_A))
    assert paired_test(pair, "ttest").p_value == 1.0
    assert paired_test(pair, "fisher", n_permutations=100).p_value == 1.0


def test_holm_textbook_example() -> None:
    # Holm (1979) step-down: sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 -> 0.02, 0.03,
    # 0.06, 0.04 -> running max 0.02, 0.03, 0.06, 0.06. At alpha 0.05 the two smallest reject.
    p = [0.01, 0.04, 0.03, 0.005]
    assert holm(p) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert [q < 0.05 for q in holm(p)] == [True, False, False, True]
    assert bonferroni(p) == pytest.approx([0.04, 0.16, 0.12, 0.02])
    assert correct(p, "none") == p


def test_holm_is_never_more_conservative_than_bonferroni_and_caps_at_one() -> None:
    rng = np.random.default_rng(3)
    p = list(rng.random(12))
    for h, b in zip(holm(p), bonferroni(p), strict=True):
        assert h <= b + 1e-15
        assert 0 <= h <= 1
    with pytest.raises(EvaluationError, match="outside"):
        correct([0.5, 1.5], "holm")
    with pytest.raises(EvaluationError, match="unknown"):
        correct([0.5], "sidak")  # type: ignore[arg-type]


def test_different_query_sets_are_refused_or_aligned_explicitly() -> None:
    a = {"q1": 1.0, "q2": 0.5, "q3": 0.2}
    b = {"q1": 0.9, "q2": 0.1, "q4": 0.3}
    with pytest.raises(EvaluationError, match="different queries.*q3.*q4"):
        align(a, b, names=("ce", "bm25"))
    pair = align(a, b, policy="intersect")
    assert pair.query_ids == ("q1", "q2")
    assert (pair.dropped_a, pair.dropped_b) == (1, 1)
    assert list(pair.a) == [1.0, 0.5]


def test_compare_to_baseline_corrects_over_the_family() -> None:
    rng = np.random.default_rng(4)
    ids = [f"q{i}" for i in range(40)]
    base = {q: float(v) for q, v in zip(ids, rng.random(40), strict=True)}
    strong = {q: v + 0.2 + float(rng.normal(0, 0.05)) for q, v in base.items()}
    noise = {q: v + float(rng.normal(0, 0.05)) for q, v in base.items()}
    comparisons = compare_to_baseline(base, {"strong": strong, "noise": noise}, "ttest", "holm")
    raw = [c.result.p_value for c in comparisons]
    assert [c.p_adjusted for c in comparisons] == pytest.approx(holm(raw))
    assert comparisons[0].significant and comparisons[0].direction == "better"
    assert comparisons[0].p_adjusted == pytest.approx(
        min(1.0, 2 * raw[0]) if raw[0] < raw[1] else raw[0]
    )
    with pytest.raises(EvaluationError, match="alpha"):
        compare_to_baseline(base, {"strong": strong}, alpha=1.5)


def test_fisher_over_a_family_equals_one_test_at_a_time() -> None:
    rng = np.random.default_rng(5)
    ids = [f"q{i}" for i in range(80)]
    base = {q: float(v) for q, v in zip(ids, rng.random(80), strict=True)}
    systems = {
        f"s{k}": {q: v + float(rng.normal(0.02 * k, 0.1)) for q, v in base.items()}
        for k in range(4)
    }
    family = compare_to_baseline(base, systems, "fisher", "none", n_permutations=3000, seed=9)
    for comparison in family:
        alone = fisher_randomization(align(systems[comparison.system], base), 3000, seed=9)
        assert comparison.result.p_value == alone.p_value  # same sign assignments, same count
        assert comparison.result.statistic == pytest.approx(alone.statistic, abs=1e-15)
