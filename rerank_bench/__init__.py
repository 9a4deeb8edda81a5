"""rerank-bench: measure whether re-rankers, pre-trained or fine-tuned on domain data, help.

The library surface is four functions, for notebooks and scripts; they give the numbers of the
``rerank-bench`` command, without its command line or temporary files::

    from rerank_bench import compare, evaluate, load_dataset, run_experiment

    split = load_dataset("helpdesk").split("test")       # a conf/dataset/*.yaml, by name
    evaluate(split, run, ["ndcg@10"]).mean                # ranx, at the split's relevance level
    compare(split, {"bm25": run, "mine": mine}, baseline="bm25").to_markdown()
    run_experiment(["retriever=bm25"]).metrics            # rerank-bench run retriever=bm25

Beyond them: :mod:`rerank_bench.data` (records and sources), :mod:`rerank_bench.retrieval` and
:mod:`rerank_bench.reranking` (the stages), :mod:`rerank_bench.reporting` (MLflow runs, tables,
plots). Importing the package loads no data, no model, and none of torch, MLflow, ranx or Hydra:
each name is imported when first used.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rerank_bench._lazy import lazy_exports
from rerank_bench.errors import ConfigError, DataFormatError, RerankBenchError

if TYPE_CHECKING:
    from rerank_bench.data.registry import list_datasets, load_dataset
    from rerank_bench.evaluation.metrics import evaluate
    from rerank_bench.pipeline import RunResult
    from rerank_bench.reporting.tables.in_memory import compare

__all__ = [
    "ConfigError",
    "DataFormatError",
    "RerankBenchError",
    "__version__",
    "compare",
    "evaluate",
    "list_datasets",
    "load_dataset",
    "run_experiment",
]
__version__ = "0.1.0"

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "rerank_bench.data.registry": ("list_datasets", "load_dataset"),
        "rerank_bench.evaluation.metrics": ("evaluate",),
        "rerank_bench.reporting.tables.in_memory": ("compare",),
    },
)


def run_experiment(overrides: Sequence[str] = ()) -> RunResult:
    """Run one experiment, as ``rerank-bench run <overrides>`` does, and return its result.

    The packaged config is composed with the Hydra ``overrides`` (``["dataset=scifact",
    "retriever=bm25"]``) and run by :func:`rerank_bench.pipeline.run`: the same stages, caches
    and MLflow run as the command, so ``.metrics["ndcg@10"]`` is the number the command prints.

    Raises:
        ConfigError: an inconsistent config (and the errors of the stages it runs).
    """
    from rerank_bench.pipeline import run_overrides  # the pipeline imports MLflow: on use only

    return run_overrides(list(overrides))
