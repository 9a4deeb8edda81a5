"""Typed training samples and batches, and the collator that turns one into the other.

Why dataclasses: a batch that is a dict of tensors hides which tensor is the labels and which the
teacher's scores, and how the flat list of pairs folds back into groups. Here a
:class:`TrainingGroup` is one query with its documents and targets, and a :class:`RerankBatch`
carries the tokenised pairs group-major (``n_queries * n_docs`` rows) next to ``[n_queries,
n_docs]`` targets, so the module reshapes scores in one obvious place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor

from rerank_bench.inference.batching import pad_batch
from rerank_bench.inference.settings import Side
from rerank_bench.inference.tokenize import TextEncoder, TruncationTally

__all__ = ["PairCollator", "RerankBatch", "SplitCollator", "TrainingGroup"]

_CHUNK = 8192
"""Inputs tokenised at a time when counting truncation (bounds the memory of a large pool)."""


@dataclass(frozen=True, slots=True)
class TrainingGroup:
    """One training group: a query, its positive first, then its negatives.

    Attributes:
        query_id: the query's id.
        query: the query text.
        doc_ids: document ids, the positive at index 0.
        texts: the model-facing texts of ``doc_ids``, in the same order.
        labels: relevance labels in ``[0, 1]``, one per document.
        teacher_scores: a teacher's scores of the same documents (for distillation), or ``None``.
        labelled: every document the query has a label > 0 for: with in-batch negatives another
            group's document is no negative of this query if it is one of these.
    """

    query_id: str
    query: str
    doc_ids: tuple[str, ...]
    texts: tuple[str, ...]
    labels: tuple[float, ...]
    teacher_scores: tuple[float, ...] | None = None
    labelled: frozenset[str] = frozenset()


@dataclass
class RerankBatch:
    """A collated batch of groups (never mutated after collation).

    Attributes:
        features: tokenizer outputs for ``n_queries * n_docs`` inputs, group-major: (query,
            document) pairs for a cross-encoder, documents alone for a bi-encoder.
        labels: ``[n_queries, n_docs]`` relevance labels.
        teacher_scores: ``[n_queries, n_docs]`` teacher scores, or ``None``.
        query_ids: the query of each group.
        query_features: tokenizer outputs for the ``n_queries`` queries alone (bi-encoders), or
            ``None`` (cross-encoders).
        doc_ids: the documents of each group.
        labelled: each group's documents with a label > 0 (see :class:`TrainingGroup`).
    """

    features: dict[str, Tensor]
    labels: Tensor
    teacher_scores: Tensor | None
    query_ids: tuple[str, ...]
    query_features: dict[str, Tensor] | None = None
    doc_ids: tuple[tuple[str, ...], ...] = ()
    labelled: tuple[frozenset[str], ...] = ()

    @property
    def n_queries(self) -> int:
        """Number of groups."""
        return int(self.labels.shape[0])

    @property
    def n_docs(self) -> int:
        """Documents per group."""
        return int(self.labels.shape[1])

    @property
    def n_pairs(self) -> int:
        """(query, document) pairs the model scores for this batch."""
        return self.n_queries * self.n_docs


def _targets(groups: Sequence[TrainingGroup]) -> dict[str, Any]:
    """The batch fields every collator fills the same way."""
    sizes = {len(group.doc_ids) for group in groups}
    if len(sizes) != 1:
        raise ValueError(
            f"every group of a batch must have the same number of documents, got sizes "
            f"{sorted(sizes)}."
        )
    teacher: Tensor | None = None
    if all(group.teacher_scores is not None for group in groups):
        teacher = torch.tensor([group.teacher_scores for group in groups], dtype=torch.float32)
    return {
        "labels": torch.tensor([group.labels for group in groups], dtype=torch.float32),
        "teacher_scores": teacher,
        "query_ids": tuple(group.query_id for group in groups),
        "doc_ids": tuple(group.doc_ids for group in groups),
        "labelled": tuple(group.labelled for group in groups),
    }


class PairCollator:
    """Tokenise groups into (query, document) pairs for a cross-encoder.

    Pairs go through the same :class:`~rerank_bench.inference.tokenize.TextEncoder` (and truncation
    policy) that scoring uses, so the model is trained on exactly the inputs it later re-ranks.

    Args:
        tokenizer: a Hugging Face tokenizer with a fast backend.
        max_length: token budget of one pair, special tokens included.
        query_max_length: token budget of the query (the passage gets the rest), or ``None`` to
            cut longest-first.
    """

    def __init__(self, tokenizer: Any, max_length: int, query_max_length: int | None = 64) -> None:
        if max_length < 8:
            raise ValueError(f"PairCollator: max_length must be >= 8 tokens, got {max_length}.")
        self.encoder = TextEncoder(tokenizer, max_length, query_max_length)
        self.max_length = max_length

    def __call__(self, groups: Sequence[TrainingGroup]) -> RerankBatch:
        """Collate ``groups`` (all of the same size) into a :class:`RerankBatch`."""
        targets = _targets(groups)
        queries = [group.query for group in groups for _ in group.texts]
        texts = [text for group in groups for text in group.texts]
        encoded = self.encoder.encode_pairs(queries, texts)
        features = pad_batch(encoded, np.arange(len(texts)), self.encoder.pad_id)
        return RerankBatch(features=features, **targets)

    def truncation(self, queries: Sequence[str], texts: Sequence[str]) -> TruncationTally:
        """What the budgets cut of these aligned (query, passage) pairs, as training sees them."""
        tally = TruncationTally()
        for start in range(0, len(texts), _CHUNK):
            end = start + _CHUNK
            tally.add_pairs(self.encoder.encode_pairs(queries[start:end], texts[start:end]).stats)
        return tally


class SplitCollator:
    """Tokenise groups into queries and documents apart, for a bi-encoder.

    Args:
        tokenizer: a Hugging Face tokenizer with a fast backend.
        max_length: token budget of a document.
        query_max_length: token budget of a query (``None``: ``max_length``).
    """

    def __init__(self, tokenizer: Any, max_length: int, query_max_length: int | None = 64) -> None:
        if max_length < 8:
            raise ValueError(f"SplitCollator: max_length must be >= 8 tokens, got {max_length}.")
        self.docs = TextEncoder(tokenizer, max_length, None)
        self.queries = TextEncoder(tokenizer, query_max_length or max_length, None)

    def __call__(self, groups: Sequence[TrainingGroup]) -> RerankBatch:
        """Collate ``groups`` (all of the same size) into a :class:`RerankBatch`."""
        targets = _targets(groups)
        texts = [text for group in groups for text in group.texts]
        docs = self.docs.encode_texts(texts)
        queries = self.queries.encode_texts([group.query for group in groups])
        return RerankBatch(
            features=pad_batch(docs, np.arange(len(texts)), self.docs.pad_id),
            query_features=pad_batch(queries, np.arange(len(groups)), self.queries.pad_id),
            **targets,
        )

    def truncation(self, queries: Sequence[str], texts: Sequence[str]) -> TruncationTally:
        """What the budgets cut of these queries and passages (each distinct text once)."""
        tally = TruncationTally()
        sides: tuple[tuple[Side, TextEncoder, Sequence[str]], ...] = (
            ("query", self.queries, queries), ("doc", self.docs, texts)
        )
        for side, encoder, items in sides:
            unique = list(dict.fromkeys(items))
            for start in range(0, len(unique), _CHUNK):
                tally.add_texts(encoder.encode_texts(unique[start : start + _CHUNK]).stats, side)
        return tally
