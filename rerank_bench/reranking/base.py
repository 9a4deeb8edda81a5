"""The re-ranking contract: score (query, document) pairs and reorder a first stage's top-k."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from rerank_bench.data.records import Corpus, Queries, Run, ranking

if TYPE_CHECKING:  # the inference package imports torch; BM25-only runs never load it
    from rerank_bench.inference.score_cache import ScoreCache

__all__ = ["Reranker", "merge_reranked"]


class Reranker(ABC):
    """A second stage that re-scores the top ``depth`` documents of a run exactly as retrieved.

    Subclasses implement :meth:`score` on aligned lists of query and document texts; the base class
    builds the pairs, calls it once for the whole run (so implementations can sort and batch
    globally), and keeps documents below ``depth`` after the re-ranked ones in their first-stage
    order, so recall at deeper cutoffs is unchanged by re-ranking.
    """

    name: str = "reranker"
    model_kind: ClassVar[str | None] = None
    """The kind of trained model (``cross_encoder``, ``bi_encoder``, ``memory``) the re-ranker
    scores with when its config says ``model: null``: the pipeline trains the run's ``train``
    chain and hands it the model. ``None``: a re-ranker that is never trained here."""
    _cache: ScoreCache | None = None
    """Where a re-ranker that caches its scores keeps them (read by :meth:`score_stats`)."""

    def __init__(self, depth: int = 100) -> None:
        self.depth = depth

    def score_stats(self) -> tuple[int, int] | None:
        """``(pairs scored, pairs read from the score cache)`` so far, if scores are cached.

        Throughput must count the pairs actually scored: a re-ranking served from the cache
        would otherwise report hundreds of thousands of pairs per second.
        """
        return None if self._cache is None else (self._cache.computed, self._cache.hits)

    @abstractmethod
    def score(self, queries: Sequence[str], docs: Sequence[str]) -> np.ndarray:
        """Return one relevance score per (queries[i], docs[i]) pair, higher is better."""

    @abstractmethod
    def cache_key(self) -> dict[str, Any]:
        """JSON-serialisable settings that determine the scores (model fingerprint included)."""

    def rerank(self, corpus: Corpus, queries: Queries, run: Run) -> Run:
        """Re-score each query's top ``depth`` documents of ``run`` and return the new run."""
        pair_qids: list[str] = []
        pair_dids: list[str] = []
        for qid, docs in run.items():
            top = ranking(docs)[: self.depth]
            for doc_id, _ in top:
                pair_qids.append(qid)
                pair_dids.append(doc_id)
        scores = self.score([queries[q] for q in pair_qids], corpus.texts(pair_dids))
        reranked: Run = {}
        for qid, doc_id, score in zip(pair_qids, pair_dids, scores, strict=True):
            reranked.setdefault(qid, {})[doc_id] = float(score)
        return merge_reranked(run, reranked)


def merge_reranked(first_stage: Run, reranked: Run) -> Run:
    """Place each query's re-ranked documents above the rest of its first-stage list.

    Documents that were not re-scored keep their first-stage order, shifted below the lowest
    re-ranked score, so the merged run is one consistent ranking per query.
    """
    merged: Run = {}
    for qid, docs in first_stage.items():
        top = reranked.get(qid, {})
        out = dict(top)
        rest = [(d, s) for d, s in ranking(docs) if d not in top]
        floor = min(top.values(), default=0.0)
        for position, (doc_id, _) in enumerate(rest, start=1):
            out[doc_id] = floor - position
        merged[qid] = out
    return merged
