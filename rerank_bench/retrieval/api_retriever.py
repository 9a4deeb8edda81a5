"""A first stage that pays for embeddings: OpenAI, Cohere or Voyage vectors + exact search.

Researchers ask whether a fine-tuned re-ranker beats simply buying better embeddings; this
retriever answers the second half like any other config group member
(``retriever=openai-3-small``). Corpus and query vectors come from the provider through
:class:`~rerank_bench.retrieval.api.embedder.ApiEmbedder` (cached on disk, so a sweep or a re-run
never pays twice), and search is :func:`~rerank_bench.retrieval.search.exact_topk` over
L2-normalised vectors, i.e. cosine similarity. The API key is read from the environment (or a
file) only when a request is about to be sent, and appears in no repr, error, cache or cache key.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np

from rerank_bench.data.records import Corpus, Queries, Run
from rerank_bench.errors import ConfigError
from rerank_bench.retrieval.api.batching import estimate_tokens
from rerank_bench.retrieval.api.client import ApiClient, ClientSettings, Connection, RequestStats
from rerank_bench.retrieval.api.cost import CostMeter, Prices
from rerank_bench.retrieval.api.embedder import ApiEmbedder, EmbedSettings
from rerank_bench.retrieval.api.errors import DryRunStop
from rerank_bench.retrieval.api.providers import get_provider
from rerank_bench.retrieval.base import Retriever
from rerank_bench.retrieval.search import exact_topk

__all__ = ["ApiEmbeddingRetriever"]

log = logging.getLogger(__name__)


class ApiEmbeddingRetriever(Retriever):
    """Dense retrieval with a provider's embedding API.

    Args:
        name: display name (``openai-3-small``).
        provider: ``openai``, ``cohere`` or ``voyage``.
        model: the provider's model name (``text-embedding-3-small``, ``embed-english-v3.0``...).
        dimensions: output size for models that can shorten vectors; ``None`` for native.
        dtype: ``float`` (all), ``int8``/``uint8`` (Cohere, Voyage).
        truncation: provider setting; ``None`` for the provider's default (OpenAI: none, Cohere:
            END, Voyage: true).
        client: where the API and its key are (Azure OpenAI: ``auth_style: api-key`` and an
            ``api_version``), retries, concurrency and the sqlite cache (see
            :class:`ClientSettings`).
        max_items: inputs per request; ``None`` for the provider's limit.
        max_batch_tokens: estimated tokens per request; ``None`` for the provider's budget.
        price_per_1m_tokens: USD per million tokens (for ``cost_summary``).
        price_date: when the price was read off the provider's list (shown with estimates).
        normalize: L2-normalise vectors (cosine); turn off only for models meant for dot product.
        query_input_type: override of the provider's query ``input_type``.
        document_input_type: override of the provider's document ``input_type``.
        dry_run: estimate tokens and cost, send nothing, and stop with :class:`DryRunStop`.
    """

    def __init__(
        self,
        name: str,
        provider: str,
        model: str,
        *,
        client: ClientSettings,
        dimensions: int | None = None,
        dtype: str = "float",
        truncation: str | bool | None = None,
        max_items: int | None = None,
        max_batch_tokens: int | None = None,
        price_per_1m_tokens: float = 0.0,
        price_date: str | None = None,
        normalize: bool = True,
        query_input_type: str | None = None,
        document_input_type: str | None = None,
        dry_run: bool = False,
    ) -> None:
        self.name = name
        self.provider = get_provider(provider)
        limit = self.provider.max_items
        if max_items is not None and not 1 <= max_items <= limit:
            raise ConfigError(
                f"{name}: max_items must be in 1..{limit} for {provider}, got {max_items}."
            )
        if dimensions is not None and dimensions < 1:
            raise ConfigError(f"{name}: dimensions must be positive or null, got {dimensions}.")
        self.settings = EmbedSettings(
            model=model,
            dimensions=dimensions,
            dtype=self.provider.check_dtype(dtype),
            truncation=self.provider.truncation(truncation),
            max_items=max_items or limit,
            max_batch_tokens=max_batch_tokens or self.provider.max_batch_tokens,
            normalize=normalize,
            query_input_type=query_input_type,
            document_input_type=document_input_type,
        )
        self.connection = Connection(self.provider, client)
        self.cache = client.open_cache()
        self.dry_run = dry_run
        self.price_date = price_date
        self.meter = CostMeter("api", Prices(per_1m_tokens=price_per_1m_tokens))
        self.stats = RequestStats()

    def __repr__(self) -> str:
        return (
            f"ApiEmbeddingRetriever(name={self.name!r}, provider={self.provider.name!r}, "
            f"model={self.settings.model!r}, base_url={self.connection.base_url!r})"
        )

    def cache_key(self) -> dict[str, Any]:
        """Settings that determine the ranking; no key, key source or URL."""
        s = self.settings
        return {
            "type": "api-embedding",
            "provider": self.provider.name,
            "model": s.model,
            "dimensions": s.dimensions,
            "dtype": s.dtype,
            "truncation": s.truncation,
            "query_input_type": s.query_input_type,
            "document_input_type": s.document_input_type,
            "normalize": s.normalize,
        }

    def cost_summary(self) -> dict[str, float]:
        """MLflow-loggable totals of this retriever's calls so far (``api/...`` metrics)."""
        return self.meter.summary(self.stats)

    def usd_per_1k_queries(
        self, queries: Sequence[str], candidates: Sequence[Sequence[str]]
    ) -> float:
        """The estimated price of embedding 1,000 queries like ``queries`` (the corpus is embedded
        once, not per query; ``candidates`` play no part), at the configured list price."""
        tokens = sum(estimate_tokens(q) for q in queries)
        return 1000 * self.meter.prices.usd(tokens, 0) / max(len(queries), 1)

    def _embedder(self, client: ApiClient | None) -> ApiEmbedder:
        return ApiEmbedder(
            self.provider,
            self.settings,
            self.cache,
            self.meter,
            client,
            concurrency=self.connection.settings.concurrency,
        )

    def estimate_cost(self, corpus: Corpus, queries: Queries) -> dict[str, float]:
        """Estimate tokens, requests and USD for ``corpus`` and ``queries``; send nothing.

        Cached texts are not counted (they cost nothing). The estimate is also added to
        :meth:`cost_summary` as ``api/estimated_*``.
        """
        embedder = self._embedder(None)
        doc_tokens, doc_requests = embedder.estimate(corpus.texts(corpus), "document")
        query_tokens, query_requests = embedder.estimate(list(queries.values()), "query")
        self.meter.add_estimate(doc_tokens + query_tokens, doc_requests + query_requests)
        summary = self.meter.summary()
        return {k: v for k, v in summary.items() if k.startswith("api/estimated_")}

    def embed_corpus(self, corpus: Corpus) -> tuple[list[str], np.ndarray]:
        """``(doc_ids, [n_docs, dim] matrix)`` of the corpus, in corpus order."""
        doc_ids = list(corpus)
        with self.connection.open(self.stats) as client:
            matrix = self._embedder(client).embed(corpus.texts(doc_ids), "document")
        return doc_ids, matrix

    def embed_queries(self, queries: Queries) -> tuple[list[str], np.ndarray]:
        """``(query_ids, [n_queries, dim] matrix)``, in the order of ``queries``."""
        query_ids = list(queries)
        with self.connection.open(self.stats) as client:
            matrix = self._embedder(client).embed([queries[q] for q in query_ids], "query")
        return query_ids, matrix

    def retrieve(self, corpus: Corpus, queries: Queries, k: int) -> Run:
        """Embed corpus and queries (cache first) and return each query's top ``k`` by cosine.

        Raises:
            DryRunStop: ``dry_run`` is on; carries the estimate.
            ApiError: a request failed for good (finished batches are cached for the re-run).
            ConfigError: no API key is configured.
        """
        if k < 1:
            raise ConfigError(f"{self.name}: k must be >= 1, got {k}.")
        if self.dry_run:
            raise DryRunStop(f"retriever {self.name}", self.estimate_cost(corpus, queries))
        if not queries or not len(corpus):
            return {qid: {} for qid in queries}
        doc_ids, doc_matrix = self.embed_corpus(corpus)
        query_ids, query_matrix = self.embed_queries(queries)
        if doc_matrix.shape[1] != query_matrix.shape[1]:
            raise ConfigError(
                f"{self.name}: query vectors have {query_matrix.shape[1]} dimensions, documents "
                f"{doc_matrix.shape[1]}. Fix: use one model and dimensions setting for both."
            )
        indices, scores = exact_topk(query_matrix, doc_matrix, k)
        run: Run = {}
        for row, qid in enumerate(query_ids):
            run[qid] = {
                doc_ids[int(i)]: float(s) for i, s in zip(indices[row], scores[row], strict=True)
            }
        log.info(
            "%s: retrieved top-%d for %d queries; %s",
            self.name,
            k,
            len(query_ids),
            {k_: round(v, 4) for k_, v in self.cost_summary().items() if "cost" in k_},
        )
        return run
