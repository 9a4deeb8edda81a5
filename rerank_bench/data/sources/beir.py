"""A BEIR folder on disk: ``corpus.jsonl``, ``queries.jsonl`` and ``qrels/<split>.tsv``.

Why a source of its own: the layout fixes every file name and format, so a config names only the
folder (and, if it wants, the splits).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rerank_bench.data.formats import read_corpus, read_qrels, read_queries
from rerank_bench.data.records import Corpus, Split
from rerank_bench.data.sources.base import DatasetSource
from rerank_bench.data.sources.paths import as_list, existing_path
from rerank_bench.data.sources.splits import make_split
from rerank_bench.errors import DataFormatError

__all__ = ["BeirSource"]


@dataclass(kw_only=True)
class BeirSource(DatasetSource):
    """A BEIR folder: ``corpus.jsonl``, ``queries.jsonl`` and ``qrels/<split>.tsv`` (header row).

    Attributes:
        path: the folder (``pkg:<package>/<folder>`` for data shipped in a package).
        splits: split names to read (``None``: every ``qrels/*.tsv``).
    """

    path: str
    splits: Sequence[str] | None = None

    def __post_init__(self) -> None:
        if self.splits is not None:
            self.splits = as_list(self.splits)

    def _read(self) -> tuple[Corpus, dict[str, Split]]:
        folder = existing_path(self.path, "path")
        if not folder.is_dir():
            raise DataFormatError(
                folder,
                None,
                "is not a folder.",
                "point dataset.path at a folder with corpus.jsonl, queries.jsonl and qrels/.",
            )
        qrels_dir = folder / "qrels"
        names = (
            list(self.splits)
            if self.splits is not None
            else sorted(p.stem for p in qrels_dir.glob("*.tsv"))
        )
        if not names:
            raise DataFormatError(
                qrels_dir, None, "no qrels/<split>.tsv files.", "add qrels/test.tsv (BEIR layout)."
            )
        corpus = read_corpus(folder / "corpus.jsonl", fmt="jsonl", name=self.name)
        queries = read_queries(folder / "queries.jsonl", fmt="jsonl")
        splits = {}
        for split_name in names:
            qrels_path = qrels_dir / f"{split_name}.tsv"
            splits[split_name] = make_split(
                split_name, queries, read_qrels(qrels_path, fmt="tsv"), qrels_path, corpus,
                self.normalize_ids,
            )
        return corpus, splits
