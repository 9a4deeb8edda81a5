"""Log what a training chain returned into the active MLflow run.

Why after the fact: a stage trains in its cache folder and writes its curves there (Lightning's
CSV logger); the run that uses the model logs them, prefixed by the stage's name. So every run
that scores with a model carries its training curves, whether it trained it or reused it, a DDP
worker never needs a run, and a training killed before its run opened leaves no half-run behind.
"""

from __future__ import annotations

import csv
import logging
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import mlflow
from mlflow.entities import Metric
from mlflow.tracking import MlflowClient

from rerank_bench.tracking.names import (
    COLLAPSE_REASON_TAG,
    COLLAPSE_TAG,
    MODEL_ALONE_COLLAPSE_TAG,
    MODEL_ARTIFACT,
    fusion_metric,
    stage_metric,
    stage_tag,
)

__all__ = ["log_collapse", "log_curves", "log_fusion", "log_model", "log_stage", "read_curves"]

log = logging.getLogger(__name__)

_BATCH = 1000  # MLflow's limit of metrics per log_batch call


def read_curves(path: Path) -> dict[str, dict[int, float]]:
    """``metric -> step -> value`` from a Lightning CSV log (the last value of a repeated step).

    A resumed training replays the steps between its last checkpoint and the kill; keeping one
    value per step keeps one point per step in MLflow (which cannot delete points).
    """
    curves: dict[str, dict[int, float]] = {}
    if not path.is_file():
        return curves
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            step = row.get("step")
            if not step:
                continue
            for key, value in row.items():
                if key in ("step", "epoch") or value in (None, ""):
                    continue
                curves.setdefault(key, {})[int(float(step))] = float(value)
    return curves


def log_curves(stage: str, path: Path) -> int:
    """Log a stage's curves into the active run as ``<stage>/<metric>``; return points logged."""
    run = mlflow.active_run()
    if run is None:
        return 0
    client = MlflowClient()
    now = int(time.time() * 1000)
    points = [
        Metric(stage_metric(stage, key), value, now, step)
        for key, values in read_curves(path).items()
        for step, value in sorted(values.items())
    ]
    logged = _already_logged(client, run.info.run_id, {p.key for p in points})
    points = [p for p in points if (p.key, p.step) not in logged]
    for start in range(0, len(points), _BATCH):
        client.log_batch(run.info.run_id, metrics=points[start : start + _BATCH])
    return len(points)


def _already_logged(client: MlflowClient, run_id: str, keys: Iterable[str]) -> set[tuple[str, int]]:
    """Points a resumed run already holds (its job was killed after logging them)."""
    known = client.get_run(run_id).data.metrics
    return {
        (key, m.step)
        for key in keys
        if key in known
        for m in client.get_metric_history(run_id, key)
    }


def log_stage(stage: str, kind: str, folder: Path, model: Path, best: float | None,
              first_stage: float | None, seconds: float, collapsed: bool, reused: bool,
              truncation: Mapping[str, Any] | None = None,
              continuous: Mapping[str, Any] | None = None) -> None:
    """A stage's summary: best and first-stage dev nDCG@10, minutes, where it trained, what
    its token budgets cut of the training pairs (``<stage>/train/docs_truncated``...), and at the
    best step, on continuous dev labels, float-gain nDCG@10, ECE and Brier
    (``<stage>/best_val/ece``...)."""
    metrics = {stage_metric(stage, "minutes"): seconds / 60}
    for key in ("queries_truncated", "queries_seen", "docs_truncated", "docs_seen"):
        if truncation and key in truncation:
            metrics[stage_metric(stage, f"train/{key}")] = float(truncation[key])
    if best is not None:
        metrics[stage_metric(stage, "best_val/ndcg_at_10")] = best
    from rerank_bench.training.continuous import METRICS  # scipy: only once a stage has trained

    for key in METRICS:
        if continuous and key in continuous:
            metrics[stage_metric(stage, f"best_val/{key}")] = float(continuous[key])
    if first_stage is not None:
        metrics[stage_metric(stage, "val/first_stage_ndcg_at_10")] = first_stage
    mlflow.log_metrics(metrics)
    mlflow.set_tags({
        stage_tag(stage, "kind"): kind,
        stage_tag(stage, "folder"): str(folder),
        stage_tag(stage, "model"): str(model),
        stage_tag(stage, "reused"): str(reused).lower(),
        stage_tag(stage, "collapsed"): str(collapsed).lower(),
    })


def log_collapse(collapsed: bool, reason: str, model_alone: bool | None = None) -> None:
    """The system's collapse verdict (tables flag ⚠), and for a fused system the model's own."""
    tags = {COLLAPSE_TAG: str(collapsed).lower()}
    if reason:
        tags[COLLAPSE_REASON_TAG] = reason[:5000]
    if model_alone is not None:
        tags[MODEL_ALONE_COLLAPSE_TAG] = str(model_alone).lower()
    mlflow.set_tags(tags)


def log_fusion(members: list[str], weights: list[float], dev: float, first_stage: float) -> None:
    """The dev-tuned fusion: its members, their weights, and its dev nDCG@10."""
    mlflow.set_tag("fusion.members", ",".join(members))
    mlflow.log_metrics({
        **{fusion_metric(f"weight/{m}"): w for m, w in zip(members, weights, strict=True)},
        fusion_metric("dev/ndcg_at_10"): dev,
        fusion_metric("dev/first_stage_ndcg_at_10"): first_stage,
    })


def log_model(folder: Path) -> None:
    """The model the run scored with, as the ``model`` artifact folder."""
    mlflow.log_artifacts(str(folder), MODEL_ARTIFACT)
