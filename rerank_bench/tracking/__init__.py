"""MLflow tracking: the one writer of runs, and every name a run is read back by.

Why one package: a run is a contract between the pipeline that writes it and the tables,
reproductions, notebooks and UI that read it. Stages (retrieval, training, re-ranking) return
summaries and never call MLflow; :mod:`~rerank_bench.tracking.writer` opens and fills runs,
:mod:`~rerank_bench.tracking.training` logs what a training chain returned (curves, summaries,
the model), and :mod:`~rerank_bench.tracking.names` spells every tag, metric and artifact.

What a run holds:

* params: the flattened resolved config (``retriever.k1``...), secrets redacted;
* tags: ``dataset``, ``split``, ``retriever``, ``reranker``, ``system``, ``seed``, ``query_set``,
  ``git_commit``, ``rerank_bench_version``, ``version.<package>``, ``status_collapse``;
* metrics: ranx names made MLflow-safe (``ndcg_at_10``), timings, ``<stage>/...`` curves and
  summaries of training stages, ``fusion/...``;
* artifacts: ``run.trec``, ``first_stage.trec``, ``per_query.json``, ``config.yaml``,
  ``results.md`` and ``model/``.
"""

from __future__ import annotations

from rerank_bench.tracking.names import PER_QUERY_ARTIFACT
from rerank_bench.tracking.writer import (
    flatten,
    git_commit,
    log_params_once,
    package_versions,
    redact,
    resolve_tracking_uri,
    start_run,
)

__all__ = [
    "PER_QUERY_ARTIFACT",
    "flatten",
    "git_commit",
    "log_params_once",
    "package_versions",
    "redact",
    "resolve_tracking_uri",
    "start_run",
]
