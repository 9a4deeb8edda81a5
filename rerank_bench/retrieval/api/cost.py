"""Cost accounting: what a run billed (from the providers' own ``usage``) and what it would cost.

Researchers compare "pay for better embeddings" against "fine-tune a re-ranker", so the bill is
part of the result: :meth:`CostMeter.summary` returns flat, MLflow-loggable metrics (tokens,
search units, requests, retries, cache hits, USD), and :func:`estimate` prices a dry run before
any money is spent. Prices are configuration (USD per million tokens, per thousand searches),
because they change more often than code.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from rerank_bench.retrieval.api.client import RequestStats
from rerank_bench.retrieval.api.providers import Usage

__all__ = ["CostMeter", "Prices"]


@dataclass(frozen=True, slots=True)
class Prices:
    """Price table of one model.

    Attributes:
        per_1m_tokens: USD per million input tokens (embeddings; Voyage rerank).
        per_1k_search_units: USD per thousand search units (Cohere rerank).
    """

    per_1m_tokens: float = 0.0
    per_1k_search_units: float = 0.0

    def usd(self, tokens: float, search_units: float) -> float:
        """The price of ``tokens`` and ``search_units``."""
        return tokens * self.per_1m_tokens / 1e6 + search_units * self.per_1k_search_units / 1e3


@dataclass
class CostMeter:
    """Running totals of one retriever or re-ranker (thread-safe ``add_*`` methods).

    Attributes:
        prefix: metric name prefix, e.g. ``api`` or ``rerank_api``.
        prices: the model's price table.
    """

    prefix: str
    prices: Prices = field(default_factory=Prices)
    tokens: int = 0
    search_units: int = 0
    unbilled_batches: int = 0
    estimated_tokens: int = 0
    estimated_search_units: int = 0
    estimated_requests: int = 0
    cache_hits: int = 0
    cache_misses: int = 0
    empty_inputs: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add_usage(self, usage: Usage, estimated_tokens: int) -> None:
        """Record one successful request; ``estimated_tokens`` stands in when usage is absent."""
        with self._lock:
            if usage.tokens is None and usage.search_units is None:
                self.unbilled_batches += 1
                self.tokens += estimated_tokens
            self.tokens += usage.tokens or 0
            self.search_units += usage.search_units or 0

    def add_cache(self, hits: int, misses: int) -> None:
        """Record cache look-ups."""
        with self._lock:
            self.cache_hits += hits
            self.cache_misses += misses

    def add_estimate(self, tokens: int, requests: int, search_units: int = 0) -> None:
        """Record what a dry run would send."""
        with self._lock:
            self.estimated_tokens += tokens
            self.estimated_requests += requests
            self.estimated_search_units += search_units

    def summary(self, stats: RequestStats | None = None) -> dict[str, float]:
        """Flat metrics named ``<prefix>/<what>``; USD from billed usage and from the estimate."""
        with self._lock:
            looked_up = self.cache_hits + self.cache_misses
            out = {
                "tokens": float(self.tokens),
                "search_units": float(self.search_units),
                "cost_usd": self.prices.usd(self.tokens, self.search_units),
                "unbilled_batches": float(self.unbilled_batches),
                "cache_hits": float(self.cache_hits),
                "cache_misses": float(self.cache_misses),
                "cache_hit_rate": self.cache_hits / looked_up if looked_up else 0.0,
                "empty_inputs": float(self.empty_inputs),
                "estimated_tokens": float(self.estimated_tokens),
                "estimated_search_units": float(self.estimated_search_units),
                "estimated_requests": float(self.estimated_requests),
                "estimated_cost_usd": self.prices.usd(
                    self.estimated_tokens, self.estimated_search_units
                ),
            }
        if stats is not None:
            out.update(
                requests=float(stats.requests),
                retries=float(stats.retries),
                rate_limited=float(stats.rate_limited),
                server_errors=float(stats.server_errors),
                timeouts=float(stats.timeouts),
                wait_s=float(stats.wait_s),
            )
        return {f"{self.prefix}/{name}": value for name, value in out.items()}
