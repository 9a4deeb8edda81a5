"""First stages: the retrievers a config's ``retriever=<name>`` instantiates, and their contract.

Why a package: every first stage (lexical, dense, paid embeddings, a published run file, a fusion
of several) is a :class:`Retriever` that turns a corpus and queries into a run, so the pipeline and
the re-rankers never know which one produced their candidates. One module per retriever; beside
them :mod:`~rerank_bench.retrieval.search` (exact top-k over vectors),
:mod:`~rerank_bench.retrieval.tuned_fusion` (fusion weights tuned on dev) and
:mod:`~rerank_bench.retrieval.api` (the audited client of the embedding and rerank APIs).

The classes are imported on first use: ``import rerank_bench.retrieval`` imports neither torch
(the dense retriever) nor bm25s, and configs keep naming them by module
(``rerank_bench.retrieval.bm25.BM25Retriever``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rerank_bench._lazy import lazy_exports

if TYPE_CHECKING:
    from rerank_bench.retrieval.api_retriever import ApiEmbeddingRetriever
    from rerank_bench.retrieval.base import Retriever
    from rerank_bench.retrieval.bm25 import BM25Retriever
    from rerank_bench.retrieval.dense import DenseEncoder, DenseRetriever
    from rerank_bench.retrieval.fusion import FusionRetriever
    from rerank_bench.retrieval.run_file import RunFileRetriever

__all__ = [
    "ApiEmbeddingRetriever",
    "BM25Retriever",
    "DenseEncoder",
    "DenseRetriever",
    "FusionRetriever",
    "Retriever",
    "RunFileRetriever",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "rerank_bench.retrieval.api_retriever": ("ApiEmbeddingRetriever",),
        "rerank_bench.retrieval.base": ("Retriever",),
        "rerank_bench.retrieval.bm25": ("BM25Retriever",),
        "rerank_bench.retrieval.dense": ("DenseEncoder", "DenseRetriever"),
        "rerank_bench.retrieval.fusion": ("FusionRetriever",),
        "rerank_bench.retrieval.run_file": ("RunFileRetriever",),
    },
)
