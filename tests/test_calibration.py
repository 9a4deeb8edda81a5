"""Calibration: ECE, Brier and reliability bins by hand, Platt scaling, the reliability plot."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from rerank_bench.data.io import read_trec_qrels, read_trec_run
from rerank_bench.errors import EvaluationError
from rerank_bench.evaluation import (
    PlattScaling,
    ReliabilityBin,
    fit_platt,
    measure_calibration,
    paired_scores,
    plot_reliability,
    run_calibration,
    sigmoid,
)


def test_ece_brier_and_bins_by_hand() -> None:
    p = [0.05, 0.15, 0.12, 0.95]
    y = [0.0, 0.5, 0.0, 1.0]
    result = measure_calibration(p, y, n_bins=10)
    # bins [0, .1): {.05}; [.1, .2): {.15, .12}; [.9, 1]: {.95}
    mean_p1, mean_y1 = (0.15 + 0.12) / 2, (0.5 + 0.0) / 2  # 0.135, 0.25
    ece = (1 * abs(0.05 - 0.0) + 2 * abs(mean_p1 - mean_y1) + 1 * abs(0.95 - 1.0)) / 4
    brier = ((0.05 - 0) ** 2 + (0.15 - 0.5) ** 2 + (0.12 - 0) ** 2 + (0.95 - 1) ** 2) / 4
    assert result.ece == pytest.approx(ece, abs=1e-12)  # 0.0825
    assert result.brier == pytest.approx(brier, abs=1e-12)  # 0.035475
    assert (result.n_bins, result.n_pairs) == (10, 4)
    assert [(b.lower, b.upper, b.count) for b in result.bins] == [
        (0.0, 0.1, 1), (0.1, 0.2, 2), (0.9, 1.0, 1)
    ]
    middle = result.bins[1]
    assert (middle.mean_predicted, middle.mean_label) == pytest.approx((mean_p1, mean_y1))


def test_bin_edges() -> None:
    """A probability on an edge falls in the bin that starts there; 1.0 in the last one."""
    result = measure_calibration([0.0, 0.3, 0.7, 1.0], [0.0, 0.0, 1.0, 1.0], n_bins=10)
    assert [b.lower for b in result.bins] == [0.0, 0.3, 0.7, 0.9]
    assert [b.count for b in result.bins] == [1, 1, 1, 1]


def test_one_bin_is_the_gap_of_the_means_and_perfect_is_zero() -> None:
    result = measure_calibration([0.2, 0.4, 0.9], [0.0, 1.0, 1.0], n_bins=1)
    assert result.ece == pytest.approx(abs((0.2 + 0.4 + 0.9) / 3 - (0.0 + 1.0 + 1.0) / 3))
    assert result.bins == (ReliabilityBin(0.0, 1.0, 0.5, 2 / 3, 3),)
    perfect = measure_calibration([0.1, 0.55, 0.8], [0.1, 0.55, 0.8], n_bins=5)
    assert (perfect.ece, perfect.brier) == (0.0, 0.0)


def test_sigmoid_and_platt_maps() -> None:
    assert sigmoid([0.0, math.log(3.0)]) == pytest.approx([0.5, 3.0 / (1.0 + 3.0)])
    scores = np.array([-2.0, 0.0, 1.5])
    assert PlattScaling(1.0, 0.0)(scores) == pytest.approx(sigmoid(scores))
    # sigmoid(2 * 1.5 - 1) = 1 / (1 + e^-2)
    assert PlattScaling(2.0, -1.0)(scores)[2] == pytest.approx(1.0 / (1.0 + math.exp(-2.0)))


def test_platt_recovers_the_map_that_made_the_labels() -> None:
    """Labels exactly sigmoid(2s - 1): the cross-entropy gradient is 0 at a = 2, b = -1."""
    scores = np.linspace(-3.0, 3.0, 41)
    labels = 1.0 / (1.0 + np.exp(-(2.0 * scores - 1.0)))
    fitted = fit_platt(scores, labels)
    assert (fitted.slope, fitted.intercept) == pytest.approx((2.0, -1.0), abs=1e-6)
    assert measure_calibration(fitted(scores), labels).ece < 1e-6


def test_run_calibration_by_hand() -> None:
    run = {"q": {"a": 0.0, "b": math.log(3.0), "x": 5.0}, "unlabelled": {"a": 1.0}}
    labels = {"q": {"a": 0.5, "b": 1.0, "c": 0.2}, "unretrieved": {"a": 1.0}}
    scores, values = paired_scores(run, labels)  # x has no label, c was not retrieved
    assert scores.tolist() == [0.0, math.log(3.0)] and values.tolist() == [0.5, 1.0]
    result = run_calibration(run, labels)
    # probabilities 0.5 (bin [.5, .6)) and 0.75 (bin [.7, .8)), labels 0.5 and 1.0
    assert result.ece == pytest.approx((1 * abs(0.5 - 0.5) + 1 * abs(0.75 - 1.0)) / 2)
    assert result.brier == pytest.approx(((0.5 - 0.5) ** 2 + (0.75 - 1.0) ** 2) / 2)
    lifted = run_calibration(run, labels, PlattScaling(1.0, 10.0), n_bins=2)
    assert lifted.bins[-1].count == 2  # both mapped above 0.99


def test_platt_on_dl19_bm25_calibrates_held_out_queries(data_root: Path) -> None:
    """BM25 scores (5..30) through a plain sigmoid are all ~1; a Platt map fitted on half of the
    DL19 queries (labels grade / 3) calibrates the other half far better, ranking unchanged."""
    folder = data_root / "msmarco-trec-dl"
    qrels = read_trec_qrels(folder / "qrels.dl19-passage.txt")
    run = read_trec_run(folder / "pools" / "run.dl19.bm25.top100.trec")
    labels = {q: {d: grade / 3 for d, grade in docs.items()} for q, docs in qrels.items()}
    queries = sorted(labels)
    dev, test = queries[::2], queries[1::2]
    map_ = fit_platt(*paired_scores(run, {q: labels[q] for q in dev}))
    held_out = {q: labels[q] for q in test}
    plain, fitted = run_calibration(run, held_out), run_calibration(run, held_out, map_)
    assert map_.slope > 0  # monotone: the ranking is kept
    assert plain.ece > 0.5 and fitted.ece < plain.ece / 3
    assert fitted.brier < plain.brier / 3
    assert fitted.n_pairs == plain.n_pairs == sum(c.count for c in fitted.bins)


def test_reliability_plot_is_a_png_written_in_place(tmp_path: Path) -> None:
    result = measure_calibration([0.05, 0.15, 0.12, 0.95], [0.0, 0.5, 0.0, 1.0])
    path = plot_reliability(result, tmp_path / "plots" / "reliability.png", title="toy")
    assert path == tmp_path / "plots" / "reliability.png"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in path.parent.iterdir()] == ["reliability.png"]  # no temporary left


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(EvaluationError, match="n_bins"):
        measure_calibration([0.5], [0.5], n_bins=0)
    with pytest.raises(EvaluationError, match="as long"):
        measure_calibration([0.5, 0.2], [0.5])
    with pytest.raises(EvaluationError, match=r"probabilities must lie in \[0, 1\]"):
        measure_calibration([1.5], [0.5])
    with pytest.raises(EvaluationError, match=r"labels must lie in \[0, 1\]"):
        fit_platt([1.0, 2.0], [0.0, 3.0])
    with pytest.raises(EvaluationError, match="finite"):
        fit_platt([math.inf], [0.5])
    with pytest.raises(EvaluationError, match="none of the labelled"):
        paired_scores({"q": {"a": 1.0}}, {"q": {"b": 1.0}})
