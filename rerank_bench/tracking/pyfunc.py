"""A trained re-ranker as an MLflow model: ``mlflow.pyfunc.load_model(uri).predict(pairs)``.

Why: a model logged as a plain folder can be downloaded, but not served, registered or loaded
by code that knows MLflow and not rerank-bench. The scored model is also logged as a pyfunc
model (``reranker`` in the run, ``tracking.register_model=<name>`` puts it in the registry); its
input is a table of ``query`` and ``document`` texts, its output one score per row, computed by
the same re-ranker class (and budgets) the run scored with. The Hugging Face folder stays the
run's ``model`` artifact, which sentence-transformers and ``reranker.model=runs:/<id>/model``
load; the pyfunc model holds a copy of it (``tracking.mlflow_model=false`` skips it).
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import logging
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
from mlflow.pyfunc import PythonModel

__all__ = ["PYFUNC_ARTIFACT", "TrainedReranker", "log_pyfunc"]

PYFUNC_ARTIFACT = "reranker"
_SCORABLE = ("cross_encoder", "bi_encoder")


class TrainedReranker(PythonModel):
    """Scores (query, document) pairs with a model trained by rerank-bench."""

    # MLflow would wrap predict to convert its input by the type hint (and warn about ours);
    # the signature logged with the model states the schema instead
    _skip_type_hint_validation = True

    def load_context(self, context: Any) -> None:
        from rerank_bench.reranking.trained import reranker_for

        config = context.model_config
        self._reranker = reranker_for(config["kind"], context.artifacts["hf"],
                                      int(config["max_length"]), config.get("query_max_length"))

    def predict(self, context: Any, model_input, params: dict[str, Any] | None = None
                ) -> np.ndarray:
        """One score per row of ``model_input`` (a DataFrame, or records, with ``query`` and
        ``document``); ``model_input`` has no type hint, as MLflow infers a schema from one."""
        import pandas as pd

        frame = model_input if isinstance(model_input, pd.DataFrame) else pd.DataFrame(model_input)
        missing = {"query", "document"} - set(frame.columns)
        if missing:
            raise ValueError(f"input lacks column(s) {sorted(missing)}: give query and document.")
        return self._reranker.score(list(frame["query"].astype(str)),
                                    list(frame["document"].astype(str)))


def _signature() -> Any:
    from mlflow.models import ModelSignature
    from mlflow.types import ColSpec, Schema, TensorSpec

    return ModelSignature(
        inputs=Schema([ColSpec("string", "query"), ColSpec("string", "document")]),
        outputs=Schema([TensorSpec(np.dtype(np.float32), (-1,))]),
    )


def log_pyfunc(folder: Path, kind: str, max_length: int, query_max_length: int | None,
               register: str | None = None) -> str | None:
    """Log the model in ``folder`` as the active run's pyfunc model; its URI (``None`` for a
    kind that scores documents by id, the log memory, which no text pair can feed)."""
    if kind not in _SCORABLE:
        return None
    try:
        version = importlib.metadata.version("rerank-bench")
    except importlib.metadata.PackageNotFoundError:
        version = None
    with _quiet_logging():
        info = mlflow.pyfunc.log_model(
            name=PYFUNC_ARTIFACT,
            python_model=TrainedReranker(),
            artifacts={"hf": str(folder)},
            signature=_signature(),
            model_config={"kind": kind, "max_length": max_length,
                          "query_max_length": query_max_length},
            # named, not inferred: inference would load the model in a subprocess to trace imports
            pip_requirements=[f"rerank-bench=={version}" if version else "rerank-bench"],
            registered_model_name=register,
        )
    return str(info.model_uri)


class _DropAdvice(logging.Filter):
    """MLflow's advice to serve models from code files: a pickled class of an installed package
    is what this model is."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Passing a Python object as `python_model`" not in record.getMessage()


@contextlib.contextmanager
def _quiet_logging() -> Iterator[None]:
    """Logging a model without MLflow's chatter: its advice on pickling, its warning that no
    input example was given (the signature is), and its download bar when it checks the model."""
    advice, pyfunc_log = _DropAdvice(), logging.getLogger("mlflow.pyfunc")
    pyfunc_log.addFilter(advice)
    bar = os.environ.get("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR")
    os.environ["MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR"] = "false"
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", ".*An input example was not provided")
            yield
    finally:
        pyfunc_log.removeFilter(advice)
        if bar is None:
            os.environ.pop("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", None)
        else:
            os.environ["MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR"] = bar
