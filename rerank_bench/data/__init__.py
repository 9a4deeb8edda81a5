"""Data: typed records, file formats and the dataset sources that configs instantiate.

Why one import point: stages and tests use ``from rerank_bench.data import Corpus, LocalSource``
without knowing which module holds what. Importing this package opens no file and does not import
ir_datasets; sources read their files only in ``load()``.
"""

from __future__ import annotations

from rerank_bench.data.formats import (
    read_corpus,
    read_cranfield_qrels,
    read_qrels,
    read_queries,
    read_smart_queries,
    read_trec_topics,
    sniff_format,
)
from rerank_bench.data.io import (
    atomic_write,
    check_qrels_against_queries,
    check_run_against_corpus,
    read_jsonl,
    read_lines,
    read_trec_qrels,
    read_trec_run,
    read_tsv_qrels,
    write_trec_qrels,
    write_trec_run,
)
from rerank_bench.data.records import (
    Corpus,
    Dataset,
    Doc,
    Labels,
    Qrel,
    Qrels,
    Queries,
    Query,
    Run,
    ScoredDoc,
    Split,
    pairs,
    ranking,
    top,
)
from rerank_bench.data.sources import (
    BeirSource,
    CranfieldSource,
    DatasetSource,
    IrDatasetsBeirSource,
    IrDatasetsSource,
    LocalSource,
    dataset_stats,
    resolve_path,
)

__all__ = [
    "BeirSource",
    "Corpus",
    "CranfieldSource",
    "Dataset",
    "DatasetSource",
    "Doc",
    "IrDatasetsBeirSource",
    "IrDatasetsSource",
    "Labels",
    "LocalSource",
    "Qrel",
    "Qrels",
    "Queries",
    "Query",
    "Run",
    "ScoredDoc",
    "Split",
    "atomic_write",
    "check_qrels_against_queries",
    "check_run_against_corpus",
    "dataset_stats",
    "pairs",
    "ranking",
    "read_corpus",
    "read_cranfield_qrels",
    "read_jsonl",
    "read_lines",
    "read_qrels",
    "read_queries",
    "read_smart_queries",
    "read_trec_qrels",
    "read_trec_run",
    "read_trec_topics",
    "read_tsv_qrels",
    "resolve_path",
    "sniff_format",
    "top",
    "write_trec_qrels",
    "write_trec_run",
]
