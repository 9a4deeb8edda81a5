"""TREC topics: SGML ``<top><num>..<title>..<desc>..<narr>..</top>``, or ``qid<TAB>text``.

Why the TSV fallback: older TREC tracks ship topics as SGML, recent ones (Deep Learning) as
``qid<TAB>text``, so a file configured as ``trec`` topics is read in either form.
"""

from __future__ import annotations

import re
from pathlib import Path

from rerank_bench.data.formats.common import add_query, strip_markup
from rerank_bench.data.formats.tsv import read_tsv_queries
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
            add_query(queries, path, start, qid, text)
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
