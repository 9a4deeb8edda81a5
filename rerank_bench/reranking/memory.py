"""The log-memory baseline: score a document by the labels that similar logged questions gave it.

Why it is a row of every domain story: it is what a practitioner with a search log tries first,
and it isolates the evidence a log carries. A new question's ``k`` nearest training questions (by
a bi-encoder's cosine) vote for the documents their users found useful, each vote weighted by
the neighbour's similarity: ``score(d) = sum_j sim(q, q_j) * label_j(d)``. It needs no training,
knows nothing a log does not, and is strong exactly where lexical and pre-trained rankers fail:
on the helpdesk, with k=5 over the judged training questions, it puts Library WiFi first for
"ssh keeps dropping in the library". Documents no neighbour labelled keep their first-stage order
below the voted ones.

The memory is a folder (``memory.json``: encoder, k, questions and their labels) written by a
``memory`` training stage, so it is cached, fingerprinted and reused like any trained model.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from rerank_bench.data.io import atomic_write
from rerank_bench.data.records import Corpus, Labels, Queries, Run, ranking
from rerank_bench.errors import ConfigError, ModelResolutionError
from rerank_bench.hashing import file_sha256
from rerank_bench.inference import RANKER_DEFAULTS, InferenceSettings
from rerank_bench.reranking.base import Reranker, merge_reranked
from rerank_bench.retrieval.dense import DenseEncoder

__all__ = ["MEMORY_FILE", "LogMemoryReranker", "Memory", "memory_scores"]

MEMORY_FILE = "memory.json"
_TIE_BREAK = 1e-6
"""Weight of the first-stage order among documents with equal votes (far below one vote)."""
_QUIET = replace(RANKER_DEFAULTS, show_progress=False)
"""Questions are few: no progress bars unless asked for."""


@dataclass(frozen=True)
class Memory:
    """Labelled training questions and the encoder that finds them again.

    Attributes:
        encoder: the bi-encoder (alias, folder or hub id) that embeds questions.
        neighbours: how many nearest questions vote.
        max_length: token budget of a question.
        query_ids: the training questions' ids.
        questions: their texts.
        labels: their documents' labels in ``[0, 1]``.
    """

    encoder: str
    neighbours: int
    max_length: int
    query_ids: list[str]
    questions: list[str]
    labels: list[dict[str, float]]

    @classmethod
    def build(cls, encoder: str, neighbours: int, max_length: int, queries: Queries,
              labels: Labels) -> Memory:
        """A memory of the questions of ``queries`` that have a label > 0."""
        ids = sorted(q for q in queries if any(v > 0 for v in labels.get(q, {}).values()))
        return cls(encoder, neighbours, max_length, ids, [queries[q] for q in ids],
                   [{d: v for d, v in sorted(labels[q].items()) if v > 0} for q in ids])

    def save(self, folder: Path) -> None:
        """Write ``folder/memory.json`` atomically."""
        folder.mkdir(parents=True, exist_ok=True)
        with atomic_write(folder / MEMORY_FILE) as handle:
            json.dump(asdict(self), handle)

    @classmethod
    def load(cls, folder: str | Path) -> Memory:
        """Read a memory folder.

        Raises:
            ModelResolutionError: the folder holds no memory.
        """
        path = Path(folder) / MEMORY_FILE
        if not path.is_file():
            raise ModelResolutionError(
                f"{folder} holds no {MEMORY_FILE}. Fix: point reranker.model at the model folder "
                f"of a memory training stage (train=memory), or leave it null to train one."
            )
        return cls(**json.loads(path.read_text("utf-8")))

    def settings(self, inference: InferenceSettings) -> InferenceSettings:
        """``inference`` with the memory's question budget: the one its questions were saved for."""
        return replace(inference, max_length=self.max_length, query_max_length=None)

    def encoder_for(self, inference: InferenceSettings) -> DenseEncoder:
        """The bi-encoder that embeds questions (mean pooling, unit vectors)."""
        return DenseEncoder(self.encoder, inference=self.settings(inference))


def memory_scores(memory: Memory, memory_vectors: np.ndarray, query_vectors: np.ndarray,
                  candidates: Sequence[Sequence[str]], neighbours: int | None = None) -> list[
                      dict[str, float]]:
    """Each query's votes for its candidates (0 for a candidate no neighbour labelled).

    Args:
        memory: the labelled questions.
        memory_vectors: their unit vectors, ``[n_memory, dim]``.
        query_vectors: the queries' unit vectors, ``[n_queries, dim]``.
        candidates: each query's candidate documents.
        neighbours: overrides ``memory.neighbours``.
    """
    k = min(neighbours or memory.neighbours, len(memory.questions))
    similarity = query_vectors @ memory_vectors.T
    out: list[dict[str, float]] = []
    for row, docs in zip(similarity, candidates, strict=True):
        nearest = np.argsort(-row, kind="stable")[:k]
        votes: dict[str, float] = {}
        for j in nearest:
            for doc_id, label in memory.labels[j].items():
                votes[doc_id] = votes.get(doc_id, 0.0) + float(row[j]) * label
        out.append({doc_id: votes.get(doc_id, 0.0) for doc_id in docs})
    return out


class LogMemoryReranker(Reranker):
    """Re-rank the top ``depth`` by the votes of the nearest logged questions.

    Args:
        model: a memory folder (``None``: the one the run's ``train`` chain produces).
        depth: documents re-ranked per query.
        neighbours: overrides the memory's k.
        name: system name in tables.
        inference: how the questions are encoded (batching, precision, device, progress); the
            token budget is the memory's own, whatever ``max_length`` says.
    """

    name = "log_memory"
    model_kind = "memory"

    def __init__(
        self,
        model: str | None = None,
        *,
        depth: int = 100,
        neighbours: int | None = None,
        name: str = "log_memory",
        inference: InferenceSettings = _QUIET,
    ) -> None:
        super().__init__(depth)
        if model is None:
            raise ConfigError(
                "reranker=log_memory needs a memory: train one in the run (train=memory) or set "
                "reranker.model=<a memory folder>."
            )
        self.memory = Memory.load(model)
        self.path = Path(model)
        self.neighbours = neighbours
        self.name = name
        self.inference = self.memory.settings(inference)

    def cache_key(self) -> dict[str, Any]:
        """The memory's content hash, k, the questions' encoding (int8 votes differ) and depth."""
        return {"type": "log_memory", "memory": file_sha256(self.path / MEMORY_FILE),
                "neighbours": self.neighbours or self.memory.neighbours,
                **self.inference.score_key(), "depth": self.depth}

    @cached_property
    def _encoded(self) -> tuple[DenseEncoder, np.ndarray]:
        """The questions' encoder and vectors, made on the first call: the memory never changes,
        so it is encoded once, as a deployed memory would be, not once per query served."""
        encoder = self.memory.encoder_for(self.inference)
        return encoder, encoder.encode(self.memory.questions, "query")

    def score(self, queries: Sequence[str], docs: Sequence[str]) -> np.ndarray:
        """Not available: votes name documents by id, which text pairs do not carry."""
        raise ConfigError("a log memory scores documents by id; use rerank(corpus, queries, run).")

    def rerank(self, corpus: Corpus, queries: Queries, run: Run) -> Run:
        """Votes of the nearest logged questions over each query's top ``depth``."""
        encoder, memory_vectors = self._encoded
        qids = list(run)
        query_vectors = encoder.encode([queries[q] for q in qids], "query")
        tops = [[d for d, _ in ranking(run[q])[: self.depth]] for q in qids]
        votes = memory_scores(self.memory, memory_vectors, query_vectors, tops, self.neighbours)
        reranked: Run = {}
        for qid, top, vote in zip(qids, tops, votes, strict=True):
            n = len(top)
            reranked[qid] = {d: vote[d] + _TIE_BREAK * (n - i) / n for i, d in enumerate(top)}
        return merge_reranked(run, reranked)
