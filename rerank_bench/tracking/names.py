"""Every name the MLflow contract uses: tags, metrics and artifacts, in one place.

Why: tables, ``reproduce``, notebooks and the UI read runs back by these names. When they were
spelled where they were written, one run held ``train/loss``, ``val_ndcg_at_10`` and
``train_best_val_ndcg_at_10`` side by side. Here a metric of a training stage is
``<stage>/<name>`` (``rank/train/loss``, ``rank/val/ndcg_at_10``), a metric of the evaluation is
its ranx name made MLflow-safe (``ndcg_at_10``), and fusion's are ``fusion/<name>``.
"""

from __future__ import annotations

__all__ = [
    "ARTIFACTS",
    "COLLAPSE_REASON_TAG",
    "COLLAPSE_TAG",
    "CONDITION_TAG",
    "CONFIG_ARTIFACT",
    "FIRST_STAGE_RUN_ARTIFACT",
    "JOB_KEY_TAG",
    "KIND_TAG",
    "MODEL_ALONE_COLLAPSE_TAG",
    "MODEL_ARTIFACT",
    "NOTES_TAG",
    "PER_QUERY_ARTIFACT",
    "RUN_ARTIFACT",
    "TABLE_ARTIFACT",
    "fusion_metric",
    "stage_metric",
    "stage_tag",
]

RUN_ARTIFACT = "run.trec"
FIRST_STAGE_RUN_ARTIFACT = "first_stage.trec"
PER_QUERY_ARTIFACT = "per_query.json"
CONFIG_ARTIFACT = "config.yaml"
TABLE_ARTIFACT = "results.md"
MODEL_ARTIFACT = "model"
"""Folder of the model the run re-ranked with (the chain's scored stage)."""
ARTIFACTS = (RUN_ARTIFACT, FIRST_STAGE_RUN_ARTIFACT, PER_QUERY_ARTIFACT, CONFIG_ARTIFACT,
             TABLE_ARTIFACT)

JOB_KEY_TAG = "job_key"
"""The hash of what decides a run's numbers (see :mod:`rerank_bench.experiments.reuse`)."""
CONDITION_TAG = "repro_condition"
"""The spec condition a ``reproduce`` run was made for."""
NOTES_TAG = "notes"
"""The notes under the run's table (ids matched only once normalised, truncation...)."""
KIND_TAG = "run_kind"
"""``parent`` on the parent run of a sweep or a reproduction: readers of results leave it out."""

COLLAPSE_TAG = "status_collapse"
"""``true`` when the run's system is no better than its first stage on dev (tables mark it ⚠)."""
COLLAPSE_REASON_TAG = "collapse_reason"
MODEL_ALONE_COLLAPSE_TAG = "model_alone_collapsed"
"""For a fused system: the trained model's own verdict (the run's is the fusion's)."""


def stage_metric(stage: str, name: str) -> str:
    """A training stage's metric: ``rank/train/loss``, ``adapt/val/ndcg_at_10``."""
    return f"{stage}/{name.replace('@', '_at_')}"


def stage_tag(stage: str, name: str) -> str:
    """A training stage's tag: ``training.rank.folder``."""
    return f"training.{stage}.{name}"


def fusion_metric(name: str) -> str:
    """A metric of the dev-tuned fusion: ``fusion/weight``, ``fusion/dev_ndcg_at_10``."""
    return f"fusion/{name}"
