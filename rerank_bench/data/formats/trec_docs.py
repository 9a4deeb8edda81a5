"""TREC SGML corpora: ``<DOC><DOCNO>id</DOCNO>...</DOC>`` (Vaswani's ``doc-text.trec``...).

Why line by line rather than an XML parser: a TREC corpus is a concatenation of ``<DOC>``
elements, not an XML document (no root element, tags that vary by collection); only ``<DOC>``,
``<DOCNO>`` and the title elements carry meaning, and every other tag is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from rerank_bench.data.formats.common import strip_markup
from rerank_bench.data.io import read_lines
from rerank_bench.data.records import Doc
from rerank_bench.errors import DataFormatError

__all__ = ["iter_trec_docs"]

_DOCNO = re.compile(r"<DOCNO>\s*(.*?)\s*</DOCNO>", re.IGNORECASE)
_TITLE_OPEN = re.compile(r"<(TITLE|HEADLINE|HEAD)>", re.IGNORECASE)
_TITLE_CLOSE = re.compile(r"</(TITLE|HEADLINE|HEAD)>", re.IGNORECASE)


def iter_trec_docs(path: str | Path) -> Iterator[tuple[int, Doc]]:
    """Yield ``(line_no of <DOC>, Doc)`` from a TREC SGML corpus (``<DOC><DOCNO>id</DOCNO>...``).

    The text is everything inside ``<DOC>`` except the ``DOCNO``, with markup removed; a
    ``<TITLE>``/``<HEADLINE>`` element, when present, becomes the title. Line breaks are kept.
    """
    start: int | None = None
    doc_id: str | None = None
    body: list[str] = []
    title: list[str] = []
    in_title = False
    for line_no, line in read_lines(path):
        upper = line.strip().upper()
        if upper == "<DOC>":
            if start is not None:
                raise DataFormatError(
                    path,
                    line_no,
                    f"<DOC> opened again before the <DOC> of line {start} closed.",
                    "close every <DOC> with </DOC>.",
                )
            start, doc_id, body, title, in_title = line_no, None, [], [], False
            continue
        if start is None:
            raise DataFormatError(
                path,
                line_no,
                f"text outside <DOC>...</DOC>: {line[:80]!r}.",
                "wrap every document in <DOC>...</DOC>.",
            )
        if upper == "</DOC>":
            if doc_id is None:
                raise DataFormatError(
                    path, start, "document without <DOCNO>.", "give every <DOC> a <DOCNO>."
                )
            yield (
                start,
                Doc(doc_id=doc_id, text="\n".join(body).strip(), title=" ".join(title).strip()),
            )
            start = None
            continue
        match = _DOCNO.search(line)
        if match:
            if doc_id is not None:
                raise DataFormatError(
                    path, line_no, "second <DOCNO> in one document.", "keep one <DOCNO> per <DOC>."
                )
            doc_id = match.group(1)
            if not doc_id:
                raise DataFormatError(path, line_no, "empty <DOCNO>.", "give every doc an id.")
            line = line[: match.start()] + line[match.end() :]
        if _TITLE_OPEN.search(line):
            in_title = True
        closes = _TITLE_CLOSE.search(line) is not None
        text = strip_markup(line).strip()
        if text:
            (title if in_title else body).append(text)
        if closes:
            in_title = False
    if start is not None:
        raise DataFormatError(
            path, start, "the file ends inside this <DOC>.", "close every <DOC> with </DOC>."
        )
