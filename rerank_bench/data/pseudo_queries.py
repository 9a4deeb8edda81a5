"""Weak supervision from a corpus alone: each document's title as a query for its body.

Why: a cross-encoder learns slowly from a non-ranking checkpoint on a domain's few hundred
labelled queries, and offline there is no MS MARCO cross-encoder to start from. Titled corpora
carry their own (query, relevant document) pairs: SciFact has 5,183 titled abstracts, Cranfield
1,400, the helpdesk 112. Training on them first gives a general query-document matcher, and the
domain's labels then fine-tune that model (two-stage fine-tuning:
``train.base_model=<the first stage's model folder>``). The title is removed from the document
the model sees, otherwise the task is string matching (the inverse cloze task, with titles).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from rerank_bench.data.records import Corpus, Doc, Split
from rerank_bench.data.sources import DatasetSource
from rerank_bench.errors import ConfigError

__all__ = ["TitleQueriesSource"]


@dataclass(kw_only=True)
class TitleQueriesSource(DatasetSource):
    """A training set of (title -> its untitled document) pairs made from another dataset.

    Splits ``train``, ``dev`` and ``test`` hold disjoint documents' titles as queries, each with
    its own document as the one relevant answer (grade 1). The corpus is the base corpus with
    titles removed, so the other documents are the negatives.

    Attributes:
        base: the dataset whose corpus is used (any :class:`DatasetSource`).
        dev_size, test_size: titles held out for validation and for evaluation.
        max_queries: cap on training titles (``None``: all); a seeded sample when capped.
        min_title_words: shorter titles are not used as queries.
        seed: the seed of the split.
    """

    base: DatasetSource
    name: str = "title_queries"
    eval_split: str = "test"
    train_split: str | None = "train"
    dev_split: str | None = "dev"
    dev_size: int = 100
    test_size: int = 100
    max_queries: int | None = None
    min_title_words: int = 3
    seed: int = 0
    rel_level: int = field(default=1)

    def _read(self) -> tuple[Corpus, dict[str, Split]]:
        corpus = self.base.load().corpus
        titled = [
            doc.doc_id
            for doc in corpus.values()
            if len(doc.title.split()) >= self.min_title_words and doc.text.strip()
        ]
        held_out = self.dev_size + self.test_size
        if len(titled) <= held_out:
            raise ConfigError(
                f"{self.base.name!r} has {len(titled)} documents with a title of at least "
                f"{self.min_title_words} words; title queries need more than dev_size + "
                f"test_size = {held_out}. Fix: lower dev_size/test_size or min_title_words."
            )
        order = [titled[i] for i in np.random.default_rng(self.seed).permutation(len(titled))]
        chosen = {
            "dev": order[: self.dev_size],
            "test": order[self.dev_size : held_out],
            "train": order[held_out:][: self.max_queries],
        }
        untitled = Corpus(Doc(doc.doc_id, doc.text) for doc in corpus.values())
        splits = {
            name: Split(
                name=name,
                queries={f"title:{d}": corpus[d].title for d in ids},
                qrels={f"title:{d}": {d: 1} for d in ids},
            )
            for name, ids in chosen.items()
        }
        return untitled, splits
