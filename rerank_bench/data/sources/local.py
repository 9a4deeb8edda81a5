"""Corpus, topics and qrels files in any supported layout, each sniffed unless configured.

Why: a new collection in TREC, SMART, TSV, JSONL, ``Document N`` block or HTML files then needs a
config and no code; this is ``dataset=local`` and the source of the TREC and SMART collections of
``conf/dataset/``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from rerank_bench.data.formats import read_corpus, read_qrels, read_queries
from rerank_bench.data.records import Corpus, Qrels, Queries, Split
from rerank_bench.data.sources.base import DatasetSource
from rerank_bench.data.sources.paths import as_list, existing_path, existing_paths
from rerank_bench.data.sources.splits import make_split
from rerank_bench.errors import DataFormatError

__all__ = ["LocalSource"]


@dataclass(kw_only=True)
class LocalSource(DatasetSource):
    """Corpus, topics and qrels files in any supported layout (sniffed unless given).

    This is ``dataset=local`` (files given on the command line) and also the source of the TREC
    and SMART collections in ``conf/dataset/`` (DL19 pool, Vaswani, MED).

    Attributes:
        corpus: corpus file: JSONL, TSV, TREC ``<DOC>``, SMART, ``Document N`` blocks, or HTML
            documents (a folder or tar archive of ``.html`` files); or a list of files or a glob
            (``docs/*.txt``) whose documents are merged, a duplicate id across files an error.
            Every path may also be ``pkg:<package>/<file>`` (a file shipped inside an installed
            package).
        queries: topics file, or a list (or glob) of them merged (MED needs a supplement);
            duplicate ids across files are an error.
        qrels: qrels file (TREC, BEIR TSV or SMART/Glasgow) for the single split ``split``, or a
            mapping ``{split: qrels file}`` for several splits.
        split: the split name when ``qrels`` is a single file.
        train_split: ``None`` by default here (one qrels file is one split); name a split of
            the ``qrels`` mapping to fine-tune on it.
        corpus_format: one of ``jsonl``, ``tsv``, ``trec``, ``smart``, ``document_blocks``,
            ``html`` (``None``: sniff each file). A configured format is never second-guessed.
        queries_format: one of ``jsonl``, ``tsv``, ``trec`` (``<top>`` or ``<DOC>`` SGML),
            ``smart`` (``None``: sniff).
        qrels_format: ``trec``, ``tsv`` or ``smart`` (``None``: sniff).
        topic_field: TREC ``<top>`` topics: ``title``, ``desc``, ``narr`` or ``title+desc``.
    """

    corpus: str | Sequence[str]
    queries: str | Sequence[str]
    qrels: str | Mapping[str, str]
    split: str = "test"
    train_split: str | None = None
    corpus_format: str | None = None
    queries_format: str | None = None
    qrels_format: str | None = None
    topic_field: str = "title"

    def __post_init__(self) -> None:
        self.queries = as_list(self.queries)
        if not isinstance(self.qrels, str | Path):
            self.qrels = {str(key): str(value) for key, value in self.qrels.items()}

    def _qrels_files(self) -> dict[str, Path]:
        if isinstance(self.qrels, str | Path):
            return {self.split: existing_path(self.qrels, "qrels")}
        return {name: existing_path(path, f"qrels.{name}") for name, path in self.qrels.items()}

    def _read_topics(self) -> Queries:
        merged: Queries = {}
        for path in existing_paths(self.queries, "queries"):
            for qid, text in read_queries(path, self.queries_format, self.topic_field).items():
                if qid in merged:
                    raise DataFormatError(
                        path,
                        None,
                        f"query id {qid!r} is also in an earlier topics file.",
                        "merge topic files whose ids do not overlap.",
                    )
                merged[qid] = text
        return merged

    def _read_qrels(self, path: Path) -> Qrels:
        return read_qrels(path, self.qrels_format)

    def _read(self) -> tuple[Corpus, dict[str, Split]]:
        corpus = read_corpus(
            existing_paths(self.corpus, "corpus"), self.corpus_format, name=self.name
        )
        queries = self._read_topics()
        splits = {
            name: make_split(name, queries, self._read_qrels(path), path, corpus,
                             self.normalize_ids)
            for name, path in self._qrels_files().items()
        }
        return corpus, splits
