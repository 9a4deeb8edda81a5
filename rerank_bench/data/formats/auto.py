"""Sniffing a file's layout, and the three entry points that read any supported layout.

Why apart from the readers: this is the one module that knows every layout, so adding a layout
means one reader module and one entry here, and callers never name a format unless they want to.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from rerank_bench.data.formats.jsonl import iter_jsonl_docs, read_jsonl_queries
from rerank_bench.data.formats.smart import iter_smart_docs, read_smart_queries
from rerank_bench.data.formats.trec_docs import iter_trec_docs
from rerank_bench.data.formats.trec_topics import read_trec_topics
from rerank_bench.data.formats.tsv import iter_tsv_docs, read_tsv_queries
from rerank_bench.data.io import first_line, qrels_fields, read_trec_qrels, read_tsv_qrels
from rerank_bench.data.records import Corpus, Doc, Qrels, Queries
from rerank_bench.errors import DataFormatError

__all__ = [
    "CORPUS_FORMATS",
    "QRELS_FORMATS",
    "QUERY_FORMATS",
    "Kind",
    "read_corpus",
    "read_qrels",
    "read_queries",
    "sniff_format",
]

CORPUS_FORMATS = ("jsonl", "tsv", "trec", "smart")
"""Corpus layouts: BEIR/pyserini JSONL, ``id<TAB>[title<TAB>]text``, TREC ``<DOC>``, SMART."""

QUERY_FORMATS = ("jsonl", "tsv", "trec", "smart")
"""Topic layouts: BEIR JSONL, ``qid<TAB>text``, TREC ``<top>`` SGML, SMART ``.I/.W``."""

QRELS_FORMATS = ("trec", "tsv")
"""Qrels layouts: TREC ``qid iter docid grade`` and BEIR ``query-id<TAB>corpus-id<TAB>score``."""

Kind = Literal["corpus", "queries", "qrels"]


def sniff_format(path: str | Path, kind: Kind) -> str:
    """Guess the layout of a corpus, topics or qrels file from its extension and first line.

    Args:
        path: the file.
        kind: what the file holds (``corpus``, ``queries`` or ``qrels``).

    Returns:
        One of :data:`CORPUS_FORMATS`, :data:`QUERY_FORMATS` or :data:`QRELS_FORMATS`.

    Raises:
        DataFormatError: the file is missing, empty, not UTF-8 or of no known layout.
    """
    line = first_line(path)
    stripped = line.lstrip()
    if kind == "qrels":
        fields = qrels_fields(line)
        if len(fields) == 4:
            return "trec"
        if len(fields) == 3:
            return "tsv"
        raise DataFormatError(
            path,
            1,
            f"cannot tell the qrels layout from the first line {line[:80]!r} "
            f"({len(fields)} fields).",
            "use TREC qrels (`qid 0 docid grade`) or BEIR TSV "
            "(`query-id<TAB>corpus-id<TAB>score`).",
        )
    suffix = Path(path).suffix.lower()
    if suffix in (".jsonl", ".json") or stripped.startswith("{"):
        return "jsonl"
    if re.match(r"\.I(\s|$)", stripped):
        return "smart"
    if kind == "corpus" and stripped.upper().startswith("<DOC"):
        return "trec"
    if kind == "queries" and stripped.lower().startswith("<top"):
        return "trec"
    if suffix == ".tsv" or "\t" in line:
        return "tsv"
    expected = (
        "JSONL, TSV, TREC <DOC> or SMART .I"
        if kind == "corpus"
        else ("JSONL, TSV (qid<TAB>text), TREC <top> or SMART .I")
    )
    raise DataFormatError(
        path,
        1,
        f"cannot tell the {kind} layout from the first line {line[:80]!r}.",
        f"convert the file to one of: {expected}.",
    )


def read_corpus(path: str | Path, fmt: str | None = None, name: str = "corpus") -> Corpus:
    """Read a corpus in any supported layout.

    Args:
        path: the corpus file.
        fmt: one of :data:`CORPUS_FORMATS`; ``None`` sniffs it (:func:`sniff_format`).
        name: the corpus name used in error messages.

    Returns:
        The documents, in file order.

    Raises:
        DataFormatError: malformed record, duplicate document id, unknown layout.
    """
    fmt = fmt or sniff_format(path, "corpus")
    readers = {
        "jsonl": iter_jsonl_docs,
        "tsv": iter_tsv_docs,
        "trec": iter_trec_docs,
        "smart": iter_smart_docs,
    }
    if fmt not in readers:
        raise DataFormatError(
            path, None, f"unknown corpus format {fmt!r}.", f"use one of {CORPUS_FORMATS}."
        )
    docs: dict[str, Doc] = {}
    for line_no, doc in readers[fmt](path):
        if doc.doc_id in docs:
            raise DataFormatError(
                path,
                line_no,
                f"document id {doc.doc_id!r} appears twice.",
                "give every document a unique id.",
            )
        docs[doc.doc_id] = doc
    return Corpus(docs.values(), name=name)


def read_queries(path: str | Path, fmt: str | None = None, field: str = "title") -> Queries:
    """Read topics in any supported layout.

    Args:
        path: the topics file.
        fmt: one of :data:`QUERY_FORMATS`; ``None`` sniffs it.
        field: for TREC SGML topics, which field(s) make the query text (``title``, ``desc``,
            ``narr`` or a ``+`` join such as ``title+desc``).

    Returns:
        ``{query_id: text}`` in file order.

    Raises:
        DataFormatError: malformed record, duplicate or empty query, unknown layout.
    """
    fmt = fmt or sniff_format(path, "queries")
    if fmt == "jsonl":
        return read_jsonl_queries(path)
    if fmt == "tsv":
        return read_tsv_queries(path)
    if fmt == "trec":
        return read_trec_topics(path, field=field)
    if fmt == "smart":
        return read_smart_queries(path)
    raise DataFormatError(
        path, None, f"unknown topics format {fmt!r}.", f"use one of {QUERY_FORMATS}."
    )


def read_qrels(path: str | Path, fmt: str | None = None) -> Qrels:
    """Read qrels as TREC (``qid iter docid grade``) or BEIR TSV (header row optional).

    Raises:
        DataFormatError: malformed line, non-integer grade, conflicting duplicate judgment.
    """
    fmt = fmt or sniff_format(path, "qrels")
    if fmt == "trec":
        return read_trec_qrels(path)
    if fmt == "tsv":
        return read_tsv_qrels(path)
    raise DataFormatError(
        path, None, f"unknown qrels format {fmt!r}.", f"use one of {QRELS_FORMATS}."
    )
