"""Reading and writing the files of IR: TREC run files, qrels, topics, and atomic writes.

Every reader names the file and line of the first malformed record and says how to fix it;
every writer goes through :func:`atomic_write`, so a crash never leaves a half-written file that a
later run could mistake for a finished one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from rerank_bench.data.records import Qrels, Run
from rerank_bench.errors import DataFormatError

__all__ = [
    "atomic_write",
    "read_lines",
    "read_trec_qrels",
    "read_trec_run",
    "write_trec_run",
]


@contextlib.contextmanager
def atomic_write(path: str | Path, mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO]:
    """Open a temporary file beside ``path`` and move it into place only on success.

    The rename is atomic on POSIX file systems, so readers see either the old file or the
    complete new one, never a truncated one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    binary = "b" in mode
    try:
        with os.fdopen(fd, mode, encoding=None if binary else encoding) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def read_lines(path: str | Path) -> Iterator[tuple[int, str]]:
    """Yield ``(line_no, line)`` of a UTF-8 text file, without line endings, skipping blanks.

    Raises:
        DataFormatError: the file is missing, empty, or not valid UTF-8.
    """
    path = Path(path)
    if not path.is_file():
        raise DataFormatError(path, None, "file not found.", "check the path in your config.")
    if path.stat().st_size == 0:
        raise DataFormatError(path, None, "file is empty.", "point to a file with records.")
    with path.open("rb") as handle:
        for line_no, raw in enumerate(handle, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise DataFormatError(
                    path,
                    line_no,
                    f"not valid UTF-8 ({exc.reason} at byte {exc.start}).",
                    "re-encode the file as UTF-8, e.g. `iconv -f latin1 -t utf-8`.",
                ) from None
            line = line.rstrip("\r\n")
            if line.strip():
                yield line_no, line


def read_trec_run(path: str | Path) -> Run:
    """Read a TREC run file (``qid Q0 docid rank score tag``).

    Ranks in the file are ignored: order is by score, ties broken by doc id descending, as
    trec_eval does. A document listed twice for one query is an error, never a silent overwrite.
    """
    run: Run = {}
    for line_no, line in read_lines(path):
        parts = line.split()
        if len(parts) != 6:
            raise DataFormatError(
                path,
                line_no,
                f"expected 6 whitespace-separated fields (qid Q0 docid rank score tag), "
                f"found {len(parts)}: {line[:80]!r}.",
                "write run files in TREC format.",
            )
        qid, _, doc_id, _, score_text, _ = parts
        try:
            score = float(score_text)
        except ValueError:
            raise DataFormatError(
                path, line_no, f"score {score_text!r} is not a number.", "fix the 5th column."
            ) from None
        docs = run.setdefault(qid, {})
        if doc_id in docs:
            raise DataFormatError(
                path,
                line_no,
                f"document {doc_id!r} appears twice for query {qid!r}.",
                "remove the duplicate line; a run lists each document once per query.",
            )
        docs[doc_id] = score
    return run


def write_trec_run(run: Run, path: str | Path, tag: str = "rerank-bench") -> None:
    """Write ``run`` atomically as a TREC run file, each query's documents by descending score."""
    tag = tag.replace(" ", "_") or "rerank-bench"
    with atomic_write(path) as handle:
        for qid in sorted(run):
            ranked = sorted(run[qid].items(), key=lambda item: (-item[1], item[0]))
            for rank, (doc_id, score) in enumerate(ranked, start=1):
                handle.write(f"{qid} Q0 {doc_id} {rank} {score:.6f} {tag}\n")


def read_trec_qrels(path: str | Path) -> Qrels:
    """Read a TREC qrels file (``qid iter docid relevance``); grades must be integers."""
    qrels: Qrels = {}
    for line_no, line in read_lines(path):
        parts = line.split()
        if len(parts) != 4:
            raise DataFormatError(
                path,
                line_no,
                f"expected 4 whitespace-separated fields (qid iter docid relevance), "
                f"found {len(parts)}: {line[:80]!r}.",
                "write qrels in TREC format.",
            )
        qid, _, doc_id, grade_text = parts
        try:
            grade = int(grade_text)
        except ValueError:
            raise DataFormatError(
                path,
                line_no,
                f"relevance {grade_text!r} is not an integer grade.",
                "use integer grades (0, 1, 2...); continuous labels belong in training data.",
            ) from None
        judged = qrels.setdefault(qid, {})
        if doc_id in judged and judged[doc_id] != grade:
            raise DataFormatError(
                path,
                line_no,
                f"document {doc_id!r} is judged twice for query {qid!r} with different grades "
                f"({judged[doc_id]} and {grade}).",
                "keep one judgment per (query, document).",
            )
        judged[doc_id] = grade
    return qrels
