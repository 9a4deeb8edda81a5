"""Evaluation: metrics through ranx with explicit conventions, and significance tests."""

from rerank_bench.evaluation.metrics import (
    DEFAULT_METRICS,
    Evaluation,
    evaluate_run,
    metric_key,
    query_set_id,
    with_rel_level,
)

__all__ = [
    "DEFAULT_METRICS",
    "Evaluation",
    "evaluate_run",
    "metric_key",
    "query_set_id",
    "with_rel_level",
]
