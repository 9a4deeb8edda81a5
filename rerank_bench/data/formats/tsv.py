"""Tab-separated corpora (``id<TAB>[title<TAB>]text``) and topics (``qid<TAB>text``).

Why strict column counts: TSV has no quoting, so a stray tab inside a text is only detectable as
a line with more fields than the first record; it is refused rather than read as a title.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from rerank_bench.data.formats.common import add_query
from rerank_bench.data.io import read_lines
from rerank_bench.data.records import Doc, Queries
from rerank_bench.errors import DataFormatError

__all__ = ["iter_tsv_docs", "read_tsv_queries"]

_TSV_DOC_HEADERS = frozenset({"id", "_id", "doc_id", "docid", "pid", "doc-id", "corpus-id"})
_TSV_QUERY_HEADERS = frozenset({"id", "_id", "query_id", "qid", "query-id", "topic"})


def read_tsv_queries(path: str | Path) -> Queries:
    """Read ``qid<TAB>text`` topics (MS MARCO, TREC DL); a header row is skipped."""
    queries: Queries = {}
    first = True
    for line_no, line in read_lines(path):
        if "\t" not in line:
            raise DataFormatError(
                path,
                line_no,
                f"expected `qid<TAB>text`, found no tab: {line[:80]!r}.",
                "separate the query id from its text with one tab.",
            )
        qid, text = line.split("\t", 1)
        if first:
            first = False
            if qid.strip().lower() in _TSV_QUERY_HEADERS and text.strip().lower() in (
                "text",
                "query",
            ):
                continue
        add_query(queries, path, line_no, qid.strip(), text)
    return queries


def iter_tsv_docs(path: str | Path) -> Iterator[tuple[int, Doc]]:
    """Yield ``(line_no, Doc)`` from ``id<TAB>text`` or ``id<TAB>title<TAB>text`` lines.

    The first record fixes the column count; a later line with another count is an error, so a
    stray tab inside a text can never silently turn part of it into a title.
    """
    columns: int | None = None
    for line_no, line in read_lines(path):
        parts = line.split("\t")
        if columns is None:
            if parts[0].strip().lower() in _TSV_DOC_HEADERS and len(parts) in (2, 3):
                columns = len(parts)
                continue
            columns = len(parts)
            if columns not in (2, 3):
                raise DataFormatError(
                    path,
                    line_no,
                    f"expected 2 or 3 tab-separated fields (id, [title,] text), found {columns}.",
                    "write `id<TAB>text` or `id<TAB>title<TAB>text`, one document a line.",
                )
        if len(parts) != columns:
            raise DataFormatError(
                path,
                line_no,
                f"expected {columns} tab-separated fields like the first record, "
                f"found {len(parts)}.",
                "remove tabs inside texts (or quote-free TSV: replace them by spaces).",
            )
        doc_id = parts[0].strip()
        if not doc_id:
            raise DataFormatError(path, line_no, "empty document id.", "give every doc an id.")
        title = parts[1] if columns == 3 else ""
        yield line_no, Doc(doc_id=doc_id, text=parts[-1], title=title)
