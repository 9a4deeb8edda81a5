"""Evaluation: metrics through ranx with explicit conventions, float-gain nDCG, calibration, and
significance tests.

Names are resolved on first use (PEP 562): ranx compiles numba kernels at import, which would
otherwise cost every ``rerank-bench`` command, ``--help`` included, a few seconds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rerank_bench._lazy import lazy_exports

if TYPE_CHECKING:
    from rerank_bench.evaluation.calibration import (
        Calibration,
        PlattScaling,
        ReliabilityBin,
        fit_platt,
        measure_calibration,
        paired_scores,
        plot_reliability,
        run_calibration,
        sigmoid,
    )
    from rerank_bench.evaluation.float_gain import FloatGainNDCG, float_gain_ndcg
    from rerank_bench.evaluation.metrics import (
        DEFAULT_METRICS,
        Evaluation,
        evaluate,
        evaluate_run,
        metric_key,
        query_set_id,
        with_rel_level,
    )

__all__ = [
    "Calibration",
    "DEFAULT_METRICS",
    "Evaluation",
    "FloatGainNDCG",
    "PlattScaling",
    "ReliabilityBin",
    "evaluate",
    "evaluate_run",
    "fit_platt",
    "float_gain_ndcg",
    "measure_calibration",
    "metric_key",
    "paired_scores",
    "plot_reliability",
    "query_set_id",
    "run_calibration",
    "sigmoid",
    "with_rel_level",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "rerank_bench.evaluation.metrics": [
            "DEFAULT_METRICS", "Evaluation", "evaluate", "evaluate_run", "metric_key",
            "query_set_id", "with_rel_level",
        ],
        "rerank_bench.evaluation.float_gain": ["FloatGainNDCG", "float_gain_ndcg"],
        "rerank_bench.evaluation.calibration": [
            "Calibration", "PlattScaling", "ReliabilityBin", "fit_platt", "measure_calibration",
            "paired_scores", "plot_reliability", "run_calibration", "sigmoid",
        ],
    },
)
