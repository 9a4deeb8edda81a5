"""Evaluation: metrics through ranx with explicit conventions, and significance tests.

Names are resolved on first use (PEP 562): ranx compiles numba kernels at import, which would
otherwise cost every ``rerank-bench`` command, ``--help`` included, a few seconds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rerank_bench._lazy import lazy_exports

if TYPE_CHECKING:
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
    "DEFAULT_METRICS",
    "Evaluation",
    "evaluate",
    "evaluate_run",
    "metric_key",
    "query_set_id",
    "with_rel_level",
]

__getattr__, __dir__ = lazy_exports(__name__, {"rerank_bench.evaluation.metrics": __all__})
