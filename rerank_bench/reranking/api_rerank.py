"""Re-ranking with a provider's rerank endpoint (Cohere ``/v2/rerank``, Voyage ``/v1/rerank``).

Hosted rerankers are the strongest off-the-shelf baseline a fine-tuned cross-encoder must beat,
so they plug into the same :class:`~rerank_bench.reranking.base.Reranker` contract
(``reranker=cohere-rerank``). Pairs are grouped by query, each query's documents are sent in one
request (split only when the provider's document or token limits demand it) with every document
scored (top_n = all), and scores are mapped back by the ``index`` of each result. Scores are
cached in the same sqlite file as API embeddings, keyed by provider, model, truncation and the
hashes of query and document, so an interrupted run resumes and a re-run costs nothing.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from rerank_bench.errors import ConfigError
from rerank_bench.hashing import text_sha256
from rerank_bench.reranking.base import Reranker
from rerank_bench.retrieval.api.batching import estimate_tokens, make_batches
from rerank_bench.retrieval.api.cache import RerankSpace
from rerank_bench.retrieval.api.client import ApiClient, ClientSettings, Connection, RequestStats
from rerank_bench.retrieval.api.cost import CostMeter, Prices
from rerank_bench.retrieval.api.dispatch import call_splitting, run_batches
from rerank_bench.retrieval.api.errors import ApiResponseError, DryRunStop
from rerank_bench.retrieval.api.providers import Usage, get_provider

__all__ = ["ApiReranker"]

log = logging.getLogger(__name__)

_DOCS_PER_SEARCH_UNIT = 100  # Cohere bills one search unit per query and up to 100 documents


@dataclass(frozen=True, slots=True)
class _Job:
    """One rerank request: a query and some of its (distinct, uncached) documents."""

    query_sha: str
    query: str
    doc_shas: tuple[str, ...]


class ApiReranker(Reranker):
    """A hosted re-ranker.

    Args:
        name: display name (``cohere-rerank``).
        provider: ``cohere`` or ``voyage``.
        model: the provider's model (``rerank-v3.5``, ``rerank-2``...).
        depth: documents of the first stage re-scored per query.
        client: where the API and its key are, retries, concurrency and the sqlite cache (see
            :class:`ClientSettings`).
        truncation: provider setting (Voyage ``true``/``false``); ``None`` for the default.
        max_documents: documents per request; ``None`` for the provider's limit (1000).
        max_batch_tokens: estimated (query + document) tokens per request; ``None`` for none.
        price_per_1m_tokens: USD per million tokens (Voyage).
        price_per_1k_search_units: USD per thousand search units (Cohere).
        price_date: when the prices were read off the provider's list (shown with estimates).
        dry_run: estimate and stop with :class:`DryRunStop` instead of sending requests.
    """

    def __init__(
        self,
        name: str,
        provider: str,
        model: str,
        *,
        client: ClientSettings,
        depth: int = 100,
        truncation: str | bool | None = None,
        max_documents: int | None = None,
        max_batch_tokens: int | None = None,
        price_per_1m_tokens: float = 0.0,
        price_per_1k_search_units: float = 0.0,
        price_date: str | None = None,
        dry_run: bool = False,
    ) -> None:
        super().__init__(depth=depth)
        self.price_date = price_date
        self.name = name
        self.provider = get_provider(provider)
        if self.provider.rerank_path is None:
            raise ConfigError(f"{name}: provider {provider!r} has no rerank endpoint.")
        limit = self.provider.max_rerank_documents
        if max_documents is not None and not 1 <= max_documents <= limit:
            raise ConfigError(
                f"{name}: max_documents must be in 1..{limit} for {provider}, got {max_documents}."
            )
        self.model = model
        self.truncation = self.provider.truncation(truncation)
        self.max_documents = max_documents or limit
        self.max_batch_tokens = max_batch_tokens
        self.connection = Connection(self.provider, client)
        self.cache = client.open_cache()
        self.dry_run = dry_run
        self.meter = CostMeter(
            "rerank_api",
            Prices(
                per_1m_tokens=price_per_1m_tokens, per_1k_search_units=price_per_1k_search_units
            ),
        )
        self.stats = RequestStats()
        self.space = RerankSpace(self.provider.name, model, self.truncation)

    def __repr__(self) -> str:
        return (
            f"ApiReranker(name={self.name!r}, provider={self.provider.name!r}, "
            f"model={self.model!r}, base_url={self.connection.base_url!r})"
        )

    def cache_key(self) -> dict[str, Any]:
        """Settings that determine the scores; no key, key source or URL."""
        return {
            "type": "api-rerank",
            "provider": self.provider.name,
            "model": self.model,
            "truncation": self.truncation,
            "depth": self.depth,
        }

    def cost_summary(self) -> dict[str, float]:
        """MLflow-loggable totals of this re-ranker's calls so far (``rerank_api/...``)."""
        return self.meter.summary(self.stats)

    def score(self, queries: Sequence[str], docs: Sequence[str]) -> np.ndarray:
        """Score aligned (query, document) pairs; one request per query (or per chunk of one).

        Raises:
            DryRunStop: ``dry_run`` is on; carries the estimate.
            ApiError: a request failed for good (finished queries are cached for the re-run).
        """
        if len(queries) != len(docs):
            raise ConfigError(
                f"{self.name}: got {len(queries)} queries and {len(docs)} documents; "
                "pairs must align."
            )
        query_shas = [text_sha256(q) for q in queries]
        doc_shas = [text_sha256(d) for d in docs]
        texts = dict(zip(doc_shas, docs, strict=True))
        query_texts = dict(zip(query_shas, queries, strict=True))
        wanted: dict[str, dict[str, None]] = {}
        for q_sha, d_sha in zip(query_shas, doc_shas, strict=True):
            wanted.setdefault(q_sha, {})[d_sha] = None
        known: dict[tuple[str, str], float] = {}
        jobs: list[_Job] = []
        hits = misses = 0
        for q_sha, distinct in wanted.items():
            shas = list(distinct)
            cached = self.cache.get_scores(self.space, q_sha, shas) if self.cache else {}
            known.update({(q_sha, d): s for d, s in cached.items()})
            missing = [d for d in shas if d not in cached]
            hits, misses = hits + len(shas) - len(missing), misses + len(missing)
            jobs.extend(self._jobs(q_sha, query_texts[q_sha], missing, texts))
        self.meter.add_cache(hits=hits, misses=misses)
        if jobs and self.dry_run:
            self._estimate(jobs, texts)
            raise DryRunStop(f"re-ranker {self.name}", self.meter.summary())
        if jobs:
            with self.connection.open(self.stats) as client:
                self._run(client, jobs, texts, known)
        out = np.empty(len(queries), dtype=np.float64)
        for i, key in enumerate(zip(query_shas, doc_shas, strict=True)):
            if key not in known:
                raise ApiResponseError(
                    f"{self.name}: pair {i} has no score after all requests finished; "
                    "refusing to continue with a missing score."
                )
            out[i] = known[key]
        return out

    def _jobs(
        self, q_sha: str, query: str, missing: list[str], texts: dict[str, str]
    ) -> list[_Job]:
        if not missing:
            return []
        query_tokens = estimate_tokens(query)
        counts = [query_tokens + estimate_tokens(texts[d]) for d in missing]
        return [
            _Job(q_sha, query, tuple(missing[i] for i in batch))
            for batch in make_batches(counts, self.max_documents, self.max_batch_tokens)
        ]

    def _billed(self, query: str, docs: Sequence[str]) -> tuple[int, int]:
        """``(estimated tokens, search units)`` one request of ``query`` over ``docs`` bills:
        Voyage counts the query once per document, Cohere a unit per 100 documents."""
        tokens = estimate_tokens(query) * len(docs) + sum(estimate_tokens(d) for d in docs)
        if self.provider.name != "cohere":
            return tokens, 0
        return tokens, math.ceil(len(docs) / _DOCS_PER_SEARCH_UNIT)

    def _estimate(self, jobs: list[_Job], texts: dict[str, str]) -> None:
        billed = [self._billed(job.query, [texts[d] for d in job.doc_shas]) for job in jobs]
        self.meter.add_estimate(tokens=sum(t for t, _ in billed), requests=len(jobs),
                                search_units=sum(u for _, u in billed))

    def usd_per_1k_queries(
        self, queries: Sequence[str], candidates: Sequence[Sequence[str]]
    ) -> float:
        """The estimated price of re-ranking 1,000 queries like ``queries``, each over its
        ``candidates`` (one request per query, cache ignored), at the configured list price."""
        billed = [self._billed(q, docs) for q, docs in zip(queries, candidates, strict=True)]
        usd = self.meter.prices.usd(sum(t for t, _ in billed), sum(u for _, u in billed))
        return 1000 * usd / max(len(queries), 1)

    def _run(
        self,
        client: ApiClient,
        jobs: list[_Job],
        texts: dict[str, str],
        known: dict[tuple[str, str], float],
    ) -> None:
        path = self.provider.rerank_path or ""

        def work(job: _Job) -> tuple[list[float], Usage]:
            def send(shas: Sequence[str]) -> tuple[list[float], Usage]:
                body = self.provider.rerank_body(
                    self.model, job.query, [texts[d] for d in shas], self.truncation
                )
                return self.provider.parse_rerank(client.post(path, body), len(shas))

            return call_splitting(job.doc_shas, send)

        def on_done(job: _Job, result: tuple[list[float], Usage]) -> None:
            scores, usage = result
            if len(scores) != len(job.doc_shas) or not all(math.isfinite(s) for s in scores):
                raise ApiResponseError(
                    f"{self.name}: {len(job.doc_shas)} documents sent, {len(scores)} finite "
                    "scores expected."
                )
            by_doc = dict(zip(job.doc_shas, scores, strict=True))
            if self.cache is not None:
                self.cache.put_scores(self.space, job.query_sha, by_doc)
            known.update({(job.query_sha, d): s for d, s in by_doc.items()})
            tokens = sum(estimate_tokens(job.query) + estimate_tokens(texts[d]) for d in by_doc)
            self.meter.add_usage(usage, tokens)

        log.info("%s: %d rerank requests", self.name, len(jobs))
        run_batches(jobs, work, on_done, self.connection.settings.concurrency)
