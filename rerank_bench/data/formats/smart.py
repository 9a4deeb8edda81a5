"""SMART/Glasgow files: ``.I`` id, then ``.T`` title, ``.A`` authors, ``.B`` bibliography,
``.W`` text, the layout of the early collections (Cranfield, MED, CISI); and their qrels
(``qid docid 0 0.000000``).

Why a record type: corpora and queries share the record syntax and differ only in which fields
they read, so both are built on :func:`iter_smart_records`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rerank_bench.data.formats.common import add_query
from rerank_bench.data.io import add_judgment, qrels_fields, read_lines
from rerank_bench.data.records import Doc, Qrels, Queries
from rerank_bench.errors import DataFormatError

__all__ = [
    "SmartRecord",
    "iter_smart_docs",
    "iter_smart_records",
    "read_smart_qrels",
    "read_smart_queries",
]

_SMART_MARKER = re.compile(r"^\.([A-Z])(?:\s+(.*))?$")


@dataclass(frozen=True, slots=True)
class SmartRecord:
    """One ``.I`` record of a SMART file: its id, the line it starts on and its fields.

    ``fields`` maps the field letter (``T``, ``A``, ``B``, ``W``...) to its text, line breaks
    kept; a letter repeated within a record (Cranfield documents 576 and 578 have two ``.W``)
    has its parts joined by a line break.
    """

    record_id: str
    line_no: int
    fields: dict[str, str]


def iter_smart_records(path: str | Path) -> Iterator[SmartRecord]:
    """Yield the records of a SMART/Glasgow file (``.I``, ``.T``, ``.A``, ``.B``, ``.W``...).

    A bare ``.I`` as the very last line (Cranfield's ``cran.all.1400`` ends with one) is a
    terminator and ignored; anywhere else a record needs an id.

    Raises:
        DataFormatError: text before the first ``.I``, a record without id, a duplicate id.
    """
    seen: set[str] = set()
    record_id: str | None = None
    start = 0
    fields: dict[str, list[str]] = {}
    current: list[str] | None = None
    bare_i: int | None = None
    for line_no, raw in read_lines(path):
        line = raw.rstrip()
        if bare_i is not None:
            raise DataFormatError(
                path, bare_i, "record without an id (`.I` alone).", "write `.I <id>`."
            )
        marker = _SMART_MARKER.match(line)
        if marker and marker.group(1) == "I":
            if record_id is not None:
                yield _smart_record(record_id, start, fields)
            new_id = (marker.group(2) or "").strip()
            if not new_id:
                record_id, bare_i = None, line_no
                continue
            if new_id in seen:
                raise DataFormatError(
                    path, line_no, f"record id {new_id!r} appears twice.", "keep ids unique."
                )
            seen.add(new_id)
            record_id, start, fields, current = new_id, line_no, {}, None
            continue
        if record_id is None:
            raise DataFormatError(
                path,
                line_no,
                f"text before the first `.I` record: {line[:80]!r}.",
                "start every record with `.I <id>` (SMART format).",
            )
        if marker:
            parts = fields.setdefault(marker.group(1), [])
            if parts:
                parts.append("")  # a repeated field: keep its parts apart
            current = parts
            if marker.group(2):
                current.append(marker.group(2))
            continue
        if current is None:
            raise DataFormatError(
                path,
                line_no,
                f"text before any field marker: {line[:80]!r}.",
                "put `.T`, `.W` (or another field marker) before the text.",
            )
        current.append(line)
    if record_id is not None:
        yield _smart_record(record_id, start, fields)


def _smart_record(record_id: str, line_no: int, fields: dict[str, list[str]]) -> SmartRecord:
    return SmartRecord(
        record_id=record_id,
        line_no=line_no,
        fields={key: "\n".join(lines).strip() for key, lines in fields.items()},
    )


def iter_smart_docs(path: str | Path) -> Iterator[tuple[int, Doc]]:
    """Yield ``(line_no, Doc)`` from a SMART corpus: ``.T`` is the title, ``.W`` the text.

    Authors (``.A``) and bibliography (``.B``) are not part of the text, as in ir_datasets.
    """
    for record in iter_smart_records(path):
        yield (
            record.line_no,
            Doc(
                doc_id=record.record_id,
                text=record.fields.get("W", ""),
                title=" ".join(record.fields.get("T", "").split()),
            ),
        )


def read_smart_queries(path: str | Path, renumber: bool = False) -> Queries:
    """Read SMART queries (``.I id`` then ``.W`` text; ``.T`` if there is no ``.W``).

    Args:
        path: the queries file.
        renumber: number the queries ``1..n`` in file order instead of using the ``.I`` ids.
            Cranfield needs this: its qrels number the 225 queries by position, while
            ``cran.qry`` has ids 001..365 with gaps (ir_datasets renumbers the same way).

    Raises:
        DataFormatError: malformed records, duplicate ids, a query without text.
    """
    queries: Queries = {}
    for position, record in enumerate(iter_smart_records(path), start=1):
        qid = str(position) if renumber else record.record_id
        text = record.fields.get("W") or record.fields.get("T", "")
        add_query(queries, path, record.line_no, qid, text)
    return queries


def read_smart_qrels(path: str | Path) -> Qrels:
    """Read SMART/Glasgow qrels (``qid docid 0 0.000000``, as in ``CISI.REL``): every listed
    pair is relevant, grade 1.

    The last two columns are ignored: the 3rd is always ``0`` and the 4th is a "relevance" float
    that is ``0.000000`` on every line, not a grade. Read as TREC qrels (``qid iter docid
    grade``) the same line would judge document ``'0'``, so the layout has a reader of its own.

    Raises:
        DataFormatError: a line without 4 fields, an empty id.
    """
    qrels: Qrels = {}
    for line_no, line in read_lines(path):
        parts = qrels_fields(line)
        if len(parts) != 4:
            raise DataFormatError(
                path,
                line_no,
                f"expected 4 fields (qid docid 0 0.000000), found {len(parts)}: {line[:80]!r}.",
                "use the SMART/Glasgow qrels layout, or set dataset.qrels_format to the file's.",
            )
        add_judgment(qrels, path, line_no, parts[0].strip(), parts[1].strip(), "1")
    return qrels
