"""Evaluation: metrics through ranx with explicit conventions, and significance tests.

Names are resolved on first use (PEP 562): ranx compiles numba kernels at import, which would
otherwise cost every ``rerank-bench`` command, ``--help`` included, a few seconds.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(importlib.import_module("rerank_bench.evaluation.metrics"), name)
    raise AttributeError(f"module 'rerank_bench.evaluation' has no attribute {name!r}")
