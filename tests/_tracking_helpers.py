"""Log real MLflow runs the way the pipeline does, for reporting tests and benchmarks.

The runs go through :func:`rerank_bench.tracking.start_run` (the same tags, flattened params and
store layout as ``rerank-bench run``), with per-query metrics given by the test instead of being
computed from a ranking, so tables and significance can be checked against known numbers.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from pathlib import Path

import mlflow

from rerank_bench.evaluation.metrics import metric_key, query_set_id
from rerank_bench.tracking import PER_QUERY_ARTIFACT, start_run

__all__ = ["log_run", "store_uri"]


def store_uri(root: Path) -> tuple[str, str]:
    """A sqlite tracking URI and an artifact folder under ``root``."""
    return f"sqlite:///{root / 'mlflow.db'}", str(root / "mlartifacts")


def log_run(
    uri: str,
    artifacts: str,
    experiment: str,
    system: str,
    dataset: str,
    per_query: Mapping[str, Mapping[str, float]],
    seed: int = 42,
    rel_level: int = 1,
    extra_metrics: Mapping[str, float] | None = None,
    params: Mapping[str, object] | None = None,
    history: Mapping[str, list[float]] | None = None,
    tags: Mapping[str, str] | None = None,
) -> str:
    """Log one finished run; ``per_query`` maps ranx metric names to ``{qid: value}``."""
    query_ids = next(iter(per_query.values())).keys()
    all_tags = {
        "dataset": dataset,
        "split": "test",
        "retriever": system.split(">>")[0],
        "reranker": system.split(">>")[1] if ">>" in system else "none",
        "system": system,
        "seed": str(seed),
        "query_set": query_set_id(query_ids),
        **(tags or {}),
    }
    config = {"seed": seed, "dataset": {"name": dataset}, **(params or {})}
    with start_run(uri, experiment, system, all_tags, config, artifacts) as active:
        means = {metric_key(m): statistics.fmean(v.values()) for m, v in per_query.items()}
        mlflow.log_metrics({**means, **(extra_metrics or {})})
        for key, values in (history or {}).items():
            for step, value in enumerate(values):
                mlflow.log_metric(key, value, step=step)
        payload = {
            "metrics": list(per_query),
            "rel_level": rel_level,
            "per_query": {m: dict(v) for m, v in per_query.items()},
        }
        mlflow.log_dict(payload, PER_QUERY_ARTIFACT)
        return str(active.info.run_id)
