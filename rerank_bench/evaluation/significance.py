"""Paired significance tests over per-query scores, with multiple-comparison correction.

Why this module exists: a table that bolds the best number without saying whether it differs
from the baseline beyond query-to-query noise invites wrong conclusions. IR practice (Smucker,
Allan and Carterette, CIKM 2007) is a paired test over the per-query values of one metric, and,
when one table makes many comparisons, a family-wise correction (Holm 1979 or Bonferroni).

The tests only ever compare the *same* queries: :func:`align` refuses two score sets whose query
ids differ, unless the caller asks for the intersection explicitly, and then says how many queries
each side lost. ranx is deliberately not used here: it has no multiple-comparison correction and
its randomisation test hides the seed and the alignment.

A p-value says whether a difference is there, not how large it is or how it is spread: a paper
needs the effect size with its uncertainty (:func:`paired_bootstrap_ci`, a percentile bootstrap
over queries) and how many queries gain or lose (:func:`win_tie_loss`, with an explicit tie
tolerance), beside the corrected test.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from rerank_bench.errors import EvaluationError

__all__ = [
    "CORRECTIONS",
    "FAMILIES",
    "TESTS",
    "TIE_TOLERANCE",
    "Alignment",
    "Comparison",
    "TestResult",
    "WinTieLoss",
    "align",
    "bonferroni",
    "bootstrap_cis",
    "check_alpha",
    "compare_to_baseline",
    "comparison",
    "correct",
    "describe",
    "fisher_randomization",
    "holm",
    "paired_bootstrap_ci",
    "paired_test",
    "paired_tests",
    "paired_ttest",
    "resample_counts",
    "win_tie_loss",
]

TestName = Literal["ttest", "fisher"]
CorrectionName = Literal["holm", "bonferroni", "none"]
AlignPolicy = Literal["refuse", "intersect"]
FamilyName = Literal["column", "group", "table"]

TESTS: tuple[str, ...] = ("ttest", "fisher")
CORRECTIONS: tuple[str, ...] = ("holm", "bonferroni", "none")
FAMILIES: tuple[str, ...] = ("column", "group", "table")
"""What one correction covers in a table: the comparisons of one column (a metric on one
dataset), of one column group (a dataset: every system x baseline x metric), or of the whole
table (see :attr:`rerank_bench.reporting.tables.TableSpec.family`)."""
_TEST_LABELS = {"ttest": "two-sided paired t-test", "fisher": "two-sided Fisher randomisation test"}
TIE_TOLERANCE = 1e-9
"""Default tie tolerance of :func:`win_tie_loss`: it only absorbs the floating-point noise of
averaging seeds, so a tie means the same per-query value; raise it (e.g. 0.01) to count
differences too small to matter as ties."""
_BOOTSTRAP_BATCH_VALUES = 2_000_000
"""Resampled values drawn per step of the bootstrap (about 16 MB of float64)."""


@dataclass(frozen=True)
class Alignment:
    """Two per-query score vectors over the same queries, in the same order.

    Attributes:
        query_ids: the shared query ids, sorted.
        a: scores of the first system, aligned with ``query_ids``.
        b: scores of the second system, aligned with ``query_ids``.
        dropped_a: queries of ``a`` that were left out (only with ``policy="intersect"``).
        dropped_b: queries of ``b`` that were left out (only with ``policy="intersect"``).
    """

    query_ids: tuple[str, ...]
    a: np.ndarray
    b: np.ndarray
    dropped_a: int = 0
    dropped_b: int = 0


@dataclass(frozen=True)
class TestResult:
    """The outcome of one paired test of ``a`` against ``b``.

    Attributes:
        test: ``"ttest"`` or ``"fisher"``.
        statistic: the t statistic, or the observed mean difference for the randomisation test.
        p_value: two-sided p-value, uncorrected.
        mean_diff: mean of ``a - b`` over the aligned queries.
        n_queries: number of aligned queries.
        n_permutations: permutations drawn (0 for the t-test; ``2**n`` when enumerated exactly).
        seed: seed of the random permutations, or ``None``.
        exact: whether the randomisation test enumerated every sign assignment.
    """

    test: str
    statistic: float
    p_value: float
    mean_diff: float
    n_queries: int
    n_permutations: int = 0
    seed: int | None = None
    exact: bool = False


@dataclass(frozen=True)
class Comparison:
    """One system compared with the baseline, after correction over its family.

    Attributes:
        system: name of the compared system.
        result: the uncorrected test.
        p_adjusted: p-value after the family-wise correction.
        significant: ``p_adjusted < alpha``.
        direction: ``"better"``, ``"worse"`` or ``"same"`` (sign of the mean difference).
    """

    system: str
    result: TestResult
    p_adjusted: float
    significant: bool
    direction: str


@dataclass(frozen=True)
class WinTieLoss:
    """Per-query wins, ties and losses of ``a`` against ``b``.

    Attributes:
        wins: queries with ``a - b > tolerance``.
        ties: queries with ``|a - b| <= tolerance``.
        losses: queries with ``a - b < -tolerance``.
        tolerance: the tie tolerance the counts were made with.
    """

    wins: int
    ties: int
    losses: int
    tolerance: float

    def __str__(self) -> str:
        return f"{self.wins}/{self.ties}/{self.losses}"


def align(
    a: Mapping[str, float],
    b: Mapping[str, float],
    policy: AlignPolicy = "refuse",
    names: tuple[str, str] = ("a", "b"),
) -> Alignment:
    """Pair two ``{query_id: score}`` maps query by query.

    Args:
        a: per-query scores of the first system.
        b: per-query scores of the second system.
        policy: ``"refuse"`` raises when the query sets differ; ``"intersect"`` keeps the shared
            queries and reports how many each side lost.
        names: how to call the two sides in error messages.

    Returns:
        The aligned vectors.

    Raises:
        EvaluationError: the query sets differ under ``"refuse"``, the intersection is empty, or a
            score is not a finite number.
    """
    if policy not in ("refuse", "intersect"):
        raise EvaluationError(
            f"alignment policy {policy!r} is unknown; use 'refuse' or 'intersect'."
        )
    keys_a, keys_b = set(a), set(b)
    shared = sorted(keys_a & keys_b)
    if keys_a != keys_b and policy == "refuse":
        only_a = sorted(keys_a - keys_b)
        only_b = sorted(keys_b - keys_a)
        raise EvaluationError(
            f"{names[0]} and {names[1]} were evaluated on different queries "
            f"({len(keys_a)} vs {len(keys_b)}, {len(shared)} shared; only in {names[0]}: "
            f"{only_a[:5]}, only in {names[1]}: {only_b[:5]}). A paired test needs the same "
            "queries. Fix: evaluate both on the same split, or align explicitly on the shared "
            "queries (policy 'intersect', `--align intersect`)."
        )
    if not shared:
        raise EvaluationError(f"{names[0]} and {names[1]} share no query: nothing to compare.")
    vec_a = np.array([float(a[q]) for q in shared], dtype=float)
    vec_b = np.array([float(b[q]) for q in shared], dtype=float)
    if not (np.all(np.isfinite(vec_a)) and np.all(np.isfinite(vec_b))):
        raise EvaluationError(
            f"per-query scores of {names[0]} or {names[1]} contain NaN or infinity; "
            "re-evaluate the runs."
        )
    return Alignment(
        query_ids=tuple(shared),
        a=vec_a,
        b=vec_b,
        dropped_a=len(keys_a) - len(shared),
        dropped_b=len(keys_b) - len(shared),
    )


def paired_ttest(alignment: Alignment) -> TestResult:
    """Two-sided paired t-test (``scipy.stats.ttest_rel``) of ``a`` against ``b``.

    When every difference is identical (e.g. two identical runs) the statistic is undefined; the
    p-value is then 1.0 if the differences are all zero and 0.0 otherwise.
    """
    diff = alignment.a - alignment.b
    n = len(diff)
    if n < 2:
        raise EvaluationError(f"a paired t-test needs at least 2 queries, got {n}.")
    mean_diff = float(diff.mean())
    if np.allclose(diff, diff[0], rtol=0.0, atol=1e-15):
        p = 1.0 if mean_diff == 0.0 else 0.0
        stat = 0.0 if mean_diff == 0.0 else math.copysign(math.inf, mean_diff)
        return TestResult("ttest", stat, p, mean_diff, n)
    result = stats.ttest_rel(alignment.a, alignment.b)
    return TestResult("ttest", float(result.statistic), float(result.pvalue), mean_diff, n)


def fisher_randomization(
    alignment: Alignment,
    n_permutations: int = 10_000,
    seed: int = 42,
    batch_size: int = 2_000,
) -> TestResult:
    """Two-sided Fisher randomisation (permutation) test on the mean difference.

    Under the null hypothesis the two systems' labels are exchangeable within each query, so each
    per-query difference keeps or flips its sign with probability 1/2. When ``2**n`` sign
    assignments are no more than ``n_permutations`` they are enumerated and the p-value is exact
    (the share of assignments with ``|mean| >= |observed|``, the observed one included). Otherwise
    ``n_permutations`` random assignments are drawn from ``numpy.random.default_rng(seed)`` and
    ``p = (hits + 1) / (n_permutations + 1)``, which never reports an impossible 0.

    Args:
        alignment: the paired scores.
        n_permutations: random sign assignments to draw (at least 1).
        seed: seed of the generator; the same seed gives the same p-value.
        batch_size: assignments drawn per step (memory bound: ``batch_size x n_queries``).

    Returns:
        The test result; ``statistic`` is the observed mean difference.

    Raises:
        EvaluationError: ``n_permutations < 1`` or no query.
    """
    if n_permutations < 1:
        raise EvaluationError(f"n_permutations must be at least 1, got {n_permutations}.")
    diff = alignment.a - alignment.b
    if len(diff) == 0:
        raise EvaluationError("the randomisation test needs at least one query.")
    return _fisher_many(diff[:, None], n_permutations, seed, batch_size)[0]


def _fisher_many(
    diffs: np.ndarray, n_permutations: int, seed: int, batch_size: int = 2_000
) -> list[TestResult]:
    """Randomisation tests of several systems on the same queries (``diffs``: queries x systems).

    The same sign assignments serve every column, so testing ``k`` systems costs one pass; each
    column's result equals that of :func:`fisher_randomization` alone with the same seed.
    """
    n, k = diffs.shape
    observed = diffs.mean(axis=0)
    # Compare with a small tolerance so that float noise in equal sums does not change the count.
    threshold = np.abs(observed) - 1e-12
    hits = np.zeros(k, dtype=np.int64)
    if n < 63 and 2**n <= n_permutations:
        codes = np.arange(2**n, dtype=np.int64)[:, None]
        signs = 1.0 - 2.0 * ((codes >> np.arange(n, dtype=np.int64)) & 1)
        hits += np.count_nonzero(np.abs(signs @ diffs) / n >= threshold, axis=0)
        return [
            TestResult("fisher", float(o), int(h) / 2**n, float(o), n, 2**n, None, exact=True)
            for o, h in zip(observed, hits, strict=True)
        ]
    rng = np.random.default_rng(seed)
    remaining = n_permutations
    while remaining > 0:
        size = min(batch_size, remaining)
        flips = rng.integers(0, 2, size=(size, n), dtype=np.int8).astype(np.float64) * 2 - 1
        hits += np.count_nonzero(np.abs(flips @ diffs) / n >= threshold, axis=0)
        remaining -= size
    return [
        TestResult(
            "fisher",
            float(o),
            (int(h) + 1) / (n_permutations + 1),
            float(o),
            n,
            n_permutations,
            seed,
            exact=False,
        )
        for o, h in zip(observed, hits, strict=True)
    ]


def paired_test(
    alignment: Alignment, test: TestName = "ttest", n_permutations: int = 10_000, seed: int = 42
) -> TestResult:
    """Run the named paired test (``"ttest"`` or ``"fisher"``).

    Raises:
        EvaluationError: an unknown test name.
    """
    if test == "ttest":
        return paired_ttest(alignment)
    if test == "fisher":
        return fisher_randomization(alignment, n_permutations=n_permutations, seed=seed)
    raise EvaluationError(f"significance test {test!r} is unknown; use one of {list(TESTS)}.")


def bonferroni(p_values: Sequence[float]) -> list[float]:
    """Bonferroni-adjusted p-values: ``min(1, m * p)`` for a family of ``m`` tests."""
    m = len(p_values)
    return [min(1.0, m * float(p)) for p in p_values]


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm (1979) step-down adjusted p-values, in the order given.

    Sort the ``m`` p-values ascending; the ``i``-th smallest (0-based) is multiplied by
    ``m - i``; a running maximum keeps the adjusted values monotone, and they are capped at 1.
    Rejecting every hypothesis whose adjusted value is below ``alpha`` is Holm's procedure.
    """
    m = len(p_values)
    order = sorted(range(m), key=lambda i: float(p_values[i]))
    adjusted = [0.0] * m
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, (m - rank) * float(p_values[index]))
        adjusted[index] = min(1.0, running)
    return adjusted


def correct(p_values: Sequence[float], method: CorrectionName = "holm") -> list[float]:
    """Adjust a family of p-values with ``"holm"``, ``"bonferroni"`` or ``"none"``.

    Raises:
        EvaluationError: an unknown method, or a p-value outside [0, 1].
    """
    for p in p_values:
        if not 0.0 <= float(p) <= 1.0:
            raise EvaluationError(f"p-value {p!r} is outside [0, 1].")
    if method == "holm":
        return holm(p_values)
    if method == "bonferroni":
        return bonferroni(p_values)
    if method == "none":
        return [float(p) for p in p_values]
    raise EvaluationError(f"correction {method!r} is unknown; use one of {list(CORRECTIONS)}.")


def paired_tests(
    baseline: Mapping[str, float],
    systems: Mapping[str, Mapping[str, float]],
    test: TestName = "ttest",
    policy: AlignPolicy = "refuse",
    n_permutations: int = 10_000,
    seed: int = 42,
    baseline_name: str = "baseline",
) -> dict[str, tuple[Alignment, TestResult]]:
    """Test every system against the baseline, uncorrected: ``{system: (alignment, result)}``.

    Why apart from the correction: a table corrects over a family larger than one baseline's
    comparisons (every system x baseline x metric), so it collects these results first. With the
    randomisation test on shared queries, one set of sign assignments serves every system (the
    same p-values as one test at a time with the same seed, in one pass).

    Raises:
        EvaluationError: see :func:`align` and :func:`paired_test`.
    """
    alignments = {
        name: align(scores, baseline, policy=policy, names=(name, baseline_name))
        for name, scores in systems.items()
    }
    same_queries = len({a.query_ids for a in alignments.values()}) == 1
    if test == "fisher" and same_queries and alignments and n_permutations >= 1:
        diffs = np.column_stack([a.a - a.b for a in alignments.values()])
        tested = _fisher_many(diffs, n_permutations, seed)
        return {
            name: (pair, result)
            for (name, pair), result in zip(alignments.items(), tested, strict=True)
        }
    return {
        name: (pair, paired_test(pair, test, n_permutations, seed))
        for name, pair in alignments.items()
    }


def comparison(system: str, result: TestResult, p_adjusted: float, alpha: float) -> Comparison:
    """The :class:`Comparison` of a test once its family is corrected (``p_adjusted``)."""
    direction = "better" if result.mean_diff > 0 else "worse" if result.mean_diff < 0 else "same"
    return Comparison(system, result, p_adjusted, p_adjusted < alpha, direction)


def compare_to_baseline(
    baseline: Mapping[str, float],
    systems: Mapping[str, Mapping[str, float]],
    test: TestName = "ttest",
    correction: CorrectionName = "holm",
    alpha: float = 0.05,
    policy: AlignPolicy = "refuse",
    n_permutations: int = 10_000,
    seed: int = 42,
    baseline_name: str = "baseline",
) -> list[Comparison]:
    """Test every system against the baseline and correct over this family of comparisons.

    Args:
        baseline: per-query scores of the baseline.
        systems: system name -> per-query scores (the baseline itself must not be in it).
        test: ``"ttest"`` or ``"fisher"``.
        correction: ``"holm"``, ``"bonferroni"`` or ``"none"``; the family is ``systems``.
        alpha: family-wise significance level.
        policy: how to treat differing query sets (see :func:`align`).
        n_permutations: permutations of the randomisation test.
        seed: seed of the randomisation test.
        baseline_name: the baseline's name in error messages.

    Returns:
        One :class:`Comparison` per system, in the order of ``systems``.

    Raises:
        EvaluationError: ``alpha`` outside (0, 1), or see :func:`align`, :func:`paired_test`.
    """
    check_alpha(alpha)
    results = paired_tests(baseline, systems, test, policy, n_permutations, seed, baseline_name)
    adjusted = correct([result.p_value for _, result in results.values()], correction)
    return [
        comparison(name, result, p_adj, alpha)
        for (name, (_, result)), p_adj in zip(results.items(), adjusted, strict=True)
    ]


def check_alpha(alpha: float) -> None:
    """Refuse a significance level outside (0, 1).

    Raises:
        EvaluationError: ``alpha`` outside (0, 1).
    """
    if not 0.0 < alpha < 1.0:
        raise EvaluationError(f"alpha must be in (0, 1), got {alpha}.")


def _differences(pair: Alignment | tuple[ArrayLike, ArrayLike]) -> np.ndarray:
    """``a - b`` of an alignment or of two equally long, finite score arrays."""
    if isinstance(pair, Alignment):
        return pair.a - pair.b
    a, b = (np.asarray(x, dtype=float) for x in pair)
    if a.ndim != 1 or a.shape != b.shape or len(a) == 0:
        raise EvaluationError(
            f"paired scores must be two non-empty vectors of one length, got shapes "
            f"{a.shape} and {b.shape}."
        )
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise EvaluationError("paired scores contain NaN or infinity.")
    return a - b


def paired_bootstrap_ci(
    pair: Alignment | tuple[ArrayLike, ArrayLike],
    n_resamples: int = 10_000,
    seed: int = 42,
    confidence: float = 0.95,
) -> tuple[float, float, float]:
    """Mean per-query difference ``a - b`` with its paired percentile bootstrap interval.

    Why a bootstrap over queries: the queries are the sample a test collection draws, so
    resampling them (with replacement, each query keeping its pair of scores) shows how much the
    mean difference would move on another sample of queries, with no normality assumption.
    Resample ``r`` draws ``n`` query indices from ``numpy.random.default_rng(seed)`` (all
    resamples in one stream, ``rng.integers(0, n, size=n)`` each, so a plain loop with the same
    seed draws the same ones); the bounds are the ``(1 - confidence) / 2`` and
    ``(1 + confidence) / 2`` percentiles of the resampled means (numpy's linear interpolation).

    Args:
        pair: an :class:`Alignment`, or the two systems' per-query scores as equally long arrays.
        n_resamples: bootstrap resamples (at least 1).
        seed: seed of the resampling; the same seed gives the same interval.
        confidence: coverage of the interval, in (0, 1).

    Returns:
        ``(mean_diff, low, high)``: the observed mean difference and the interval's bounds.

    Raises:
        EvaluationError: an invalid setting, or arrays that cannot be paired.
    """
    return _bootstrap_many(_differences(pair)[:, None], n_resamples, seed, confidence)[0]


def bootstrap_cis(
    pairs: Sequence[Alignment],
    n_resamples: int = 10_000,
    seed: int = 42,
    confidence: float = 0.95,
) -> list[tuple[float, float, float]]:
    """:func:`paired_bootstrap_ci` of several pairs, each equal to the call on it alone.

    Pairs over the same number of queries share their resampled indices, so a column of a table
    costs one pass however many systems it compares.
    """
    out: list[tuple[float, float, float] | None] = [None] * len(pairs)
    by_size: dict[int, list[int]] = {}
    for index, pair in enumerate(pairs):
        by_size.setdefault(len(pair.query_ids), []).append(index)
    for indices in by_size.values():
        diffs = np.column_stack([pairs[i].a - pairs[i].b for i in indices])
        for i, ci in zip(indices, _bootstrap_many(diffs, n_resamples, seed, confidence),
                         strict=True):
            out[i] = ci
    return [ci for ci in out if ci is not None]


def _bootstrap_many(
    diffs: np.ndarray, n_resamples: int, seed: int, confidence: float
) -> list[tuple[float, float, float]]:
    """Percentile bootstrap of each column's mean (``diffs``: queries x systems).

    One draw of indices serves every column. Each resample's indices become counts per query
    (``np.bincount``), so its means are one matrix product ``counts @ diffs / n`` rather than a
    gather of ``n x k`` values; batches keep memory near ``_BOOTSTRAP_BATCH_VALUES``.
    """
    if n_resamples < 1:
        raise EvaluationError(f"n_resamples must be at least 1, got {n_resamples}.")
    if not 0.0 < confidence < 1.0:
        raise EvaluationError(f"confidence must be in (0, 1), got {confidence}.")
    n, k = diffs.shape
    if n == 0:
        raise EvaluationError("the bootstrap needs at least one query.")
    rng = np.random.default_rng(seed)
    batch = max(1, _BOOTSTRAP_BATCH_VALUES // n)
    means = np.empty((n_resamples, k))
    for start in range(0, n_resamples, batch):
        size = min(batch, n_resamples - start)
        means[start : start + size] = resample_counts(rng, n, size) @ diffs / n
    tail = 50.0 * (1.0 - confidence)
    low, high = np.percentile(means, [tail, 100.0 - tail], axis=0)
    observed = diffs.mean(axis=0)
    return [
        (float(o), float(lo), float(hi)) for o, lo, hi in zip(observed, low, high, strict=True)
    ]


def resample_counts(rng: np.random.Generator, n: int, n_resamples: int) -> np.ndarray:
    """How often each of ``n`` items is drawn in each of ``n_resamples`` bootstrap resamples.

    Resample ``r`` is ``rng.integers(0, n, size=n)`` (all resamples from one stream), turned
    into counts per item (``resamples x n``), so a resampled mean is a matrix product rather
    than a gather of ``n`` values per resample.
    """
    draws = rng.integers(0, n, size=(n_resamples, n))
    flat = (draws + n * np.arange(n_resamples)[:, None]).ravel()
    return np.bincount(flat, minlength=n_resamples * n).reshape(n_resamples, n)


def win_tie_loss(
    pair: Alignment | tuple[ArrayLike, ArrayLike], tolerance: float = TIE_TOLERANCE
) -> WinTieLoss:
    """Count the queries where ``a`` beats, ties or loses to ``b``.

    Why a tolerance: per-query values averaged over seeds differ by float noise where the
    rankings agree, so "equal" needs a bound; a larger one (0.01) counts negligible differences
    as ties. A tie is ``|a - b| <= tolerance``.

    Raises:
        EvaluationError: a negative tolerance, or arrays that cannot be paired.
    """
    if not tolerance >= 0.0:
        raise EvaluationError(f"the tie tolerance must be >= 0, got {tolerance}.")
    diff = _differences(pair)
    wins = int(np.count_nonzero(diff > tolerance))
    losses = int(np.count_nonzero(diff < -tolerance))
    return WinTieLoss(wins, len(diff) - wins - losses, losses, float(tolerance))


def describe(test: str, correction: str, alpha: float, n_permutations: int, seed: int) -> str:
    """One sentence naming the test and correction, for table captions."""
    label = _TEST_LABELS.get(test, test)
    if test == "fisher":
        label += f" ({n_permutations:,} permutations, seed {seed})"
    corr = {"holm": "Holm-corrected", "bonferroni": "Bonferroni-corrected", "none": "uncorrected"}
    return f"{label}, {corr.get(correction, correction)}, alpha = {alpha:g}"
