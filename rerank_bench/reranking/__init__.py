"""Re-rankers: what a config's ``reranker=<name>`` instantiates, and their contract.

Why a package: every second stage (a cross-encoder, a bi-encoder, SPLADE, a hosted rerank API,
the log memory) is a :class:`Reranker` that rescores a first stage's top-k and leaves the rest of
the ranking below it (:func:`~rerank_bench.reranking.base.merge_reranked`), so the pipeline runs
any of them, pre-trained or fine-tuned, the same way. One module per re-ranker; beside them
:mod:`~rerank_bench.reranking.trained` builds the re-ranker of a model a training stage produced.

The classes are imported on first use: ``import rerank_bench.reranking`` does not import torch
(the neural re-rankers do), and configs keep naming them by module
(``rerank_bench.reranking.cross_encoder.CrossEncoderReranker``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rerank_bench._lazy import lazy_exports

if TYPE_CHECKING:
    from rerank_bench.reranking.api_rerank import ApiReranker
    from rerank_bench.reranking.base import Reranker
    from rerank_bench.reranking.bi_encoder import BiEncoderReranker
    from rerank_bench.reranking.cross_encoder import CrossEncoderReranker
    from rerank_bench.reranking.memory import LogMemoryReranker
    from rerank_bench.reranking.splade import SpladeReranker

__all__ = [
    "ApiReranker",
    "BiEncoderReranker",
    "CrossEncoderReranker",
    "LogMemoryReranker",
    "Reranker",
    "SpladeReranker",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "rerank_bench.reranking.api_rerank": ("ApiReranker",),
        "rerank_bench.reranking.base": ("Reranker",),
        "rerank_bench.reranking.bi_encoder": ("BiEncoderReranker",),
        "rerank_bench.reranking.cross_encoder": ("CrossEncoderReranker",),
        "rerank_bench.reranking.memory": ("LogMemoryReranker",),
        "rerank_bench.reranking.splade": ("SpladeReranker",),
    },
)
