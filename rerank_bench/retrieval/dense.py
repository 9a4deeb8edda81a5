"""Dense (bi-encoder) first stage: embed the corpus once, search it exactly in bounded memory.

Why this shape: the corpus embeddings depend only on the model, the encoding settings and the
corpus, so they are built in streamed chunks into a cached, checksummed memmap
(:func:`rerank_bench.inference.embed_corpus`) that every run and sweep reuses; search is exact
inner-product top-k over blocks of that memmap (:func:`exact_topk`), so neither step holds the
corpus matrix in memory. faiss (``IndexFlatIP``) is used only when asked for and installed.
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rerank_bench.data.records import Corpus, Queries, Run
from rerank_bench.errors import ConfigError
from rerank_bench.inference import (
    RANKER_DEFAULTS,
    InferenceSettings,
    Side,
    TextEncoder,
    embed_corpus,
    encode_texts,
)
from rerank_bench.inference.engine import Pooling
from rerank_bench.models import LazyModel
from rerank_bench.progress import Progress
from rerank_bench.retrieval.base import Retriever
from rerank_bench.retrieval.search import exact_topk

__all__ = ["DenseEncoder", "DenseRetriever"]

log = logging.getLogger(__name__)


class DenseEncoder:
    """A bi-encoder: texts -> pooled (optionally unit-length) vectors.

    Args:
        model: folder, package alias (``minilm``) or hub id (``BAAI/bge-small-en-v1.5``).
        inference: budgets (``max_length`` of a document, ``query_max_length`` of a query, see
            :meth:`InferenceSettings.for_side`), batching, precision (``fp32``, ``bf16``, ``fp16``
            on CUDA, ``int8`` and ``int8-static`` on the CPU), device and progress bars.
        pooling: ``mean`` (sentence-transformers models such as MiniLM) or ``cls`` (bge).
        normalize: L2-normalise, so inner product is cosine similarity.
        query_prefix: prepended to queries (``"query: "`` for e5, an instruction for bge).
        doc_prefix: prepended to documents (``"passage: "`` for e5).
        revision: hub revision for hub ids.
    """

    def __init__(
        self,
        model: str = "minilm",
        *,
        inference: InferenceSettings = RANKER_DEFAULTS,
        pooling: Pooling = "mean",
        normalize: bool = True,
        query_prefix: str = "",
        doc_prefix: str = "",
        revision: str | None = None,
    ) -> None:
        if pooling not in ("mean", "cls"):
            raise ConfigError(f"pooling must be 'mean' or 'cls', got {pooling!r}.")
        self.model = LazyModel(model, "encoder", revision)
        self.inference = inference
        self.pooling: Pooling = pooling
        self.normalize = normalize
        self.query_prefix = query_prefix
        self.doc_prefix = doc_prefix

    def _prefix(self, side: Side) -> str:
        return self.query_prefix if side == "query" else self.doc_prefix

    def key(self, side: Side) -> dict[str, Any]:
        """What determines the vectors of one side (``query`` or ``doc``)."""
        return {
            "model": self.model.key(),
            "pooling": self.pooling,
            "normalize": self.normalize,
            "prefix": self._prefix(side),
            **self.inference.for_side(side).score_key(),
        }

    def cache_key(self) -> dict[str, Any]:
        """Both sides' settings plus the model fingerprint."""
        return {"query": self.key("query"), "doc": self.key("doc")}

    @property
    def dim(self) -> int:
        """Width of the vectors."""
        model, _ = self.model.load()
        return int(model.config.hidden_size)

    def encode(
        self, texts: Sequence[str], side: Side, progress: Progress | None = None
    ) -> np.ndarray:
        """Embed ``texts`` as queries or documents: ``[len(texts), dim]`` float32.

        ``progress``: the display of the stage these texts are part of (a corpus, a re-ranking);
        ``None``: this call shows its own.
        """
        model, tokenizer = self.model.load()
        settings = self.inference.for_side(side)
        encoder = TextEncoder(tokenizer, settings.max_length, None)
        return encode_texts(
            model, tokenizer, texts, settings, pooling=self.pooling, normalize=self.normalize,
            prefix=self._prefix(side),
            desc="encoding queries" if side == "query" else "encoding documents", encoder=encoder,
            progress=progress, side=side,
        )


class DenseRetriever(Retriever):
    """Bi-encoder first stage with cached corpus embeddings and exact (or faiss) search.

    Args:
        model: see :class:`DenseEncoder` (and ``inference``, ``pooling``, ``normalize``, the
            prefixes and ``revision``).
        name: system name in tables.
        cache_dir: where corpus embeddings are cached (``${paths.cache}``); ``None`` = no cache.
        block_size: documents scored per search step (bounds memory).
        chunk_docs: documents encoded and persisted per step while building the cache.
        use_faiss: search with faiss ``IndexFlatIP`` (loads the matrix into memory).
    """

    name = "dense"

    def __init__(
        self,
        model: str = "minilm",
        *,
        name: str = "dense",
        inference: InferenceSettings = RANKER_DEFAULTS,
        pooling: Pooling = "mean",
        normalize: bool = True,
        query_prefix: str = "",
        doc_prefix: str = "",
        cache_dir: str | Path | None = None,
        block_size: int = 65_536,
        chunk_docs: int = 8192,
        use_faiss: bool = False,
        revision: str | None = None,
    ) -> None:
        self.name = name
        self.encoder = DenseEncoder(
            model, inference=inference, pooling=pooling, normalize=normalize,
            query_prefix=query_prefix, doc_prefix=doc_prefix, revision=revision,
        )
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.block_size = block_size
        self.chunk_docs = chunk_docs
        if use_faiss and importlib.util.find_spec("faiss") is None:
            raise ConfigError("use_faiss=true but faiss is not installed. Fix: "
                              "`pip install faiss-cpu` or set use_faiss=false (exact search).")
        self.use_faiss = use_faiss

    def cache_key(self) -> dict[str, Any]:
        """Model fingerprint and every setting that changes the ranking."""
        return {"type": "dense", **self.encoder.cache_key()}

    def corpus_embeddings(self, corpus: Corpus) -> np.ndarray:
        """``[len(corpus), dim]`` embeddings in corpus order (a memmap when cached)."""
        doc_ids = list(corpus)
        key = {**self.encoder.key("doc"), "corpus": corpus.fingerprint(), "n_docs": len(doc_ids)}
        progress = Progress(f"{self.name}: encoding the corpus", "doc",
                            self.encoder.inference.show_progress)
        return embed_corpus(
            self.cache_dir,
            key,
            len(doc_ids),
            lambda start, stop: corpus.texts(doc_ids[start:stop]),
            lambda texts: self.encoder.encode(texts, "doc", progress),
            self.encoder.dim,
            self.chunk_docs,
            progress,
        )

    def retrieve(self, corpus: Corpus, queries: Queries, k: int) -> Run:
        """Top-``k`` documents per query by inner product of the embeddings."""
        return self.searcher(corpus, k)(queries)

    def searcher(self, corpus: Corpus, k: int) -> Callable[[Queries], Run]:
        """The corpus embeddings (and faiss index) loaded once; each call encodes its queries
        and searches."""
        if k < 1:
            raise ConfigError(f"k must be >= 1, got {k}.")
        if not len(corpus):
            return lambda queries: {qid: {} for qid in queries}
        doc_ids = list(corpus)
        docs = self.corpus_embeddings(corpus)
        if self.use_faiss:
            import faiss

            index = faiss.IndexFlatIP(docs.shape[1])
            index.add(np.ascontiguousarray(docs, dtype=np.float32))

        def search(queries: Queries) -> Run:
            if not queries:
                return {}
            qids = list(queries)
            vectors = self.encoder.encode([queries[q] for q in qids], "query")
            if self.use_faiss:
                scores, rows = index.search(vectors, min(k, len(doc_ids)))
            else:
                rows, scores = exact_topk(vectors, docs, k, self.block_size)
            return {
                qid: {doc_ids[r]: float(s) for r, s in zip(rows[i], scores[i], strict=True)
                      if r >= 0}
                for i, qid in enumerate(qids)
            }

        return search
