"""Calibration of re-ranker scores against continuous labels: ECE, Brier, reliability diagram.

Why: a re-ranker's score is used as a probability (a threshold for "show this answer", a mix
with other signals) only if a score of 0.7 means that about 70% of such documents are useful.
Click- and log-derived labels (:mod:`rerank_bench.feedback.labels`) are such rates in [0, 1], so
scores can be checked against them directly, pair by pair, with no cut into grades.

Scores become probabilities through a map: :func:`sigmoid` by default (cross-encoders output a
logit), or a :class:`PlattScaling` fitted on a dev set by :func:`fit_platt`, so that a model's
ranking quality and the calibration of its raw scale are not confused. Binning follows the usual
definitions (Naeini et al. 2015; Guo et al. 2017): ``n_bins`` equal-width bins over [0, 1],
``[i/n, (i+1)/n)`` with 1.0 in the last, ECE = sum over bins of ``count / N * |mean predicted -
mean label|``; the Brier score is the mean squared difference, over pairs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import minimize
from scipy.special import expit

from rerank_bench.data.io import atomic_write
from rerank_bench.data.records import Labels, Run
from rerank_bench.errors import EvaluationError

__all__ = [
    "Calibration",
    "PlattScaling",
    "ReliabilityBin",
    "fit_platt",
    "measure_calibration",
    "paired_scores",
    "plot_reliability",
    "run_calibration",
    "sigmoid",
]

ScoreMap = Callable[[np.ndarray], np.ndarray]
"""Raw scores -> probabilities in [0, 1] (:func:`sigmoid`, a fitted :class:`PlattScaling`)."""


def sigmoid(scores: ArrayLike) -> np.ndarray:
    """The logistic function: the default map, since a cross-encoder's score is a logit."""
    return np.asarray(expit(np.asarray(scores, dtype=float)), dtype=float)


@dataclass(frozen=True)
class PlattScaling:
    """``sigmoid(slope * score + intercept)``: a monotone map, so rankings are unchanged.

    Attributes:
        slope: multiplies the raw score (1 with intercept 0 is :func:`sigmoid`).
        intercept: added before the sigmoid.
    """

    slope: float
    intercept: float

    def __call__(self, scores: ArrayLike) -> np.ndarray:
        return sigmoid(self.slope * np.asarray(scores, dtype=float) + self.intercept)


def fit_platt(scores: ArrayLike, labels: ArrayLike) -> PlattScaling:
    """Platt scaling fitted on dev pairs: the 1-D logistic regression of labels on scores.

    Minimises the mean cross-entropy of the continuous labels under ``sigmoid(a * s + b)``
    (L-BFGS with the exact gradient, from the plain sigmoid a=1, b=0). The labels are used as
    they are: they are already soft targets, so Platt's (1999) smoothing of 0/1 targets is not
    applied; on 0/1 labels that a score separates perfectly the slope only stops growing at the
    optimiser's tolerance.

    Args:
        scores: raw re-ranker scores of the dev pairs.
        labels: their labels in [0, 1], in the same order.

    Raises:
        EvaluationError: inputs of different lengths, empty, not finite, labels outside [0, 1],
            or an optimiser that did not converge.
    """
    s, y = _checked(scores, labels, "scores")

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        z = theta[0] * s + theta[1]
        # -log sigmoid(z) = log(1 + e^-z), computed without overflow.
        value = np.mean(y * np.logaddexp(0.0, -z) + (1.0 - y) * np.logaddexp(0.0, z))
        residual = expit(z) - y
        return float(value), np.array([np.mean(residual * s), np.mean(residual)])

    # Tolerances far below scipy's defaults: the fit costs milliseconds, and the defaults stop
    # 1e-4 short of the optimum.
    tight = {"ftol": 1e-15, "gtol": 1e-10}
    result = minimize(loss, np.array([1.0, 0.0]), jac=True, method="L-BFGS-B", options=tight)
    if not result.success:
        raise EvaluationError(f"Platt scaling did not converge: {result.message}")
    return PlattScaling(slope=float(result.x[0]), intercept=float(result.x[1]))


@dataclass(frozen=True)
class ReliabilityBin:
    """One non-empty bin of a reliability diagram.

    Attributes:
        lower: the bin's lower edge (included).
        upper: its upper edge (excluded, except 1.0 in the last bin).
        mean_predicted: mean probability of the pairs in it.
        mean_label: mean label of those pairs.
        count: pairs in it.
    """

    lower: float
    upper: float
    mean_predicted: float
    mean_label: float
    count: int


@dataclass(frozen=True)
class Calibration:
    """How well probabilities match labels.

    Attributes:
        ece: expected calibration error (bins weighted by their share of pairs).
        brier: mean squared difference between probability and label.
        bins: the non-empty bins, in order (the reliability diagram's data).
        n_bins: number of equal-width bins (empty ones included).
        n_pairs: pairs evaluated.
    """

    ece: float
    brier: float
    bins: tuple[ReliabilityBin, ...]
    n_bins: int
    n_pairs: int


def measure_calibration(
    probabilities: ArrayLike, labels: ArrayLike, n_bins: int = 10
) -> Calibration:
    """ECE, Brier score and reliability bins of ``probabilities`` against ``labels``.

    Args:
        probabilities: predicted probabilities in [0, 1].
        labels: continuous labels in [0, 1], in the same order.
        n_bins: equal-width bins over [0, 1].

    Raises:
        EvaluationError: ``n_bins < 1``, inputs of different lengths, empty, not finite, or
            outside [0, 1].
    """
    if n_bins < 1:
        raise EvaluationError(f"calibration needs n_bins >= 1, got {n_bins}.")
    p, y = _checked(probabilities, labels, "probabilities")
    if np.any((p < 0) | (p > 1)):
        raise EvaluationError("probabilities must lie in [0, 1]; map raw scores first (sigmoid).")
    # Edges i / n are the doubles nearest to the decimals (0.3, not linspace's 0.30000000000000004),
    # so a probability written as an edge falls in the bin that starts there.
    edges = np.arange(n_bins + 1) / n_bins
    which = np.minimum(np.searchsorted(edges, p, side="right") - 1, n_bins - 1)
    counts = np.bincount(which, minlength=n_bins)
    filled = counts > 0
    mean_p = np.bincount(which, weights=p, minlength=n_bins)[filled] / counts[filled]
    mean_y = np.bincount(which, weights=y, minlength=n_bins)[filled] / counts[filled]
    bins = tuple(
        ReliabilityBin(float(edges[i]), float(edges[i + 1]), float(mp), float(my), int(counts[i]))
        for i, mp, my in zip(np.flatnonzero(filled), mean_p, mean_y, strict=True)
    )
    return Calibration(
        ece=float(np.sum(counts[filled] / p.size * np.abs(mean_p - mean_y))),
        brier=float(np.mean((p - y) ** 2)),
        bins=bins,
        n_bins=n_bins,
        n_pairs=int(p.size),
    )


def paired_scores(run: Run, labels: Labels) -> tuple[np.ndarray, np.ndarray]:
    """Scores and labels of the pairs both ``run`` and ``labels`` have (query, then doc id order).

    A retrieved document without a label is left out, not taken as 0: a log labels only what it
    showed, and an unseen document's usefulness is unknown.

    Raises:
        EvaluationError: no pair in common.
    """
    common = [
        (run[qid][doc_id], label)
        for qid in sorted(labels.keys() & run.keys())
        for doc_id, label in sorted(labels[qid].items())
        if doc_id in run[qid]
    ]
    if not common:
        raise EvaluationError("the run scores none of the labelled (query, document) pairs.")
    scores, values = zip(*common, strict=True)
    return np.asarray(scores, dtype=float), np.asarray(values, dtype=float)


def run_calibration(
    run: Run, labels: Labels, mapping: ScoreMap = sigmoid, n_bins: int = 10
) -> Calibration:
    """:func:`measure_calibration` of a run's scores, mapped to probabilities, on labelled pairs.

    Args:
        run: raw re-ranker scores.
        labels: continuous labels in [0, 1].
        mapping: scores -> probabilities (:func:`sigmoid`, or :func:`fit_platt` on a dev set).
        n_bins: equal-width bins over [0, 1].
    """
    scores, values = paired_scores(run, labels)
    return measure_calibration(mapping(scores), values, n_bins)


def plot_reliability(result: Calibration, path: str | Path, title: str = "") -> Path:
    """Reliability diagram (mean label vs mean probability per bin) beside the bin counts.

    Drawn on matplotlib's Agg backend (no display) and written through
    :func:`~rerank_bench.data.io.atomic_write`, as :mod:`rerank_bench.reporting.plots` does.

    Args:
        result: what :func:`measure_calibration` returned.
        path: output file; the suffix picks the format (``.png``, ``.pdf``, ``.svg``).
        title: figure title (ECE and Brier are added).

    Returns:
        The written path.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(9.0, 3.6))
    predicted = [b.mean_predicted for b in result.bins]
    left.plot([0, 1], [0, 1], color="gray", linestyle="--", linewidth=1, label="calibrated")
    left.plot(predicted, [b.mean_label for b in result.bins], marker="o", label="bins")
    left.set_xlim(0, 1)
    left.set_ylim(0, 1)
    left.set_xlabel("mean predicted probability")
    left.set_ylabel("mean label")
    left.grid(alpha=0.3)
    left.legend(fontsize=8)
    scores = f"ECE {result.ece:.3f}, Brier {result.brier:.3f}"
    left.set_title(f"{title}: {scores}" if title else scores)
    width = 1.0 / result.n_bins
    right.bar([b.lower for b in result.bins], [b.count for b in result.bins], width=width,
              align="edge", color="tab:blue", alpha=0.7)
    right.set_xlim(0, 1)
    right.set_xlabel("predicted probability")
    right.set_ylabel(f"pairs ({result.n_pairs})")
    right.grid(alpha=0.3)

    path = Path(path)
    fig.tight_layout()
    with atomic_write(path, "wb") as handle:
        fig.savefig(handle, format=path.suffix.lstrip(".").lower() or "png", dpi=150)
    plt.close(fig)
    return path


def _checked(values: ArrayLike, labels: ArrayLike, what: str) -> tuple[np.ndarray, np.ndarray]:
    v, y = np.asarray(values, dtype=float).ravel(), np.asarray(labels, dtype=float).ravel()
    if v.size != y.size or v.size == 0:
        raise EvaluationError(
            f"{what} and labels must be non-empty and as long as each other: {v.size}, {y.size}."
        )
    if not (np.all(np.isfinite(v)) and np.all(np.isfinite(y))):
        raise EvaluationError(f"{what} and labels must be finite numbers.")
    if np.any((y < 0) | (y > 1)):
        raise EvaluationError("labels must lie in [0, 1] (continuous labels, not grades).")
    return v, y
