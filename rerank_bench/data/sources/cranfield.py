"""Cranfield 1400 from its SMART files.

Why not a :class:`~rerank_bench.data.sources.local.LocalSource`: Cranfield's qrels number the
queries by position and code relevance the wrong way round (1 = most relevant), so reading them
takes the two conversions this source applies.
"""

from __future__ import annotations

from dataclasses import dataclass

from rerank_bench.data.formats import read_corpus, read_cranfield_qrels, read_smart_queries
from rerank_bench.data.records import Corpus, Split
from rerank_bench.data.sources.base import DatasetSource
from rerank_bench.data.sources.paths import existing_path
from rerank_bench.data.sources.splits import make_split

__all__ = ["CranfieldSource"]


@dataclass(kw_only=True)
class CranfieldSource(DatasetSource):
    """Cranfield 1400 in its SMART files, with the two quirks of its qrels handled.

    ``cranqrel`` numbers queries 1..225 by position in ``cran.qry`` (whose ``.I`` ids run
    001..365 with gaps), so query ids are positions, as in ir_datasets; and its codes run
    1 = most relevant ... 4 = least, so they become grades 4..1 (higher = more relevant; see
    :func:`~rerank_bench.data.formats.read_cranfield_qrels`). Every judged pair is relevant at
    ``rel_level`` 1.

    Attributes:
        path: the folder with ``cran.all.1400``, ``cran.qry`` and ``cranqrel``.
        split: the name of the single split.
    """

    path: str
    split: str = "test"
    train_split: str | None = None

    def _read(self) -> tuple[Corpus, dict[str, Split]]:
        folder = existing_path(self.path, "path")
        corpus = read_corpus(folder / "cran.all.1400", fmt="smart", name=self.name)
        queries = read_smart_queries(folder / "cran.qry", renumber=True)
        qrels_path = folder / "cranqrel"
        qrels = read_cranfield_qrels(qrels_path)
        return corpus, {self.split: make_split(self.split, queries, qrels, qrels_path, corpus,
                                             self.normalize_ids)}
