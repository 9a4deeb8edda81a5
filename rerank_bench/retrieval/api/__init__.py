"""Premium embedding and rerank APIs (OpenAI, Cohere, Voyage) behind one small, audited client.

Modules, one job each: :mod:`.providers` (wire formats and limits), :mod:`.batching` (requests
within limits), :mod:`.ratelimit` (how long to wait), :mod:`.client` (HTTP with retries),
:mod:`.dispatch` (concurrent batches, split on "too large"), :mod:`.cache` (sqlite, resumable,
shareable), :mod:`.cost` (usage and dry-run estimates), :mod:`.secrets` (keys that never show),
:mod:`.embedder` (texts -> aligned vectors). The retriever is
:class:`rerank_bench.retrieval.api_retriever.ApiEmbeddingRetriever`; the re-ranker is
:class:`rerank_bench.reranking.api_rerank.ApiReranker`.
"""

from __future__ import annotations

from rerank_bench.retrieval.api.cache import ApiCache, EmbeddingSpace, RerankSpace
from rerank_bench.retrieval.api.client import ApiClient, ClientSettings, Connection
from rerank_bench.retrieval.api.cost import CostMeter, Prices
from rerank_bench.retrieval.api.embedder import ApiEmbedder, EmbedSettings
from rerank_bench.retrieval.api.errors import (
    ApiBatchTooLargeError,
    ApiError,
    ApiRequestError,
    ApiResponseError,
    ApiRetryError,
    DryRunStop,
)
from rerank_bench.retrieval.api.providers import PROVIDERS, Provider, get_provider
from rerank_bench.retrieval.api.secrets import ApiKey

__all__ = [
    "PROVIDERS",
    "ApiBatchTooLargeError",
    "ApiCache",
    "ApiClient",
    "ApiEmbedder",
    "ApiError",
    "ApiKey",
    "ApiRequestError",
    "ApiResponseError",
    "ApiRetryError",
    "ClientSettings",
    "Connection",
    "CostMeter",
    "DryRunStop",
    "EmbedSettings",
    "EmbeddingSpace",
    "Prices",
    "Provider",
    "RerankSpace",
    "get_provider",
]
