"""Hybrid first stage: fuse the runs of two (or more) retrievers.

Why written here in numpy rather than through ranx: only one module of the project may import ranx
(the evaluation door), and the two methods researchers use are a few lines each:

* Reciprocal rank fusion, ``score(d) = sum_r w_r / (k + rank_r(d))`` with 1-based ranks and
  ``k = 60`` — Cormack, Clarke & Büttcher, "Reciprocal Rank Fusion outperforms Condorcet and
  individual Rank Learning Methods", SIGIR 2009, https://doi.org/10.1145/1571941.1572114.
* Weighted sum of normalised scores (CombSUM with weights) — Fox & Shaw, "Combination of Multiple
  Searches", TREC-2 1994; normalisation ``minmax`` (Lee, "Analyses of Multiple Evidence
  Combination", SIGIR 1997) or ``zmuv`` (zero mean, unit variance: Montague & Aslam, "Relevance
  Score Normalization for Metasearch", CIKM 2001), per query. A document missing from a run
  contributes nothing from it (ranx's convention).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

import numpy as np

from rerank_bench.data.records import Corpus, Queries, Run, ranking, top
from rerank_bench.errors import ConfigError
from rerank_bench.retrieval.base import Retriever

__all__ = ["FusionRetriever", "fuse_runs", "normalize_scores", "rrf", "weighted_sum"]

Norm = Literal["minmax", "zmuv", "none"]


def rrf(runs: Sequence[Run], weights: Sequence[float] | None = None, k: int = 60) -> Run:
    """Reciprocal rank fusion of ``runs`` (see the module docstring).

    Ranks are positions in :func:`~rerank_bench.data.records.ranking` order, so tied documents
    get the ranks trec_eval gives them (doc id descending).
    """
    weights = _weights(len(runs), weights)
    if k < 0:
        raise ConfigError(f"rrf k must be >= 0, got {k}.")
    fused: Run = {}
    for run, weight in zip(runs, weights, strict=True):
        for qid, docs in run.items():
            out = fused.setdefault(qid, {})
            for rank, (doc_id, _) in enumerate(ranking(docs), start=1):
                out[doc_id] = out.get(doc_id, 0.0) + weight / (k + rank)
    return fused


def normalize_scores(docs: dict[str, float], norm: Norm) -> dict[str, float]:
    """Normalise one query's scores: ``minmax`` to [0, 1], ``zmuv`` to mean 0 / sd 1, or none.

    Constant scores map to 0 under both (there is no spread to scale).
    """
    if norm == "none" or not docs:
        return dict(docs)
    values = np.fromiter(docs.values(), dtype=np.float64, count=len(docs))
    if norm == "minmax":
        low, spread = values.min(), values.max() - values.min()
        scaled = (values - low) / spread if spread > 0 else np.zeros_like(values)
    elif norm == "zmuv":
        std = values.std()
        scaled = (values - values.mean()) / std if std > 0 else np.zeros_like(values)
    else:
        raise ConfigError(f"norm must be minmax, zmuv or none; got {norm!r}.")
    return dict(zip(docs, scaled.tolist(), strict=True))


def weighted_sum(
    runs: Sequence[Run], weights: Sequence[float] | None = None, norm: Norm = "minmax"
) -> Run:
    """Weighted sum of per-query normalised scores (see the module docstring)."""
    weights = _weights(len(runs), weights)
    fused: Run = {}
    for run, weight in zip(runs, weights, strict=True):
        for qid, docs in run.items():
            out = fused.setdefault(qid, {})
            for doc_id, score in normalize_scores(docs, norm).items():
                out[doc_id] = out.get(doc_id, 0.0) + weight * score
    return fused


def fuse_runs(
    runs: Sequence[Run],
    method: Literal["rrf", "wsum"] = "rrf",
    weights: Sequence[float] | None = None,
    norm: Norm = "minmax",
    rrf_k: int = 60,
) -> Run:
    """Fuse runs with ``rrf`` or ``wsum`` (weighted sum after ``norm``)."""
    if method == "rrf":
        return rrf(runs, weights, rrf_k)
    if method == "wsum":
        return weighted_sum(runs, weights, norm)
    raise ConfigError(f"fusion method must be 'rrf' or 'wsum', got {method!r}.")


def _weights(n_runs: int, weights: Sequence[float] | None) -> list[float]:
    if weights is None:
        return [1.0] * n_runs
    if len(weights) != n_runs:
        raise ConfigError(
            f"got {len(weights)} fusion weights for {n_runs} runs; give one weight per run."
        )
    return [float(w) for w in weights]


class FusionRetriever(Retriever):
    """First stage that fuses the top ``depth`` of several retrievers and keeps the top ``k``.

    Args:
        retrievers: the retrievers to fuse (Hydra: a list of ``_target_`` nodes).
        method: ``rrf`` or ``wsum``.
        weights: one per retriever (default all 1).
        norm: score normalisation for ``wsum``: ``minmax``, ``zmuv`` or ``none``.
        rrf_k: the RRF constant (60 in the paper).
        depth: documents taken from each retriever (default: the ``k`` asked for).
        name: system name in tables.
    """

    name = "fusion"

    def __init__(
        self,
        retrievers: Sequence[Retriever] | Mapping[str, Retriever],
        method: Literal["rrf", "wsum"] = "rrf",
        weights: Sequence[float] | None = None,
        norm: Norm = "minmax",
        rrf_k: int = 60,
        depth: int | None = None,
        name: str = "fusion",
    ) -> None:
        members = list(retrievers.values()) if isinstance(retrievers, Mapping) else list(retrievers)
        if len(members) < 2:
            raise ConfigError(f"fusion needs at least two retrievers, got {len(members)}.")
        if method not in ("rrf", "wsum"):
            raise ConfigError(f"fusion method must be 'rrf' or 'wsum', got {method!r}.")
        if norm not in ("minmax", "zmuv", "none"):
            raise ConfigError(f"norm must be minmax, zmuv or none; got {norm!r}.")
        self.retrievers: list[Retriever] = members
        self.method = method
        self.weights = _weights(len(members), list(weights) if weights is not None else None)
        self.norm: Norm = norm
        self.rrf_k = rrf_k
        self.depth = depth
        self.name = name

    def cache_key(self) -> dict[str, Any]:
        """The fusion settings and every fused retriever's own key."""
        return {
            "type": "fusion",
            "method": self.method,
            "weights": self.weights,
            "norm": self.norm if self.method == "wsum" else None,
            "rrf_k": self.rrf_k if self.method == "rrf" else None,
            "depth": self.depth,
            "retrievers": [r.cache_key() for r in self.retrievers],
        }

    def retrieve(self, corpus: Corpus, queries: Queries, k: int) -> Run:
        """Fuse each retriever's top ``depth`` (or ``k``) and keep the top ``k`` per query."""
        return self.searcher(corpus, k)(queries)

    def searcher(self, corpus: Corpus, k: int) -> Callable[[Queries], Run]:
        """Every fused retriever's searcher, loaded once."""
        depth = max(self.depth or k, k)
        members = [r.searcher(corpus, depth) for r in self.retrievers]

        def search(queries: Queries) -> Run:
            fused = fuse_runs([m(queries) for m in members], self.method, self.weights, self.norm,
                              self.rrf_k)
            return {qid: dict(top(fused.get(qid, {}), k)) for qid in queries}

        return search
