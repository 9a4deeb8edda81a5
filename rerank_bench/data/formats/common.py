"""What several layouts share: one rule for adding a query, one for stripping SGML markup.

Why here: JSONL, TSV, TREC and SMART topics must refuse the same mistakes (an empty id, an empty
text, a duplicate id) with the same message, and both TREC SGML layouts must read text between
tags the same way.
"""

from __future__ import annotations

import re
from pathlib import Path

from rerank_bench.data.records import Queries
from rerank_bench.errors import DataFormatError

__all__ = ["add_query", "strip_markup"]

_TAG = re.compile(r"<[^>]*>")


def strip_markup(text: str) -> str:
    """``text`` with every SGML tag replaced by a space (TREC ``<DOC>`` and ``<top>`` files)."""
    return _TAG.sub(" ", text)


def add_query(queries: Queries, path: str | Path, line_no: int, qid: str, text: str) -> None:
    """Add one query to ``queries`` after the checks every topics layout shares.

    The text's white space is collapsed to single spaces.

    Raises:
        DataFormatError: an empty id, an empty text or an id already in ``queries``.
    """
    text = " ".join(text.split())
    if not qid:
        raise DataFormatError(path, line_no, "empty query id.", "give every query an id.")
    if not text:
        raise DataFormatError(
            path,
            line_no,
            f"query {qid!r} has no text.",
            "remove the query or give it text; an empty query cannot be retrieved for.",
        )
    if qid in queries:
        raise DataFormatError(
            path, line_no, f"query id {qid!r} appears twice.", "give every query a unique id."
        )
    queries[qid] = text
