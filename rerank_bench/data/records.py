"""Typed records shared by every stage.

Field names follow ir_datasets (``query_id``, ``doc_id``, ``text``, ``relevance``, ``score``) so
that code written against either reads the same. Bulk data travels in the ranx shape
(``{query_id: {doc_id: value}}``), which is what evaluation, fusion and run files need; the
dataclasses below are for single records and for the containers that give them meaning.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace

from rerank_bench.errors import ConfigError, DocNotFoundError
from rerank_bench.hashing import parts_sha256

__all__ = [
    "Corpus",
    "Dataset",
    "Doc",
    "Labels",
    "Qrel",
    "Qrels",
    "Queries",
    "Query",
    "Run",
    "ScoredDoc",
    "Split",
    "pairs",
    "ranking",
    "top",
]

Queries = dict[str, str]
"""query_id -> query text."""

Qrels = dict[str, dict[str, int]]
"""query_id -> doc_id -> integer relevance grade (evaluation judgments)."""

Run = dict[str, dict[str, float]]
"""query_id -> doc_id -> score (higher is better)."""

Labels = dict[str, dict[str, float]]
"""query_id -> doc_id -> training label in [0, 1] (continuous; lives with training data only)."""


def ranking(docs: Mapping[str, float]) -> list[tuple[str, float]]:
    """A query's documents in rank order, as trec_eval reads a run.

    Score descending, ties broken by doc id descending (trec_eval's rule). Every component that
    orders, cuts or writes a run uses this, so a ranking with ties means the same thing when it is
    re-ranked, written to disk, and evaluated.
    """
    return sorted(docs.items(), key=_rank_key, reverse=True)


def top(docs: Mapping[str, float], k: int | None) -> list[tuple[str, float]]:
    """The first ``k`` of :func:`ranking` (all of it when ``k`` is ``None``).

    Every cut of a run goes through here, so the documents kept at a tied cut-off are the ones
    trec_eval ranks first. Cheaper than sorting when ``k`` is small (a heap of ``k``).

    Raises:
        ConfigError: ``k`` is negative (a slice would silently drop documents from the end).
    """
    if k is None:
        return ranking(docs)
    if k < 0:
        raise ConfigError(f"a ranking cut needs k >= 0, got {k}.")
    return heapq.nlargest(k, docs.items(), key=_rank_key)


def pairs(run: Run, depth: int) -> list[tuple[str, str]]:
    """The ``(query_id, doc_id)`` pairs of each query's :func:`top` ``depth``.

    In run order, then rank order: the pairs a second stage re-scores, listed once and in the
    order every re-ranker and benchmark agrees on.
    """
    return [(qid, doc_id) for qid, docs in run.items() for doc_id, _ in top(docs, depth)]


def _rank_key(item: tuple[str, float]) -> tuple[float, str]:
    return item[1], item[0]


@dataclass(frozen=True, slots=True)
class Doc:
    """A document (passage, article, abstract)."""

    doc_id: str
    text: str
    title: str = ""

    def default_text(self) -> str:
        """Text a model or BM25 sees: the title, when there is one, followed by the body."""
        return f"{self.title} {self.text}" if self.title else self.text


@dataclass(frozen=True, slots=True)
class Query:
    """A query (topic, question, claim)."""

    query_id: str
    text: str


@dataclass(frozen=True, slots=True)
class Qrel:
    """One relevance judgment."""

    query_id: str
    doc_id: str
    relevance: int


@dataclass(frozen=True, slots=True)
class ScoredDoc:
    """One line of a run: a document retrieved for a query with its score."""

    query_id: str
    doc_id: str
    score: float


class Corpus(Mapping[str, Doc]):
    """An in-memory document store with id look-up that fails loudly.

    ``corpus[doc_id]`` and :meth:`get_many` raise :class:`DocNotFoundError` naming the missing id,
    so a run or qrels file that refers to unknown documents is caught where it is read.
    """

    def __init__(self, docs: Iterable[Doc], name: str = "corpus") -> None:
        self.name = name
        self._docs: dict[str, Doc] = {}
        for doc in docs:
            self._docs[doc.doc_id] = doc
        self._fingerprint: str | None = None

    def __getitem__(self, doc_id: str) -> Doc:
        try:
            return self._docs[doc_id]
        except KeyError:
            raise DocNotFoundError(doc_id, f"corpus {self.name!r}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._docs)

    def __len__(self) -> int:
        return len(self._docs)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._docs

    def get_many(self, doc_ids: Iterable[str]) -> dict[str, Doc]:
        """Return ``{doc_id: Doc}`` for ``doc_ids``; raise on the first unknown id."""
        return {doc_id: self[doc_id] for doc_id in doc_ids}

    def texts(self, doc_ids: Iterable[str]) -> list[str]:
        """Model-facing texts (:meth:`Doc.default_text`) of ``doc_ids``, in order."""
        return [self[doc_id].default_text() for doc_id in doc_ids]

    def fingerprint(self) -> str:
        """A content hash of ids, titles and texts; caches key on it, never on a name."""
        if self._fingerprint is None:
            parts = (
                part for doc in self._docs.values() for part in (doc.doc_id, doc.title, doc.text)
            )
            self._fingerprint = parts_sha256(parts)[:16]
        return self._fingerprint


@dataclass(frozen=True, slots=True)
class Split:
    """A named set of queries with their judgments (train, dev, test...).

    Attributes:
        name: the split name.
        queries: its topics.
        qrels: its graded judgments.
        rel_level: the smallest grade that counts as relevant for binary metrics. It travels
            with the judgments because it is a property of how they were made (DL: 2), so
            evaluating a split never falls back on a default; a :class:`Dataset` sets it on
            its splits.
        notes: what a reader of any table of this split must know about its data (judged ids
            that match the corpus only once normalised...); printed under the run's table.
    """

    name: str
    queries: Queries
    qrels: Qrels
    rel_level: int = 1
    notes: tuple[str, ...] = ()

    def judged_queries(self) -> Queries:
        """The queries that have at least one judgment."""
        return {qid: text for qid, text in self.queries.items() if qid in self.qrels}


@dataclass(frozen=True)
class Dataset:
    """A corpus with its named query splits.

    Attributes:
        name: short name used in tags and tables (``scifact``, ``dl19``...).
        corpus: the documents.
        splits: split name -> :class:`Split`.
        rel_level: the smallest grade that counts as relevant for binary metrics (DL: 2); every
            split of the dataset is given it.
        logs: paths of interaction logs that come with the data (domain datasets).
    """

    name: str
    corpus: Corpus
    splits: dict[str, Split]
    rel_level: int = 1
    logs: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        # One level per dataset: its splits carry it, whoever built them.
        splits = {
            name: replace(split, rel_level=self.rel_level) for name, split in self.splits.items()
        }
        object.__setattr__(self, "splits", splits)

    def split(self, name: str) -> Split:
        """Return split ``name`` or raise a :class:`ConfigError` listing the available ones."""
        try:
            return self.splits[name]
        except KeyError:
            available = ", ".join(sorted(self.splits)) or "none"
            raise ConfigError(
                f"dataset {self.name!r} has no split {name!r}; available: {available}. "
                f"Set dataset.eval_split (or train_split/dev_split) to one of them."
            ) from None
