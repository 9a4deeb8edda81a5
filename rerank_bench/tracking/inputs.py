"""The data a run evaluated (and trained on) as MLflow dataset inputs (``mlflow.log_input``).

Why: the MLflow UI and API show a run's datasets (name, digest, source) in their own panel and
can search runs by them; the tags ``dataset``, ``split`` and ``query_set`` say the same for our
tables. Only metadata is logged (a :class:`~mlflow.data.meta_dataset.MetaDataset`): the digest is
the corpus fingerprint and the split's query set, so two runs on the same data show the same
digest, and the source is where the files were read (a folder, or an ir_datasets id).
"""

from __future__ import annotations

import time
import warnings
from typing import Any

import mlflow

from rerank_bench.data.records import Dataset, Split
from rerank_bench.evaluation.metrics import query_set_id
from rerank_bench.hashing import stable_hash

__all__ = ["log_dataset"]


def _source(location: str | None) -> Any:
    """Where the data came from: a local folder as a file URI, anything else (an ir_datasets id,
    a dataset without files) as a code source tagged with it."""
    from mlflow.data.code_dataset_source import CodeDatasetSource
    from mlflow.data.dataset_source_registry import resolve_dataset_source

    from rerank_bench.data.sources.paths import resolve_path

    if location and not location.startswith("irds:"):
        path = resolve_path(location)
        if path.exists():
            with warnings.catch_warnings():  # MLflow registers the local source twice, and says so
                warnings.filterwarnings("ignore", "The specified dataset source can be interpreted")
                return resolve_dataset_source(path.resolve().as_uri())
    return CodeDatasetSource(tags={"location": location or "in code"})


def log_dataset(dataset: Dataset, split: Split, location: str | None, context: str) -> None:
    """Log ``split`` of ``dataset`` as an input of the active run.

    Args:
        dataset: the loaded dataset.
        split: the split used.
        location: the dataset config's ``path`` (or split id) it was read from, if any.
        context: ``evaluation`` or ``training``.
    """
    from mlflow.data.meta_dataset import MetaDataset

    digest = stable_hash({"corpus": dataset.corpus.fingerprint(),
                          "queries": query_set_id(split.qrels)}, length=16)
    data = MetaDataset(  # type: ignore[abstract]  # MLflow leaves profile abstract
        _source(location), name=f"{dataset.name}/{split.name}", digest=digest
    )
    for attempt in range(_ATTEMPTS):
        try:
            mlflow.log_input(data, context=context)
            return
        except mlflow.exceptions.MlflowException as error:
            if "unique constraint" not in str(error).lower() or attempt == _ATTEMPTS - 1:
                raise
            time.sleep(0.05 * (attempt + 1))


_ATTEMPTS = 3
"""Tries of ``log_input``. MLflow's stores look a dataset up and insert it if missing in one
transaction, so two jobs of a parallel sweep (joblib, SLURM, a shared server) that log the same
dataset at once both insert it, and the second fails on the unique key (sqlite and PostgreSQL
alike). Tried again, the lookup finds the row the other job wrote."""
