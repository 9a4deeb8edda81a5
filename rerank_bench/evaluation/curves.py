"""Learning-curve statistics: a point's mean over seeds and queries, its gain over a baseline,
both with a 95% interval, and where the gain curve crosses zero.

Why a two-level bootstrap: a learning-curve point varies for two reasons, the training run
(data subsample and seed) and the test questions. An interval over seeds alone hides that 146
questions are a sample too; one over queries alone hides that another seed trains another
model. Each resample draws the seeds (with replacement) and the queries (with replacement) and
averages the drawn cells, so the interval covers both. The same draws serve every point of the
curve (the test questions are the same at every point), which is what makes the crossover's
interval meaningful: each resample gives one whole curve, and so one crossing.

The crossover is where the piecewise-linear gain curve, on a log data axis, last rises above
zero: past it every measured point beats the baseline. It may be *before the first point* (the
smallest amount of data already wins) or *never* (no point wins); both are reported as such,
not as a number.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from rerank_bench.errors import EvaluationError
from rerank_bench.evaluation.significance import resample_counts

__all__ = [
    "CI_LEVEL",
    "Crossover",
    "CurvePoint",
    "crossing",
    "curve_statistics",
]

CI_LEVEL = 0.95


@dataclass(frozen=True)
class CurvePoint:
    """One amount of data: the system's score and its gain over the baseline.

    Attributes:
        x: the amount of data (a fraction of the training questions, or a number of searches).
        n_seeds: training runs averaged.
        n_queries: test queries.
        mean: mean score over seeds and queries.
        low, high: its 95% two-level bootstrap interval.
        gain: mean paired gain over the baseline (system minus baseline, per query).
        gain_low, gain_high: its 95% interval.
        per_seed: each seed's mean score, in seed order.
    """

    x: float
    n_seeds: int
    n_queries: int
    mean: float
    low: float
    high: float
    gain: float
    gain_low: float
    gain_high: float
    per_seed: tuple[float, ...]


@dataclass(frozen=True)
class Crossover:
    """Where the gain curve last rises above zero, with its bootstrap interval.

    ``x`` is ``0.0`` when the first point already beats the baseline ("before the first point")
    and ``inf`` when no point does ("never, in the measured range"); the bounds follow the same
    convention, so an interval may be open on either side.

    Attributes:
        x: the crossing of the observed mean gain curve.
        low, high: the 2.5% and 97.5% percentiles of the resampled curves' crossings.
        never: the share of resampled curves that never cross.
    """

    x: float
    low: float
    high: float
    never: float

    def describe(self, unit: str, first: float, last: float) -> str:
        """A sentence fragment: "from about 120 searches (95% interval: 60 searches to 400
        searches)"; ``unit`` is appended to each number as given (" searches", "%")."""

        def at(value: float) -> str:
            if value == 0.0:
                return f"below {_number(first)}{unit}"
            if math.isinf(value):
                return f"beyond {_number(last)}{unit}"
            return f"{_number(value)}{unit}"

        if math.isinf(self.x):
            head = f"never, up to {_number(last)}{unit}"
        elif self.x == 0.0:
            head = f"already at {_number(first)}{unit} (the smallest amount measured)"
        else:
            head = f"from about {_number(self.x)}{unit}"
        if self.low == self.high and self.low in (0.0, math.inf):
            return head  # every resampled curve agrees: no interval to give
        return f"{head} (95% interval: {at(self.low)} to {at(self.high)})"


def _number(value: float) -> str:
    """A data amount as a reader writes it: 0.25, 340, 3,000."""
    if value >= 10:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def curve_statistics(
    points: Mapping[float, Sequence[Mapping[str, float]]],
    baseline: Mapping[str, float],
    n_resamples: int = 10_000,
    seed: int = 42,
) -> tuple[list[CurvePoint], Crossover]:
    """Score, gain and intervals of every point, and the crossover of the gain curve.

    Args:
        points: amount of data -> per-seed per-query scores (seeds in one order; every run
            scores the same queries as the baseline).
        baseline: the baseline's per-query scores (a deterministic pre-trained system: one run).
        n_resamples: bootstrap resamples.
        seed: seed of the resampling; the same seed gives the same intervals.

    Returns:
        The points in increasing ``x``, and the crossover.

    Raises:
        EvaluationError: no points, a point without runs, a run on other queries than the
            baseline, a non-positive ``x`` (the data axis is logarithmic), or ``n_resamples < 1``.
    """
    if not points:
        raise EvaluationError("a learning curve needs at least one point.")
    if n_resamples < 1:
        raise EvaluationError(f"n_resamples must be at least 1, got {n_resamples}.")
    query_ids = sorted(baseline)
    base = np.array([baseline[q] for q in query_ids])
    xs = sorted(points)
    if xs[0] <= 0:
        raise EvaluationError(f"data amounts must be positive (a log axis), got {xs[0]}.")
    scores = [_matrix(x, points[x], query_ids) for x in xs]
    rng = np.random.default_rng(seed)
    n = len(query_ids)
    query_weights = resample_counts(rng, n, n_resamples)  # shared by every point
    base_means = query_weights @ base / n
    tail = 50.0 * (1.0 - CI_LEVEL)
    resampled_gain = np.empty((n_resamples, len(xs)))
    out = []
    for k, (x, matrix) in enumerate(zip(xs, scores, strict=True)):
        seed_weights = resample_counts(rng, matrix.shape[0], n_resamples)
        # mean of resample r: sum_s sum_q w_s[r, s] * c_q[r, q] * M[s, q] / (S * n)
        means = np.einsum("rs,sq,rq->r", seed_weights, matrix, query_weights) / (
            matrix.shape[0] * n
        )
        resampled_gain[:, k] = means - base_means
        low, high = np.percentile(means, [tail, 100.0 - tail])
        gain_low, gain_high = np.percentile(resampled_gain[:, k], [tail, 100.0 - tail])
        out.append(
            CurvePoint(
                x=float(x),
                n_seeds=matrix.shape[0],
                n_queries=n,
                mean=float(matrix.mean()),
                low=float(low),
                high=float(high),
                gain=float(matrix.mean() - base.mean()),
                gain_low=float(gain_low),
                gain_high=float(gain_high),
                per_seed=tuple(float(v) for v in matrix.mean(axis=1)),
            )
        )
    observed = crossing(xs, [p.gain for p in out])
    crossings = np.array([crossing(xs, row) for row in resampled_gain])
    low, high = np.percentile(crossings, [tail, 100.0 - tail], method="inverted_cdf")
    return out, Crossover(observed, float(low), float(high), float(np.mean(np.isinf(crossings))))


def crossing(xs: Sequence[float], gains: Sequence[float] | np.ndarray) -> float:
    """Where the piecewise-linear gain curve on a log axis last rises above zero.

    ``0.0`` when every point is above zero, ``inf`` when the last point is not; else the
    log-linear interpolation between the last point at or below zero and the next one.
    """
    at_or_below = [i for i, g in enumerate(gains) if g <= 0]
    if not at_or_below:
        return 0.0
    i = at_or_below[-1]
    if i == len(xs) - 1:
        return math.inf
    g0, g1 = float(gains[i]), float(gains[i + 1])
    t = -g0 / (g1 - g0)
    return float(math.exp(math.log(xs[i]) + t * (math.log(xs[i + 1]) - math.log(xs[i]))))


def _matrix(x: float, runs: Sequence[Mapping[str, float]], query_ids: list[str]) -> np.ndarray:
    """Seeds x queries scores of one point, checked against the baseline's queries."""
    if not runs:
        raise EvaluationError(f"point {x} has no runs.")
    wanted = set(query_ids)
    for k, run in enumerate(runs):
        if set(run) != wanted:
            missing, extra = len(wanted - set(run)), len(set(run) - wanted)
            raise EvaluationError(
                f"point {x}, seed #{k}: scored on other queries than the baseline ({missing} "
                f"missing, {extra} extra); a paired gain needs the same test queries."
            )
    return np.array([[run[q] for q in query_ids] for run in runs])
