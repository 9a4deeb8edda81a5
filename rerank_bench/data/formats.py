"""Collection formats: corpora, topics and qrels in the layouts IR test collections ship in.

Why a module of its own: test collections come in half a dozen historical layouts (BEIR JSONL,
pyserini JSONL, TSV, TREC SGML, SMART/Glasgow), and a researcher should be able to point
``dataset=local`` at any of them. Each reader here turns one layout into the shared records
(:class:`~rerank_bench.data.records.Doc`, ``Queries``, ``Qrels``) and fails on the first
malformed line with a :class:`~rerank_bench.errors.DataFormatError` naming file, line and fix.
:func:`read_corpus`, :func:`read_queries` and :func:`read_qrels` pick the reader from the
extension and the first line, so callers never name formats unless they want to.

All reading goes through :func:`rerank_bench.data.io.read_lines` (UTF-8 check, missing and empty
files), so every format reports bad input the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from rerank_bench.data.io import (
    add_judgment,
    first_line,
    read_jsonl,
    read_lines,
    read_trec_qrels,
    read_tsv_qrels,
)
from rerank_bench.data.records import Corpus, Doc, Qrels, Queries
from rerank_bench.errors import DataFormatError

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

CORPUS_FORMATS = ("jsonl", "tsv", "trec", "smart")
"""Corpus layouts: BEIR/pyserini JSONL, ``id<TAB>[title<TAB>]text``, TREC ``<DOC>``, SMART."""

QUERY_FORMATS = ("jsonl", "tsv", "trec", "smart")
"""Topic layouts: BEIR JSONL, ``qid<TAB>text``, TREC ``<top>`` SGML, SMART ``.I/.W``."""

QRELS_FORMATS = ("trec", "tsv")
"""Qrels layouts: TREC ``qid iter docid grade`` and BEIR ``query-id<TAB>corpus-id<TAB>score``."""

Kind = Literal["corpus", "queries", "qrels"]

_DOC_ID_KEYS = ("_id", "doc_id", "docid", "id")
_DOC_TEXT_KEYS = ("text", "contents", "body")
_QUERY_ID_KEYS = ("_id", "query_id", "qid", "id")
_QUERY_TEXT_KEYS = ("text", "query", "title")
_TSV_DOC_HEADERS = frozenset({"id", "_id", "doc_id", "docid", "pid", "doc-id", "corpus-id"})
_TSV_QUERY_HEADERS = frozenset({"id", "_id", "query_id", "qid", "query-id", "topic"})


# --------------------------------------------------------------------------------------------
# Sniffing and the three entry points
# --------------------------------------------------------------------------------------------


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
        fields = line.split("\t") if "\t" in line else line.split()
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


# --------------------------------------------------------------------------------------------
# JSONL and TSV
# --------------------------------------------------------------------------------------------


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
        _add_query(queries, path, line_no, qid, text)
    return queries


def _add_query(queries: Queries, path: str | Path, line_no: int, qid: str, text: str) -> None:
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
        _add_query(queries, path, line_no, qid.strip(), text)
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


# --------------------------------------------------------------------------------------------
# TREC SGML: <DOC><DOCNO> corpora and <top><num><title> topics
# --------------------------------------------------------------------------------------------

_TAG = re.compile(r"<[^>]*>")
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
        text = _TAG.sub(" ", line).strip()
        if text:
            (title if in_title else body).append(text)
        if closes:
            in_title = False
    if start is not None:
        raise DataFormatError(
            path, start, "the file ends inside this <DOC>.", "close every <DOC> with </DOC>."
        )


_TOPIC_FIELD = re.compile(r"<(num|title|desc|narr)>", re.IGNORECASE)
_TOPIC_PREFIX = {
    "num": re.compile(r"^\s*Number:\s*", re.IGNORECASE),
    "title": re.compile(r"^\s*Topic:\s*", re.IGNORECASE),
    "desc": re.compile(r"^\s*Description:\s*", re.IGNORECASE),
    "narr": re.compile(r"^\s*Narrative:\s*", re.IGNORECASE),
}


def read_trec_topics(path: str | Path, field: str = "title") -> Queries:
    """Read TREC topics: SGML (``<top><num>..<title>..``) or, failing that, ``qid<TAB>text``.

    Closing tags are optional (old TREC topics omit them) and the ``Number:``/``Topic:``/
    ``Description:`` prefixes are removed.

    Args:
        path: the topics file.
        field: ``title``, ``desc``, ``narr`` or a ``+`` join (``title+desc``) of them.

    Raises:
        DataFormatError: text outside ``<top>``, a topic without ``<num>`` or without the field,
            a duplicate topic number, an unknown field name.
    """
    wanted = [name.strip().lower() for name in field.split("+")]
    unknown = [name for name in wanted if name not in ("title", "desc", "narr")]
    if unknown:
        raise DataFormatError(
            path, None, f"unknown topic field(s) {unknown}.", "use title, desc, narr or title+desc."
        )
    if not first_line(path).lstrip().lower().startswith("<top"):
        return read_tsv_queries(path)
    queries: Queries = {}
    start: int | None = None
    block: list[str] = []
    for line_no, line in read_lines(path):
        lower = line.strip().lower()
        if lower.startswith("<top>"):
            if start is not None:
                raise DataFormatError(
                    path,
                    line_no,
                    f"<top> opened again before the <top> of line {start} closed.",
                    "close every <top> with </top>.",
                )
            start, block = line_no, [line.strip()[5:]]
            continue
        if start is None:
            raise DataFormatError(
                path,
                line_no,
                f"text outside <top>...</top>: {line[:80]!r}.",
                "wrap every topic in <top>...</top>.",
            )
        if lower.endswith("</top>"):
            block.append(line.strip()[: -len("</top>")])
            qid, text = _parse_topic(path, start, "\n".join(block), wanted)
            _add_query(queries, path, start, qid, text)
            start = None
            continue
        block.append(line)
    if start is not None:
        raise DataFormatError(
            path, start, "the file ends inside this <top>.", "close every <top> with </top>."
        )
    return queries


def _parse_topic(path: str | Path, line_no: int, block: str, wanted: list[str]) -> tuple[str, str]:
    fields: dict[str, str] = {}
    matches = list(_TOPIC_FIELD.finditer(block))
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(block)
        name = match.group(1).lower()
        value = _TAG.sub(" ", block[match.end() : end])
        fields[name] = _TOPIC_PREFIX[name].sub("", value).strip()
    qid = fields.get("num", "")
    if not qid:
        raise DataFormatError(path, line_no, "topic without <num>.", "give every topic a <num>.")
    missing = [name for name in wanted if not fields.get(name)]
    if missing:
        raise DataFormatError(
            path,
            line_no,
            f"topic {qid!r} has no <{missing[0]}> text.",
            "give every topic the field, or choose another (dataset.topic_field).",
        )
    return qid, " ".join(fields[name] for name in wanted)


# --------------------------------------------------------------------------------------------
# SMART / Glasgow: .I id, then .T title, .A authors, .B bibliography, .W text (Cranfield, MED)
# --------------------------------------------------------------------------------------------

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
        _add_query(queries, path, record.line_no, qid, text)
    return queries


_CRANFIELD_GRADES = {1: 4, 2: 3, 3: 2, 4: 1, 5: 0, -1: 0}


def read_cranfield_qrels(path: str | Path) -> Qrels:
    """Read Cranfield's ``cranqrel`` (``query doc code``), turning codes into ascending grades.

    Cleverdon's codes run the wrong way for IR metrics (1 = complete answer ... 4 = minimum
    interest, 5 = no interest; some copies write -1 for 5). They become grades where higher
    is more relevant, the scale ir_datasets documents for Cranfield:

    ====  ===================================  =====
    code  meaning (Cleverdon)                  grade
    ====  ===================================  =====
    1     complete answer to the question      4
    2     high degree of relevance             3
    3     useful (background, methods)         2
    4     minimum interest (historical)        1
    5/-1  no interest                          0
    ====  ===================================  =====

    Query numbers are positions (1..225) in ``cran.qry``; read the queries with
    ``read_smart_queries(path, renumber=True)`` to match.

    Raises:
        DataFormatError: a line without 3 fields, an unknown code, a conflicting duplicate.
    """
    qrels: Qrels = {}
    for line_no, line in read_lines(path):
        parts = line.split()
        if len(parts) != 3:
            raise DataFormatError(
                path,
                line_no,
                f"expected 3 fields (query doc code), found {len(parts)}: {line[:80]!r}.",
                "use the original cranqrel layout.",
            )
        qid, doc_id, code_text = parts
        try:
            grade = _CRANFIELD_GRADES[int(code_text)]
        except (ValueError, KeyError):
            raise DataFormatError(
                path,
                line_no,
                f"relevance code {code_text!r} is not one of Cleverdon's codes 1-5 (or -1).",
                "use the original cranqrel codes; they are converted to grades on reading.",
            ) from None
        add_judgment(qrels, path, line_no, qid, doc_id, str(grade))
    return qrels
