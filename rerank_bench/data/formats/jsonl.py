"""BEIR and pyserini JSON Lines: one JSON object a line, ids kept as strings.

Why one reader for both: they differ only in key names (``_id``/``text`` against
``id``/``contents``), so the keys are tried in order and the first found wins.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rerank_bench.data.formats.common import add_query
from rerank_bench.data.io import read_jsonl
from rerank_bench.data.records import Doc, Queries
from rerank_bench.errors import DataFormatError

__all__ = ["iter_jsonl_docs", "read_jsonl_queries"]

_DOC_ID_KEYS = ("_id", "doc_id", "docid", "id")
_DOC_TEXT_KEYS = ("text", "contents", "body")
_QUERY_ID_KEYS = ("_id", "query_id", "qid", "id")
_QUERY_TEXT_KEYS = ("text", "query", "title")


def _pick(obj: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        if key in obj:
            return obj[key]
    return None


def _text_field(
    path: str | Path, line_no: int, obj: dict[str, Any], keys: tuple[str, ...], what: str
) -> str:
    value = _pick(obj, keys)
    if value is None:
        raise DataFormatError(
            path,
            line_no,
            f"{what} has none of the keys {list(keys)}; found {sorted(obj)}.",
            f"name the field {keys[0]!r} (BEIR layout).",
        )
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise DataFormatError(
            path,
            line_no,
            f"{what} field is a {type(value).__name__}, expected a string.",
            "write ids and texts as JSON strings.",
        )
    return str(value)


def iter_jsonl_docs(path: str | Path) -> Iterator[tuple[int, Doc]]:
    """Yield ``(line_no, Doc)`` from BEIR (``_id``, ``title``, ``text``) or pyserini
    (``id``, ``contents``) JSON Lines; ids are kept as strings even when they look numeric."""
    for line_no, obj in read_jsonl(path):
        doc_id = _text_field(path, line_no, obj, _DOC_ID_KEYS, "document id").strip()
        text = _text_field(path, line_no, obj, _DOC_TEXT_KEYS, "document text")
        title = obj.get("title") or ""
        if not doc_id:
            raise DataFormatError(path, line_no, "empty document id.", "give every doc an id.")
        yield line_no, Doc(doc_id=doc_id, text=text, title=str(title))


def read_jsonl_queries(path: str | Path) -> Queries:
    """Read BEIR ``queries.jsonl`` (``_id``, ``text``; ``query_id``/``query`` also accepted)."""
    queries: Queries = {}
    for line_no, obj in read_jsonl(path):
        qid = _text_field(path, line_no, obj, _QUERY_ID_KEYS, "query id").strip()
        text = _text_field(path, line_no, obj, _QUERY_TEXT_KEYS, "query text")
        add_query(queries, path, line_no, qid, text)
    return queries
