"""What a system costs to serve: latency per query, re-ranking throughput, memory and money.

Why measured apart from the evaluation: the evaluation scores every query in one batch and reads
what it can from the caches (first-stage runs, pair scores), which is right for effectiveness and
wrong for cost, since a cached run re-ranks at the speed of a dictionary. Here a sample of the
queries goes through the whole pipeline one at a time, as a deployed system answers them: the
first stage's index loaded once, the score cache bypassed, the clock around each query's search
and re-ranking. API stages are priced, not timed: their latency is the provider's network round
trip, and timing them here would send paid requests or read the cache.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from rerank_bench.data.records import Corpus, Queries, Run, ranking
from rerank_bench.machine import describe, peak_mb, release_free_memory, reset_peak
from rerank_bench.reranking.base import Reranker
from rerank_bench.reranking.two_tower import TwoTower
from rerank_bench.retrieval.base import Retriever

__all__ = [
    "COST_METRICS",
    "MACHINE_TAG",
    "PRICE_DATE_TAG",
    "Priced",
    "ServingCost",
    "measure_serving",
    "price_per_1k_queries",
    "serving_cost",
]

MACHINE_TAG = "cost_machine"
"""Run tag naming the machine the serving cost was measured on (:func:`machine.describe`)."""
PRICE_DATE_TAG = "cost_price_date"
"""Run tag with the date of the list prices behind ``usd_per_1k_queries``."""
COST_METRICS: tuple[str, ...] = (
    "latency_p50_ms",
    "latency_p95_ms",
    "serving_pairs_per_s",
    "serving_peak_mb",
    "train_minutes",
    "usd_per_1k_queries",
)
"""The cost columns of ``rerank-bench table --cost``, in display order."""


@runtime_checkable
class Priced(Protocol):
    """A stage billed per use (API embeddings, API re-ranking)."""

    price_date: str | None

    def usd_per_1k_queries(
        self, queries: Sequence[str], candidates: Sequence[Sequence[str]]
    ) -> float:
        """Estimated USD of serving 1,000 queries like ``queries`` over their ``candidates``."""


@dataclass(frozen=True, slots=True)
class ServingCost:
    """The measured cost of serving one system.

    Attributes:
        latencies_ms: wall time of each timed query, first stage and re-ranking (empty when a
            stage is an API: not timed).
        pairs: (query, document) pairs the re-rankers scored while timed.
        rerank_seconds: the part of the timed queries spent re-ranking.
        peak_mb: peak resident memory of the process while it served (``None``: not timed).
        usd_per_1k_queries: estimated price of 1,000 queries of the paid stages (``None``: no
            paid stage).
        price_date: the date of the list prices behind the estimate.
        machine: CPU model and cores.
    """

    latencies_ms: tuple[float, ...]
    pairs: int
    rerank_seconds: float
    peak_mb: float | None
    usd_per_1k_queries: float | None
    price_date: str | None
    machine: str

    def percentile_ms(self, q: float) -> float:
        """The ``q``-th percentile of the latencies (linear interpolation, numpy's default)."""
        return float(np.percentile(self.latencies_ms, q))

    def metrics(self) -> dict[str, float]:
        """The figures as MLflow metrics (names of :data:`COST_METRICS`); absent when unmeasured."""
        out: dict[str, float] = {}
        if self.latencies_ms:
            out["latency_p50_ms"] = self.percentile_ms(50)
            out["latency_p95_ms"] = self.percentile_ms(95)
        if self.pairs and self.rerank_seconds > 0:
            out["serving_pairs_per_s"] = self.pairs / self.rerank_seconds
        if self.peak_mb is not None:
            out["serving_peak_mb"] = self.peak_mb
        if self.usd_per_1k_queries is not None:
            out["usd_per_1k_queries"] = self.usd_per_1k_queries
        return out

    def tags(self) -> dict[str, str]:
        """The machine, and the prices' date when the cost is an estimate from list prices."""
        tags = {MACHINE_TAG: self.machine}
        if self.usd_per_1k_queries is not None and self.price_date:
            tags[PRICE_DATE_TAG] = self.price_date
        return tags


def price_per_1k_queries(
    stages: Sequence[object], queries: Sequence[str], candidates: Sequence[Sequence[str]]
) -> tuple[float | None, str | None]:
    """``(USD per 1,000 queries, price date)`` of the paid stages among ``stages``; ``(None,
    None)`` when none is paid. Several dates are joined with commas."""
    priced = [s for s in stages if isinstance(s, Priced)]
    if not priced:
        return None, None
    usd = sum(s.usd_per_1k_queries(queries, candidates) for s in priced)
    dates = sorted({s.price_date for s in priced if s.price_date})
    return usd, ",".join(dates) or None


def measure_serving(
    search: Callable[[Queries], Run],
    rerankers: Sequence[Reranker],
    corpus: Corpus,
    queries: Queries,
    n_queries: int,
    warmup: int = 2,
    candidates: Run | None = None,
) -> tuple[tuple[float, ...], int, float, float]:
    """Time ``n_queries`` of ``queries`` one at a time through ``search`` then ``rerankers``.

    The first ``warmup`` queries run untimed (lazy model loading, allocator and thread-pool
    start-up); the next ``n_queries`` are timed, in the order of ``queries``. Pair scores are
    computed, never read from the score cache; a two-tower re-ranker
    (:class:`~rerank_bench.reranking.two_tower.TwoTower`) holds the vectors of the passages in
    ``candidates`` (the first stage's run) encoded beforehand, as its index would, and encodes
    the query only. Peak memory is reset after freed memory is returned to the system, so it is
    what the process holds and needs while it serves.

    Returns:
        ``(latencies in ms, pairs scored, seconds spent re-ranking, peak MB)``.
    """
    from rerank_bench.inference.score_cache import bypassed

    ids = list(queries)
    warm, timed = ids[:warmup], ids[warmup : warmup + n_queries] or ids[-n_queries:]
    latencies: list[float] = []
    pairs, rerank_seconds = 0, 0.0
    with ExitStack() as stack:
        if rerankers:
            stack.enter_context(bypassed())
        for reranker in rerankers:
            if isinstance(reranker, TwoTower):
                seen = [d for q in (*warm, *timed)
                        for d, _ in ranking((candidates or {}).get(q, {}))[: reranker.depth]]
                stack.enter_context(reranker.documents_indexed(corpus.texts(seen)))
        for qid in warm:
            _answer(search, rerankers, corpus, {qid: queries[qid]})
        release_free_memory()
        reset_peak()
        for qid in timed:
            start = time.perf_counter()
            scored, seconds = _answer(search, rerankers, corpus, {qid: queries[qid]})
            latencies.append(1000 * (time.perf_counter() - start))
            pairs += scored
            rerank_seconds += seconds
    return tuple(latencies), pairs, rerank_seconds, peak_mb()


def _answer(
    search: Callable[[Queries], Run], rerankers: Sequence[Reranker], corpus: Corpus,
    query: Queries,
) -> tuple[int, float]:
    """Answer one query; ``(pairs re-ranked, seconds re-ranking)``."""
    run = search(query)
    start = time.perf_counter()
    pairs = 0
    for reranker in rerankers:
        reranker.rerank(corpus, query, run)
        pairs += sum(min(len(docs), reranker.depth) for docs in run.values())
    return pairs, time.perf_counter() - start


def serving_cost(
    retriever: Retriever,
    rerankers: Sequence[Reranker],
    corpus: Corpus,
    queries: Queries,
    candidates: Run,
    k: int,
    n_queries: int,
    warmup: int = 2,
) -> ServingCost:
    """The serving cost of a system (``retriever`` then each of ``rerankers``): priced with
    :func:`price_per_1k_queries` over ``candidates`` (the first stage's run of ``queries``, cut
    at the re-rankers' depth) when a stage is paid, else timed with :func:`measure_serving`
    (nothing when ``n_queries`` is 0)."""
    usd, date = None, None
    if any(isinstance(stage, Priced) for stage in (retriever, *rerankers)):  # texts only then
        depth = max((r.depth for r in rerankers), default=0)
        texts = [queries[q] for q in queries]
        docs = [corpus.texts([d for d, _ in ranking(candidates.get(q, {}))[:depth]])
                for q in queries]
        usd, date = price_per_1k_queries([retriever, *rerankers], texts, docs)
    if usd is not None or n_queries < 1:
        return ServingCost((), 0, 0.0, None, usd, date, describe())
    latencies, pairs, seconds, peak = measure_serving(
        retriever.searcher(corpus, k), rerankers, corpus, queries, n_queries, warmup, candidates
    )
    return ServingCost(latencies, pairs, seconds, peak, usd, date, describe())
