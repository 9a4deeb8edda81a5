"""Bi-encoder re-scoring: the cosine of query and passage embeddings over a first stage's top-k.

Why: "BM25 -> bi-encoder" isolates what a dense model adds on top of lexical candidates without
dense retrieval's recall effects. Queries and passages are embedded once each (duplicates across
pairs are embedded once) with the same :class:`DenseEncoder` as the dense retriever, and pair
scores go through the shared score cache.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rerank_bench.inference import RANKER_DEFAULTS, InferenceSettings, ScoreCache, cached_scores
from rerank_bench.inference.engine import Pooling
from rerank_bench.progress import Progress
from rerank_bench.reranking.base import Reranker
from rerank_bench.reranking.two_tower import TwoTower
from rerank_bench.retrieval.dense import DenseEncoder

__all__ = ["BiEncoderReranker"]


class BiEncoderReranker(TwoTower, Reranker):
    """Re-rank the top ``depth`` by cosine similarity (inner product of normalised vectors).

    Args mirror :class:`DenseEncoder` (``inference.max_length`` is the passage budget,
    ``inference.query_max_length`` the query's) plus ``depth``, ``cache_dir``
    (``${paths.cache}``) and ``name``. With ``normalize=false`` the score is the raw inner
    product.
    """

    name = "bi_encoder"
    model_kind = "bi_encoder"
    """The kind of trained model this re-ranker scores with (``reranker.model: null``)."""

    def __init__(
        self,
        model: str = "minilm",
        *,
        depth: int = 100,
        inference: InferenceSettings = RANKER_DEFAULTS,
        pooling: Pooling = "mean",
        normalize: bool = True,
        query_prefix: str = "",
        doc_prefix: str = "",
        cache_dir: str | Path | None = None,
        name: str = "bi_encoder",
        revision: str | None = None,
    ) -> None:
        super().__init__(depth)
        self.encoder = DenseEncoder(
            model, inference=inference, pooling=pooling, normalize=normalize,
            query_prefix=query_prefix, doc_prefix=doc_prefix, revision=revision,
        )
        self.cache_dir = cache_dir
        self.name = name
        self._cache: ScoreCache | None = None

    def cache_key(self) -> dict[str, Any]:
        """Model fingerprint and encoding settings of both sides."""
        return {"type": "bi_encoder", **self.encoder.cache_key(), "depth": self.depth}

    def score(self, queries: Sequence[str], docs: Sequence[str]) -> np.ndarray:
        """Inner product of the query and passage vectors of each pair (one progress display
        in pairs covers the call, whatever its chunks and sides)."""
        if self._cache is None:
            self._cache = ScoreCache(self.cache_dir, {"type": "bi_encoder",
                                                      **self.encoder.cache_key()})
        progress = Progress(self.name, "pair", self.encoder.inference.show_progress)

        def compute(qs: list[str], ds: list[str]) -> np.ndarray:
            uq, q_index = np.unique(np.asarray(qs, dtype=object), return_inverse=True)
            ud, d_index = np.unique(np.asarray(ds, dtype=object), return_inverse=True)
            progress.expect(len(uq) + len(ud))
            q_vec = self.encoder.encode(list(uq), "query", progress)
            d_vec = self._doc_vectors(list(ud), lambda t: self.encoder.encode(t, "doc", progress))
            return np.einsum("ij,ij->i", q_vec[q_index], d_vec[d_index]).astype(np.float32)

        return cached_scores(self._cache, queries, docs, compute, progress=progress)

    def _encode_docs(self, texts: list[str]) -> np.ndarray:
        return self.encoder.encode(texts, "doc")

    def _stack_docs(self, rows: list[Any]) -> np.ndarray:
        return np.stack(rows)
