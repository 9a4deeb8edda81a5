"""Collection formats: corpora, topics and qrels in the layouts IR test collections ship in.

Why a package of its own: test collections come in half a dozen historical layouts (BEIR JSONL,
pyserini JSONL, TSV, TREC SGML, SMART/Glasgow, ``Document N`` blocks, HTML pages), and a
researcher should be able to point ``dataset=local`` at any of them. Each reader turns one
layout into the shared records (:class:`~rerank_bench.data.records.Doc`, ``Queries``,
``Qrels``) and fails on the first malformed line with a
:class:`~rerank_bench.errors.DataFormatError` naming file, line and fix.
:func:`read_corpus`, :func:`read_queries` and :func:`read_qrels` pick the reader from the
extension and the first lines, so callers never name formats unless they want to; a guess that
then fails says what it guessed and why, and a configured format is never second-guessed.

One module per layout, so that adding or fixing one never touches the others:

* :mod:`~rerank_bench.data.formats.auto`: sniffing and the three entry points;
* :mod:`~rerank_bench.data.formats.jsonl`: BEIR and pyserini JSON Lines;
* :mod:`~rerank_bench.data.formats.tsv`: ``id<TAB>[title<TAB>]text`` and ``qid<TAB>text``;
* :mod:`~rerank_bench.data.formats.trec_docs`: TREC SGML ``<DOC>`` corpora;
* :mod:`~rerank_bench.data.formats.trec_topics`: TREC SGML ``<top>`` topics;
* :mod:`~rerank_bench.data.formats.smart`: SMART/Glasgow ``.I``/``.W`` records and qrels;
* :mod:`~rerank_bench.data.formats.document_blocks`: ``Document N`` blocks ended by ``*****``;
* :mod:`~rerank_bench.data.formats.html_docs`: one document per HTML file, in a folder or a
  tar archive;
* :mod:`~rerank_bench.data.formats.cranfield`: Cranfield's ``cranqrel`` judgments;
* :mod:`~rerank_bench.data.formats.common`: what several layouts share (adding a query,
  stripping markup).

All reading goes through :func:`rerank_bench.data.io.read_lines` (UTF-8 check, byte-order mark
dropped, missing and empty files, folders and archives refused as such), so every format reports
bad input the same way.
"""

from __future__ import annotations

from rerank_bench.data.formats.auto import (
    CORPUS_FORMATS,
    QRELS_FORMATS,
    QUERY_FORMATS,
    read_corpus,
    read_qrels,
    read_queries,
    sniff_format,
)
from rerank_bench.data.formats.cranfield import read_cranfield_qrels
from rerank_bench.data.formats.jsonl import iter_jsonl_docs, read_jsonl_queries
from rerank_bench.data.formats.smart import (
    SmartRecord,
    iter_smart_docs,
    iter_smart_records,
    read_smart_queries,
)
from rerank_bench.data.formats.trec_docs import iter_trec_docs
from rerank_bench.data.formats.trec_topics import read_trec_topics
from rerank_bench.data.formats.tsv import iter_tsv_docs, read_tsv_queries

__all__ = [
    "CORPUS_FORMATS",
    "QRELS_FORMATS",
    "QUERY_FORMATS",
    "SmartRecord",
    "iter_jsonl_docs",
    "iter_smart_docs",
    "iter_smart_records",
    "iter_trec_docs",
    "iter_tsv_docs",
    "read_corpus",
    "read_cranfield_qrels",
    "read_jsonl_queries",
    "read_qrels",
    "read_queries",
    "read_smart_queries",
    "read_trec_topics",
    "read_tsv_queries",
    "sniff_format",
]
