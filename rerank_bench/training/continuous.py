"""Validation on continuous labels: what the grades cut from them cannot show.

When the dev judgments are grades cut from 0..1 labels (a log's click rates), ranx's nDCG sees only
the grades. Each validation then also reports nDCG with the labels themselves as gains and how well
the model's scores, read as probabilities (the sigmoid of the logit), match the labels: ECE and
Brier score, with the reliability bins kept for the best step's plot.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from rerank_bench.data.records import Labels, Run
from rerank_bench.evaluation.calibration import Calibration, ReliabilityBin, run_calibration
from rerank_bench.evaluation.float_gain import float_gain_ndcg

__all__ = ["METRICS", "RELIABILITY_FILE", "calibration_of", "continuous_view"]

METRICS = ("ndcg_at_10_float", "ece", "brier")
"""The figures of a :func:`continuous_view` that are logged at each validation."""

RELIABILITY_FILE = "reliability.png"
"""The best step's reliability diagram on the dev labels, beside a stage's summary."""


def continuous_view(labels: Labels, run: Run) -> dict[str, Any]:
    """``ndcg_at_10_float`` (nDCG@10, labels as gains), ``ece``, ``brier`` and the reliability
    ``bins`` of ``run``; empty without labels."""
    if not labels:
        return {}
    calibration = run_calibration(run, labels)
    return {
        "ndcg_at_10_float": float_gain_ndcg(labels, run, 10).mean,
        "ece": calibration.ece,
        "brier": calibration.brier,
        "bins": [asdict(b) for b in calibration.bins],
        "n_bins": calibration.n_bins,
        "n_pairs": calibration.n_pairs,
    }


def calibration_of(view: dict[str, Any]) -> Calibration:
    """The :class:`Calibration` a :func:`continuous_view` (or its JSON) holds."""
    return Calibration(ece=view["ece"], brier=view["brier"],
                       bins=tuple(ReliabilityBin(**b) for b in view["bins"]),
                       n_bins=view["n_bins"], n_pairs=view["n_pairs"])
