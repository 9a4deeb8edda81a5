"""The first-stage contract: a retriever turns a corpus and queries into a run."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from rerank_bench.data.records import Corpus, Queries, Run

__all__ = ["Retriever"]


class Retriever(ABC):
    """A first stage.

    Implementations take their settings as constructor arguments (so Hydra can build them from a
    ``_target_`` node) and do no I/O until :meth:`retrieve`. The pipeline caches whole runs keyed by
    :meth:`cache_key`, the corpus fingerprint, the queries and ``k``, so ``cache_key`` must change
    whenever a setting that changes the ranking changes.
    """

    name: str = "retriever"

    @abstractmethod
    def retrieve(self, corpus: Corpus, queries: Queries, k: int) -> Run:
        """Return the top-``k`` documents of ``corpus`` for each query, best first."""

    def searcher(self, corpus: Corpus, k: int) -> Callable[[Queries], Run]:
        """This first stage ready to answer queries, as a deployed system would be: its index
        loaded once, then each call retrieves the top-``k`` of ``corpus`` for some queries.

        Why: latency per query (:mod:`rerank_bench.serving`) must time the search, not the
        loading of an index. The default calls :meth:`retrieve` each time; a stage with an index
        to load overrides it and implements :meth:`retrieve` through it.
        """
        return lambda queries: self.retrieve(corpus, queries, k)

    @abstractmethod
    def cache_key(self) -> dict[str, Any]:
        """JSON-serialisable settings that determine the ranking (and model fingerprints)."""
