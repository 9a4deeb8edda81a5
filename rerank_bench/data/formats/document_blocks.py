"""Corpora written as ``Document <id>`` blocks, each closed by a line of asterisks (LISA's
``LISA0.001``...): ``corpus_format=document_blocks``.

Why strict about the markers: the header and the asterisks are the only structure, so a block
left open would swallow the next document's header and text into its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from rerank_bench.data.io import read_lines
from rerank_bench.data.records import Doc
from rerank_bench.errors import DataFormatError

__all__ = ["DOCUMENT_HEADER", "iter_document_blocks"]

DOCUMENT_HEADER = re.compile(r"^\s*Document\s+(\S+)\s*$", re.IGNORECASE)
"""A block's first line, ``Document  12``: the word, white space, the id (also for sniffing)."""

_END = re.compile(r"^\s*\*{3,}\s*$")


def iter_document_blocks(path: str | Path) -> Iterator[tuple[int, Doc]]:
    """Yield ``(line_no of the header, Doc)`` for each ``Document <id>`` block of a file.

    The text is every line between the header and the line of asterisks, line breaks kept; the
    layout has no title field.

    Raises:
        DataFormatError: text outside a block, a header inside an open block, a file that ends
            inside a block.
    """
    doc_id: str | None = None
    start = 0
    body: list[str] = []
    for line_no, line in read_lines(path):
        header = DOCUMENT_HEADER.match(line)
        if header and doc_id is not None:
            raise DataFormatError(
                path,
                line_no,
                f"`Document {header.group(1)}` begins before the block of document {doc_id!r} "
                f"(line {start}) closed.",
                "close every block with a line of asterisks (`*****`).",
            )
        if header:
            doc_id, start, body = header.group(1), line_no, []
            continue
        if doc_id is None:
            raise DataFormatError(
                path,
                line_no,
                f"text outside a `Document <id>` block: {line[:80]!r}.",
                "begin every document with a line `Document <id>`.",
            )
        if _END.match(line):
            yield start, Doc(doc_id=doc_id, text="\n".join(body).strip())
            doc_id = None
            continue
        body.append(line.strip())
    if doc_id is not None:
        raise DataFormatError(
            path,
            start,
            f"the file ends inside the block of document {doc_id!r}.",
            "close every block with a line of asterisks (`*****`).",
        )
