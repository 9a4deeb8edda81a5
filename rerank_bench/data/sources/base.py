"""What every dataset source does: name its splits, load once, check the configured splits.

Why a base class: a source only says how to read its corpus and splits (:meth:`_read`); loading,
memoizing, the checks on splits and logs, and the record iterators are the same for all.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from rerank_bench.data.records import Corpus, Dataset, Doc, Qrel, Query, Split
from rerank_bench.data.sources.paths import as_list, existing_path

__all__ = ["DatasetSource"]


@dataclass
class DatasetSource(ABC):
    """A configured dataset: names its splits and loads a :class:`Dataset` on demand.

    Attributes:
        name: short name used in run names, MLflow tags and tables.
        eval_split: the split evaluated by ``rerank-bench run``.
        train_split: the split used to fine-tune (``None``: the dataset has none).
        dev_split: the split used for validation while fine-tuning (``None``: none).
        rel_level: smallest grade that counts as relevant for binary metrics (DL: 2); ``None``
            (``dataset=local``): not stated, so 1, and a run on graded qrels says so under its
            table (TREC DL-style grades 0..3 usually want 2, as ``trec_eval -l 2``).
        normalize_ids: map qrels ids that match a topic or corpus id only once zero padding,
            case and white space are normalised (``DOC-46`` for ``DOC-0046``); without it they
            are reported loudly and scored as never retrieved (:func:`make_split`).
        logs: interaction logs (JSONL search logs) that come with the data, for labels derived
            from user feedback (``labels=<method>``); checked to exist when the dataset loads.
    """

    name: str
    eval_split: str = "test"
    train_split: str | None = "train"
    dev_split: str | None = None
    rel_level: int | None = 1
    normalize_ids: bool = False
    logs: Sequence[str] = ()
    _dataset: Dataset | None = field(default=None, init=False, repr=False, compare=False)

    def load(self) -> Dataset:
        """Read, validate and return the dataset (read once per instance, then memoized).

        Raises:
            DataFormatError: a file is missing or malformed (names file, line and fix).
            ConfigError: a configured split does not exist, or the source cannot be reached.
        """
        if self._dataset is None:
            corpus, splits = self._read()
            dataset = Dataset(
                name=self.name,
                corpus=corpus,
                splits=splits,
                rel_level=1 if self.rel_level is None else self.rel_level,
                logs=tuple(str(existing_path(log, "logs")) for log in as_list(self.logs)),
            )
            for split_name in self.split_names():
                dataset.split(split_name)  # raises ConfigError listing the available splits
            self._dataset = dataset
        return self._dataset

    def iter_docs(self) -> Iterator[Doc]:
        """The documents as :class:`Doc` records, in file order (loads the dataset once)."""
        yield from self.load().corpus.values()

    def iter_queries(self, split: str | None = None) -> Iterator[Query]:
        """The topics of ``split`` (default: ``eval_split``) as :class:`Query` records."""
        for qid, text in self.load().split(split or self.eval_split).queries.items():
            yield Query(query_id=qid, text=text)

    def iter_qrels(self, split: str | None = None) -> Iterator[Qrel]:
        """The judgments of ``split`` (default: ``eval_split``) as :class:`Qrel` records."""
        for qid, docs in self.load().split(split or self.eval_split).qrels.items():
            for doc_id, grade in docs.items():
                yield Qrel(query_id=qid, doc_id=doc_id, relevance=grade)

    def split_names(self) -> list[str]:
        """The configured split names (evaluation first), without ``None`` ones."""
        names = [self.eval_split, self.train_split, self.dev_split]
        return list(dict.fromkeys(name for name in names if name))

    @abstractmethod
    def _read(self) -> tuple[Corpus, dict[str, Split]]:
        """Read the corpus and every split this source has."""
