"""Corpora of HTML files, one document each: a folder of them, a tar archive of them (read in
place, never extracted), or a single file; ``corpus_format=html``.

Why the text of ``<pre>`` first: collections converted to the web wrap each plain-text record in
``<pre>``, so the rest of the page (headers, navigation) is not the document. Without ``<pre>``
the body's text is taken, tags stripped. The id is the file name without its extension.
"""

from __future__ import annotations

import html
import re
import tarfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from rerank_bench.data.formats.common import strip_markup
from rerank_bench.data.io import TAR_ARCHIVES, archive_kind, decode_lines, read_lines
from rerank_bench.data.records import Doc
from rerank_bench.errors import DataFormatError

__all__ = ["HTML_SUFFIXES", "html_text", "iter_html_docs"]

HTML_SUFFIXES = (".html", ".htm")
"""The file names read as documents; other files of a folder or archive are skipped."""

_PRE = re.compile(r"<pre\b[^>]*>(.*?)</pre\s*>", re.IGNORECASE | re.DOTALL)
_BODY = re.compile(r"<body\b[^>]*>(.*?)(?:</body\s*>|$)", re.IGNORECASE | re.DOTALL)
_NOT_TEXT = re.compile(r"<(head|script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)


def html_text(page: str) -> str:
    """The document text of an HTML page: its ``<pre>`` blocks, else its body, tags stripped and
    entities decoded (after stripping, so that ``&lt;`` stays text); white space collapsed
    within lines, blank lines dropped."""
    blocks = _PRE.findall(page)
    if blocks:
        text = "\n".join(blocks)
    else:
        body = _BODY.search(page)
        text = _NOT_TEXT.sub(" ", body.group(1) if body else page)
    lines = (" ".join(line.split()) for line in html.unescape(strip_markup(text)).splitlines())
    return "\n".join(line for line in lines if line)


def iter_html_docs(path: str | Path) -> Iterator[tuple[int, Doc]]:
    """Yield ``(1, Doc)`` for each ``.html``/``.htm`` file of a folder (recursively) or a tar
    archive, in sorted path order; a single file is one document.

    An archive is read in its own order and its pages kept until all are read: members visited
    in sorted order would make a gzip stream seek backwards, decompressing it again each time.

    Raises:
        DataFormatError: a folder or archive without HTML files, two files with one id (the
            message names both), a file that is not UTF-8 (named ``archive.tar.gz:member``).
    """
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and _is_html(p.name))
        pages = ((str(p), _text(read_lines(p))) for p in files)
        yield from _docs(path, pages, lambda: [p.name for p in path.iterdir()])
    elif path.is_file() and archive_kind(path) in TAR_ARCHIVES:
        with tarfile.open(path) as archive:
            members = archive.getmembers()
            read = {
                member.name: _member_text(archive, member, path)
                for member in members
                if member.isfile() and _is_html(member.name)
            }
        pages = ((f"{path}:{name}", read[name]) for name in sorted(read))
        yield from _docs(path, pages, lambda: [m.name for m in members])
    else:
        yield 1, Doc(doc_id=path.stem, text=html_text(_text(read_lines(path))))


def _is_html(name: str) -> bool:
    return name.lower().endswith(HTML_SUFFIXES)


def _text(lines: Iterable[tuple[int, str]]) -> str:
    return "\n".join(line for _, line in lines)


def _member_text(archive: tarfile.TarFile, member: tarfile.TarInfo, path: Path) -> str:
    handle = archive.extractfile(member)
    assert handle is not None  # a regular file always has contents
    with handle:
        return _text(decode_lines(handle, f"{path}:{member.name}"))


def _docs(
    path: Path, pages: Iterable[tuple[str, str]], contents: Callable[[], list[str]]
) -> Iterator[tuple[int, Doc]]:
    """One document per ``(file, page)`` (``file``: a path, or ``archive:member``); an id given
    twice is an error naming both files, and no page at all an error listing what ``contents``
    says the folder or archive holds."""
    seen: dict[str, str] = {}
    for where, page in pages:
        doc_id = Path(where).stem
        if doc_id in seen:
            raise DataFormatError(
                where,
                None,
                f"document id {doc_id!r} is also the id of {seen[doc_id]} (ids are file names "
                "without extension).",
                "rename one of the two files; every document needs a unique id.",
            )
        seen[doc_id] = where
        yield 1, Doc(doc_id=doc_id, text=html_text(page))
    if not seen:
        names = sorted(contents())
        shown = ", ".join(names[:5]) or "nothing"
        raise DataFormatError(
            path,
            None,
            f"holds no .html or .htm file (it holds {shown}{' ...' if len(names) > 5 else ''}).",
            "put one document per .html/.htm file in it, or point dataset.corpus at the corpus "
            "files and set dataset.corpus_format to their layout.",
        )
