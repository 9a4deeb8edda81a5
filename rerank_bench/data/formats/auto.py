"""Sniffing a file's layout, and the three entry points that read any supported layout.

Why apart from the readers: this is the one module that knows every layout, so adding a layout
means one reader module and one entry here, and callers never name a format unless they want to.

A guess must be explainable: every sniffed format comes with the reason it was chosen, and when
the reader then fails, the error says what the file was read as and why, and which setting
reads it as another layout. A configured format is never second-guessed: it is the only reader
tried, and only its failure makes the sniffer say what the file looks like instead.
"""

from __future__ import annotations

import contextlib
import itertools
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Literal

from rerank_bench.data.formats.document_blocks import DOCUMENT_HEADER, iter_document_blocks
from rerank_bench.data.formats.html_docs import HTML_SUFFIXES, iter_html_docs
from rerank_bench.data.formats.jsonl import iter_jsonl_docs, read_jsonl_queries
from rerank_bench.data.formats.smart import iter_smart_docs, read_smart_qrels, read_smart_queries
from rerank_bench.data.formats.trec_docs import iter_trec_docs
from rerank_bench.data.formats.trec_topics import read_trec_topics
from rerank_bench.data.formats.tsv import iter_tsv_docs, read_tsv_queries
from rerank_bench.data.io import (
    TAR_ARCHIVES,
    archive_kind,
    first_line,
    qrels_fields,
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
    "Kind",
    "read_corpus",
    "read_qrels",
    "read_queries",
    "sniff_format",
]

Kind = Literal["corpus", "queries", "qrels"]

_LAYOUTS: dict[Kind, dict[str, tuple[str, str, str]]] = {
    "corpus": {
        "jsonl": ("BEIR/pyserini JSON Lines", '{"_id": "d1", "title": "...", "text": "..."}', ""),
        "tsv": ("a TSV corpus", "d1<TAB>[title<TAB>]text", ""),
        "trec": ("a TREC SGML corpus", "<DOC>", "then `<DOCNO>d1</DOCNO>`"),
        "smart": ("a SMART/Glasgow corpus", ".I 1", "then `.T`, `.W`..."),
        "document_blocks": ("Document blocks", "Document  1", "each closed by a line of *****"),
        "html": ("HTML documents", "<html>", "a .html file, or a folder or tar archive of them"),
    },
    "queries": {
        "jsonl": ("BEIR JSON Lines topics", '{"_id": "q1", "text": "..."}', ""),
        "tsv": ("TSV topics", "q1<TAB>query text", ""),
        "trec": ("TREC SGML topics", "<top>", "or `<DOC>` then `<DOCNO>q1</DOCNO>`"),
        "smart": ("SMART/Glasgow topics", ".I 1", "then `.W`"),
    },
    "qrels": {
        "trec": ("TREC qrels", "q1 0 d1 1", "qid iter docid grade"),
        "tsv": ("BEIR TSV qrels", "query-id<TAB>corpus-id<TAB>score", "header row optional"),
        "smart": ("SMART/Glasgow qrels", "1 28 0 0.000000", "qid docid; every pair relevant"),
    },
}
"""Every layout of each kind: its format name, what to call it, what its first line looks like
and a note (for errors: a failed guess lists the others, an unknown file lists them all)."""

CORPUS_FORMATS = tuple(_LAYOUTS["corpus"])
"""Corpus layouts: JSONL, TSV, TREC ``<DOC>``, SMART, ``Document N`` blocks, HTML files."""

QUERY_FORMATS = tuple(_LAYOUTS["queries"])
"""Topic layouts: BEIR JSONL, ``qid<TAB>text``, TREC ``<top>``/``<DOC>`` SGML, SMART ``.I/.W``."""

QRELS_FORMATS = tuple(_LAYOUTS["qrels"])
"""Qrels layouts: TREC ``qid iter docid grade``, BEIR ``query-id<TAB>corpus-id<TAB>score``,
SMART/Glasgow ``qid docid 0 0.000000``."""

_SNIFF_LINES = 20
"""How many lines the qrels sniffer reads: SMART qrels differ from TREC in columns that are
constant, which one line cannot show."""


def sniff_format(path: str | Path, kind: Kind) -> str:
    """Guess the layout of a corpus, topics or qrels file from its extension and first lines.

    Args:
        path: the file (for a corpus, also a folder or tar archive of HTML files).
        kind: what the file holds (``corpus``, ``queries`` or ``qrels``).

    Returns:
        One of :data:`CORPUS_FORMATS`, :data:`QUERY_FORMATS` or :data:`QRELS_FORMATS`.

    Raises:
        DataFormatError: the file is missing, empty, not UTF-8 or of no known layout (the
            message shows the first line of each known layout).
    """
    return _sniff(Path(path), kind)[0]


def _sniff(path: Path, kind: Kind) -> tuple[str, str]:
    """The guessed format and why (``4 whitespace-separated fields on line 1``)."""
    if kind == "corpus" and path.is_dir():
        return "html", "a folder"
    if kind == "corpus" and path.is_file() and (archive := archive_kind(path)) in TAR_ARCHIVES:
        return "html", str(archive)
    with contextlib.closing(read_lines(path)) as lines:
        head = [line for _, line in itertools.islice(lines, _SNIFF_LINES)]
    line = head[0] if head else first_line(path)  # first_line refuses a blank file
    if kind == "qrels":
        return _sniff_qrels(path, head)
    stripped = line.lstrip()
    suffix = path.suffix.lower()
    if kind == "corpus" and suffix in HTML_SUFFIXES:
        return "html", f"the extension {suffix}"
    if kind == "corpus" and re.match(r"<(!doctype\s+)?html", stripped, re.IGNORECASE):
        return "html", "line 1 opens an HTML page"
    if suffix in (".jsonl", ".json"):
        return "jsonl", f"the extension {suffix}"
    if stripped.startswith("{"):
        return "jsonl", "line 1 starts with `{`"
    if re.match(r"\.I(\s|$)", stripped):
        return "smart", "line 1 starts with `.I`"
    if kind == "corpus" and DOCUMENT_HEADER.match(line):
        return "document_blocks", "line 1 is `Document <id>`"
    if stripped.upper().startswith("<DOC"):
        return "trec", "line 1 starts with `<DOC`"
    if kind == "queries" and stripped.lower().startswith("<top"):
        return "trec", "line 1 starts with `<top`"
    if suffix == ".tsv":
        return "tsv", "the extension .tsv"
    if "\t" in line:
        return "tsv", "a tab on line 1"
    raise _unknown_layout(path, kind, f"the first line {line[:80]!r}")


def _sniff_qrels(path: Path, head: list[str]) -> tuple[str, str]:
    rows = [qrels_fields(line) for line in head]
    count = len(rows[0])
    split = "tab" if len(head[0].split("\t")) == count else "whitespace"
    if count == 4:
        smart = _smart_qrels_evidence(rows)
        if smart:
            return "smart", smart
        return "trec", f"4 {split}-separated fields on line 1"
    if count == 3:
        return "tsv", f"3 {split}-separated fields on line 1"
    raise _unknown_layout(path, "qrels", f"the first line {head[0][:80]!r} ({count} fields)")


def _smart_qrels_evidence(rows: list[list[str]]) -> str | None:
    """Why 4-field lines are SMART/Glasgow qrels (``qid docid 0 0.000000``), or ``None``.

    They are when the 3rd field is the same digits on every line read and the 4th a number, and
    the TREC reading (``qid iter docid grade``) is impossible: a grade that is not an integer,
    or one query judging that same "document" twice.
    """
    third = rows[0][2]
    if not third.isdigit() or any(len(row) != 4 or row[2] != third for row in rows):
        return None
    if not all(_is_number(row[3]) for row in rows):
        return None
    constant = f"the 3rd field is {third!r} on each of the first {len(rows)} lines"
    if not rows[0][3].lstrip("+-").isdigit():
        return f"line 1 ends in {rows[0][3]!r}, not an integer grade, and {constant}"
    qids = [row[0] for row in rows]
    if len(set(qids)) < len(qids):
        return f"{constant}: as TREC qrels a query would judge document {third!r} twice"
    return None


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _unknown_layout(path: Path, kind: Kind, found: str) -> DataFormatError:
    return DataFormatError(
        path,
        1,
        f"cannot tell the {kind} layout from {found}.",
        f"write the file in one of these layouts, or set dataset.{_setting(kind)}; their first "
        f"lines: {_layout_list(kind)}.",
    )


def _setting(kind: Kind) -> str:
    return f"{kind}_format"


def _layout_list(kind: Kind, skip: str | None = None) -> str:
    return "; ".join(
        f"{fmt} ({label}): `{example}`{f' ({note})' if note else ''}"
        for fmt, (label, example, note) in _LAYOUTS[kind].items()
        if fmt != skip
    )


@contextlib.contextmanager
def _explained(path: Path, kind: Kind, fmt: str, why: str | None) -> Iterator[None]:
    """Re-raise a reader's error with the layout it read: guessed (``why`` says from what, and
    the fix lists the other layouts) or configured (then what the file looks like, if known:
    the format is still the only one tried)."""
    try:
        yield
    except DataFormatError as error:
        label = _LAYOUTS[kind][fmt][0]
        said = error.reason.rstrip(".")
        if why is not None:
            reason = f"{said} (read as {label}; sniffed: {why})."
            fix = (
                f"{error.fix} If the file is not {label}, set dataset.{_setting(kind)} to its "
                f"layout: {_layout_list(kind, skip=fmt)}."
            )
        else:
            reason = f"{said} (read as {label}, the configured format)."
            fix = error.fix + _looks_like(path, kind, fmt)
        raise DataFormatError(error.path, error.line_no, reason, fix) from None


def _looks_like(path: Path, kind: Kind, configured: str) -> str:
    """What the sniffer makes of a file that failed as the ``configured`` layout, as a hint."""
    try:
        fmt, why = _sniff(path, kind)
    except DataFormatError:
        return ""
    if fmt == configured:
        return ""
    label = _LAYOUTS[kind][fmt][0]
    return f" The file looks like {label} ({why}): set dataset.{_setting(kind)}={fmt}."


def _format(path: Path, kind: Kind, fmt: str | None) -> tuple[str, str | None]:
    """The configured format (checked to be one of ``kind``'s) or the sniffed one, and why."""
    if fmt is None:
        return _sniff(path, kind)
    if fmt not in _LAYOUTS[kind]:
        raise DataFormatError(
            path,
            None,
            f"unknown {kind} format {fmt!r}.",
            f"set dataset.{_setting(kind)} to one of {', '.join(_LAYOUTS[kind])}, or leave it "
            "unset to sniff the layout.",
        )
    return fmt, None


def read_corpus(
    path: str | Path | Sequence[str | Path], fmt: str | None = None, name: str = "corpus"
) -> Corpus:
    """Read a corpus in any supported layout, from one file (folder, archive) or several.

    Args:
        path: the corpus file, or a list of them whose documents are merged in order (each is
            sniffed on its own when ``fmt`` is ``None``).
        fmt: one of :data:`CORPUS_FORMATS`; ``None`` sniffs it (:func:`sniff_format`).
        name: the corpus name used in error messages.

    Returns:
        The documents, in file order.

    Raises:
        DataFormatError: malformed record, duplicate document id (within a file or across two,
            naming both), unknown layout, a folder or archive given a format that reads files.
    """
    files = [path] if isinstance(path, str | Path) else list(path)
    docs: dict[str, Doc] = {}
    origin: dict[str, tuple[str, int]] = {}
    for file in files:
        for line_no, doc in _corpus_docs(Path(file), fmt):
            if doc.doc_id in origin:
                first_file, first_line_no = origin[doc.doc_id]
                raise DataFormatError(
                    file,
                    line_no,
                    f"document id {doc.doc_id!r} appears twice."
                    if first_file == str(file)
                    else f"document id {doc.doc_id!r} is also in {first_file} (line "
                    f"{first_line_no}).",
                    "give every document a unique id.",
                )
            docs[doc.doc_id] = doc
            origin[doc.doc_id] = (str(file), line_no)
    return Corpus(docs.values(), name=name)


_CORPUS_READERS = {
    "jsonl": iter_jsonl_docs,
    "tsv": iter_tsv_docs,
    "trec": iter_trec_docs,
    "smart": iter_smart_docs,
    "document_blocks": iter_document_blocks,
    "html": iter_html_docs,
}


def _corpus_docs(path: Path, fmt: str | None) -> Iterator[tuple[int, Doc]]:
    chosen, why = _format(path, "corpus", fmt)
    if chosen != "html":
        _refuse_container(path, chosen)
    with _explained(path, "corpus", chosen, why):
        yield from _CORPUS_READERS[chosen](path)


def _refuse_container(path: Path, fmt: str) -> None:
    """A folder or archive configured as a layout that reads one text file: say what reads it."""
    if path.is_dir():
        raise DataFormatError(
            path,
            None,
            f"dataset.corpus is a folder; folders are read as corpus_format=html (one document "
            f"per .html/.htm file), and corpus_format={fmt} reads files.",
            "set dataset.corpus_format=html (or leave it unset) for a folder of HTML documents; "
            "else point dataset.corpus at the files: a list, or a glob such as `folder/*.txt`.",
        )
    archive = archive_kind(path) if path.is_file() else None
    if archive in TAR_ARCHIVES:
        raise DataFormatError(
            path,
            None,
            f"dataset.corpus is {archive}; archives are read as corpus_format=html (one "
            f"document per .html/.htm member), and corpus_format={fmt} reads text files.",
            "set dataset.corpus_format=html (or leave it unset) for an archive of HTML "
            f"documents; else extract it (`tar xf {path.name}`) and point dataset.corpus at the "
            "files inside (a glob such as `folder/*.txt` reads them all).",
        )


_QUERY_READERS = {"jsonl": read_jsonl_queries, "tsv": read_tsv_queries, "smart": read_smart_queries}


def read_queries(path: str | Path, fmt: str | None = None, field: str = "title") -> Queries:
    """Read topics in any supported layout.

    Args:
        path: the topics file.
        fmt: one of :data:`QUERY_FORMATS`; ``None`` sniffs it.
        field: for TREC ``<top>`` topics, which field(s) make the query text (``title``,
            ``desc``, ``narr`` or a ``+`` join such as ``title+desc``).

    Returns:
        ``{query_id: text}`` in file order.

    Raises:
        DataFormatError: malformed record, duplicate or empty query, unknown layout.
    """
    file = Path(path)
    chosen, why = _format(file, "queries", fmt)
    with _explained(file, "queries", chosen, why):
        if chosen == "trec":
            return read_trec_topics(file, field=field)
        return _QUERY_READERS[chosen](file)


_QRELS_READERS = {"trec": read_trec_qrels, "tsv": read_tsv_qrels, "smart": read_smart_qrels}


def read_qrels(path: str | Path, fmt: str | None = None) -> Qrels:
    """Read qrels as TREC (``qid iter docid grade``), BEIR TSV (header row optional) or
    SMART/Glasgow (``qid docid 0 0.000000``, every pair relevant).

    Raises:
        DataFormatError: malformed line, non-integer grade, conflicting duplicate judgment.
    """
    file = Path(path)
    chosen, why = _format(file, "qrels", fmt)
    with _explained(file, "qrels", chosen, why):
        return _QRELS_READERS[chosen](file)
