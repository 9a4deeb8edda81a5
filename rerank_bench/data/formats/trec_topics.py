"""TREC topics in SGML: ``<top><num>..<title>..<desc>..<narr>..</top>``, or one
``<DOC><DOCNO>qid</DOCNO>text</DOC>`` element per topic (the layout of the corpus files).

Why no fallback to ``qid<TAB>text`` (TREC Deep Learning's topics): a configured format is never
second-guessed, so a file that is not SGML fails at its first line, with what it looks like,
instead of being read as another layout whose errors would then talk of tabs.
"""

from __future__ import annotations

import re
from pathlib import Path

from rerank_bench.data.formats.common import add_query, strip_markup
from rerank_bench.data.formats.trec_docs import iter_trec_docs
from rerank_bench.data.io import first_line, read_lines
from rerank_bench.data.records import Queries
from rerank_bench.errors import DataFormatError

__all__ = ["read_trec_topics"]

_TOPIC_FIELD = re.compile(r"<(num|title|desc|narr)>", re.IGNORECASE)
_TOPIC_PREFIX = {
    "num": re.compile(r"^\s*Number:\s*", re.IGNORECASE),
    "title": re.compile(r"^\s*Topic:\s*", re.IGNORECASE),
    "desc": re.compile(r"^\s*Description:\s*", re.IGNORECASE),
    "narr": re.compile(r"^\s*Narrative:\s*", re.IGNORECASE),
}


def read_trec_topics(path: str | Path, field: str = "title") -> Queries:
    """Read TREC SGML topics: ``<top><num>..<title>..`` or ``<DOC><DOCNO>..</DOCNO>..</DOC>``.

    In ``<top>`` topics closing tags are optional (old TREC topics omit them) and the
    ``Number:``/``Topic:``/``Description:`` prefixes are removed. A ``<DOC>`` topic has a single
    text, everything but its ``<DOCNO>``, so ``field`` must stay ``title`` for it.

    Args:
        path: the topics file.
        field: ``title``, ``desc``, ``narr`` or a ``+`` join (``title+desc``) of them.

    Raises:
        DataFormatError: a first line that is neither ``<top>`` nor ``<DOC>``, text outside the
            topics, a topic without number or without the field, a duplicate topic number, an
            unknown field name.
    """
    wanted = [name.strip().lower() for name in field.split("+")]
    unknown = [name for name in wanted if name not in ("title", "desc", "narr")]
    if unknown:
        raise DataFormatError(
            path, None, f"unknown topic field(s) {unknown}.", "use title, desc, narr or title+desc."
        )
    line = first_line(path)
    if line.lstrip().lower().startswith("<doc"):
        return _read_doc_topics(path, wanted)
    if not line.lstrip().lower().startswith("<top"):
        raise DataFormatError(
            path,
            1,
            f"expected TREC topics, whose first line is `<top>` or `<DOC>`; found {line[:80]!r}.",
            "set dataset.queries_format to the file's layout, or leave it unset to sniff it.",
        )
    queries: Queries = {}
    opened: int | None = None
    block: list[str] = []
    for line_no, line in read_lines(path):
        lower = line.strip().lower()
        if lower.startswith("<top>"):
            if opened is not None:
                raise DataFormatError(
                    path,
                    line_no,
                    f"<top> opened again before the <top> of line {opened} closed.",
                    "close every <top> with </top>.",
                )
            opened, block = line_no, [line.strip()[5:]]
            continue
        if opened is None:
            raise DataFormatError(
                path,
                line_no,
                f"text outside <top>...</top>: {line[:80]!r}.",
                "wrap every topic in <top>...</top>.",
            )
        if lower.endswith("</top>"):
            block.append(line.strip()[: -len("</top>")])
            qid, text = _parse_topic(path, opened, "\n".join(block), wanted)
            add_query(queries, path, opened, qid, text)
            opened = None
            continue
        block.append(line)
    if opened is not None:
        raise DataFormatError(
            path, opened, "the file ends inside this <top>.", "close every <top> with </top>."
        )
    return queries


def _read_doc_topics(path: str | Path, wanted: list[str]) -> Queries:
    """Topics written as corpus documents: ``<DOCNO>`` is the number, the rest the query."""
    if wanted != ["title"]:
        raise DataFormatError(
            path,
            None,
            f"topic field {'+'.join(wanted)!r} asked of <DOC> topics, which have one text.",
            "leave dataset.topic_field at title; it chooses among <top> topics' fields.",
        )
    queries: Queries = {}
    for line_no, doc in iter_trec_docs(path):
        add_query(queries, path, line_no, doc.doc_id, f"{doc.title} {doc.text}")
    return queries


def _parse_topic(path: str | Path, line_no: int, block: str, wanted: list[str]) -> tuple[str, str]:
    fields: dict[str, str] = {}
    matches = list(_TOPIC_FIELD.finditer(block))
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(block)
        name = match.group(1).lower()
        value = strip_markup(block[match.end() : end])
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
