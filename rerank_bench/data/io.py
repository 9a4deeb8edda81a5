"""Reading and writing the files of IR: TREC run files, qrels, JSONL lines, and atomic writes.

Every reader names the file and line of the first malformed record and says how to fix it;
every reader opens its file through :func:`read_lines`, so encoding rules (UTF-8, a byte-order
mark dropped) hold for every layout at once; every writer goes through :func:`atomic_write`, so a
crash never leaves a half-written file that a later run could mistake for a finished one.
Collection formats built on these primitives (BEIR, SMART, TREC SGML, TSV/JSONL corpora and
topics) live in :mod:`rerank_bench.data.formats`.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import tarfile
import tempfile
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from rerank_bench.data.records import Qrels, Run, ranking
from rerank_bench.errors import DataFormatError, ScoreError

__all__ = [
    "GZIP_FILE",
    "TAR_ARCHIVES",
    "add_judgment",
    "archive_kind",
    "atomic_write",
    "check_qrels_against_queries",
    "check_run_against_corpus",
    "decode_lines",
    "first_line",
    "line_of_field",
    "qrels_fields",
    "read_jsonl",
    "read_lines",
    "read_tsv_qrels",
    "read_trec_qrels",
    "read_trec_run",
    "require_finite",
    "write_trec_qrels",
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
        # mkstemp creates 0600 files; give the result the permissions a plain open() would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def read_lines(path: str | Path) -> Generator[tuple[int, str], None, None]:
    """Yield ``(line_no, line)`` of a UTF-8 text file, without line endings, skipping blanks.

    A UTF-8 byte-order mark at the start of the file is dropped: editors on Windows (Notepad,
    Excel's "CSV UTF-8") write one, and kept it would become part of the first id (topic
    ``q-0001`` read as U+FEFF + ``q-0001``, which no qrels line names), so the error would blame
    another file.

    A folder, a gzip file or a tar archive is refused as such before any byte is decoded:
    reported as "not valid UTF-8" it would send the user to ``iconv``, and a plain tar (whose
    headers are ASCII and NUL bytes) would not even fail the UTF-8 check.

    Raises:
        DataFormatError: the file is missing, a folder, an archive, empty, or not valid UTF-8.
    """
    path = Path(path)
    if path.is_dir():
        raise DataFormatError(
            path,
            None,
            "is a folder, not a file.",
            "point to a file; only a corpus may be a folder (of .html/.htm documents, read as "
            "corpus_format=html).",
        )
    if not path.is_file():
        raise DataFormatError(path, None, "file not found.", "check the path in your config.")
    if path.stat().st_size == 0:
        raise DataFormatError(path, None, "file is empty.", "point to a file with records.")
    archive = archive_kind(path)
    if archive == GZIP_FILE:
        raise DataFormatError(
            path,
            None,
            f"is {archive}, not a text file.",
            f"decompress it (`gunzip -k {path.name}`) and point to the decompressed file.",
        )
    if archive is not None:
        raise DataFormatError(
            path,
            None,
            f"is {archive}, not a text file.",
            "only a corpus may be an archive (of .html/.htm documents, read as "
            f"corpus_format=html); otherwise extract it (`tar xf {path.name}`) and point to the "
            "files inside.",
        )
    with path.open("rb") as handle:
        yield from decode_lines(handle, path)


def decode_lines(
    raw_lines: Iterable[bytes], where: str | Path
) -> Generator[tuple[int, str], None, None]:
    """The lines of a byte stream under the rules of :func:`read_lines` (UTF-8, byte-order mark
    dropped, blanks skipped); ``where`` names the stream in errors (``corpus.tar.gz:docs/1.html``
    for a member of an archive, which has no path of its own)."""
    for line_no, raw in enumerate(raw_lines, start=1):
        try:
            line = raw.decode("utf-8-sig" if line_no == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            raise DataFormatError(
                where,
                line_no,
                f"not valid UTF-8 ({exc.reason} at byte {exc.start}).",
                "re-encode the file as UTF-8, e.g. `iconv -f latin1 -t utf-8`.",
            ) from None
        line = line.rstrip("\r\n")
        if line.strip():
            yield line_no, line


GZIP_FILE = "a gzip-compressed file"
"""What :func:`archive_kind` calls a gzip file that holds no tar archive."""

TAR_ARCHIVES = ("a tar archive", "a gzip-compressed tar archive")
"""What :func:`archive_kind` calls a tar archive, plain or gzip-compressed."""


def archive_kind(path: str | Path) -> str | None:
    """What archive ``path`` is, in words (one of :data:`TAR_ARCHIVES` or :data:`GZIP_FILE`), or
    ``None`` for any other file.

    Only a file that starts with the gzip magic bytes or holds a NUL byte in its first block
    (UTF-8 text never does; a tar header always does) is opened as a tar, so text files cost
    one 512-byte read.
    """
    with Path(path).open("rb") as handle:
        head = handle.read(512)
    gzipped = head.startswith(b"\x1f\x8b")
    if not gzipped and b"\x00" not in head:
        return None
    if tarfile.is_tarfile(path):
        return TAR_ARCHIVES[gzipped]
    return GZIP_FILE if gzipped else None


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
        score = _score(path, line_no, score_text)
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


def _score(path: str | Path, line_no: int, text: str) -> float:
    """The 5th column of a run line as a finite float.

    NaN and infinities are refused: they have no rank order (NaN compares false with
    everything), so the same run in another line order would rank, and score, differently.
    """
    try:
        score = float(text)
    except ValueError:
        raise DataFormatError(
            path, line_no, f"score {text!r} is not a number.", "fix the 5th column."
        ) from None
    if not math.isfinite(score):
        raise DataFormatError(
            path,
            line_no,
            f"score {text!r} is not a finite number: NaN and infinite scores have no rank order, "
            "so the ranking (and every metric) would depend on the order of the lines.",
            "fix the system that wrote the run (it produced NaN or overflowed), or remove "
            "those lines; every score in the 5th column must be a finite number.",
        )
    return score


def require_finite(run: Run, stage: str) -> None:
    """Refuse a run with a NaN or infinite score, naming the stage that produced it.

    NaN has no rank order: the same scores in two line orders gave nDCG@10 0.7077 and 0.2087.
    The pipeline checks each stage's run before evaluating it, and the writer checks again.

    Raises:
        ScoreError: a score is NaN or infinite (a bug in ``stage``, or a model that overflowed).
    """
    bad = sorted(
        (qid, doc_id, score)
        for qid, docs in run.items()
        for doc_id, score in docs.items()
        if not math.isfinite(score)
    )
    if bad:
        qid, doc_id, score = bad[0]
        raise ScoreError(
            f"{stage}: query {qid!r}, document {doc_id!r} has score {score} ({len(bad)} of the "
            "run's scores are NaN or infinite). A stage produced them, which is a bug in that "
            "stage (or a model overflowing, e.g. in fp16): NaN has no rank order, so the run "
            "would be ranked by chance. Fix: make the stage return finite scores (for a model: "
            "precision fp32, or check its weights)."
        )


def write_trec_run(run: Run, path: str | Path, tag: str = "rerank-bench") -> None:
    """Write ``run`` atomically as a TREC run file, each query in rank order (:func:`ranking`).

    Raises:
        ScoreError: a score is NaN or infinite; written, it would be read back as a ranking that
            depends on line order.
    """
    require_finite(run, f"refusing to write {path}")
    tag = tag.replace(" ", "_") or "rerank-bench"
    with atomic_write(path) as handle:
        for qid in sorted(run):
            for rank, (doc_id, score) in enumerate(ranking(run[qid]), start=1):
                handle.write(f"{qid} Q0 {doc_id} {rank} {score:.6f} {tag}\n")


def read_trec_qrels(path: str | Path) -> Qrels:
    """Read a TREC qrels file (``qid iter docid relevance``); grades must be integers.

    Raises:
        DataFormatError: a line without 4 fields, a non-integer grade, or one (query, document)
            pair judged twice with different grades.
    """
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
        add_judgment(qrels, path, line_no, qid, doc_id, grade_text)
    return qrels


_TSV_QRELS_HEADERS = frozenset({"query-id", "query_id", "qid", "queryid", "topic"})


def qrels_fields(line: str) -> list[str]:
    """The fields of a qrels line: tab-separated if it holds a tab, else whitespace-separated.

    The one rule of the qrels readers, the layout sniffer and the error reports, so a line is
    split the same way when it is read and when a later check points back at it.

    A line whose first tab-separated field holds white space between words is split on white
    space instead: Glasgow's ``CISI.REL`` aligns ``qid`` and ``docid`` with spaces and puts tabs
    only before the last columns (``"     1     28\t0\t0.000000"``), and split on its tabs it
    read as topic ``'1     28'``. A query id never holds white space (document ids may, so
    the other fields of a tab-separated line keep theirs).
    """
    if "\t" in line:
        fields = line.split("\t")
        if len(fields[0].split()) <= 1:
            return fields
    return line.split()


def _is_tsv_qrels_header(parts: list[str]) -> bool:
    """Whether a first line is BEIR's header row (``query-id corpus-id score``), not a judgment.

    Both the first name and a non-integer grade column are required: a first judgment whose
    query id happens to be ``topic`` or ``qid`` is data, and must be read (or refused at line 1),
    never skipped as a header.
    """
    if len(parts) != 3 or parts[0].strip().lower() not in _TSV_QRELS_HEADERS:
        return False
    try:
        int(parts[2])
    except ValueError:
        return True
    return False


def read_tsv_qrels(path: str | Path) -> Qrels:
    """Read three-column qrels (``qid<TAB>docid<TAB>grade``), as in BEIR's ``qrels/<split>.tsv``.

    A header row (BEIR writes ``query-id corpus-id score``) is recognised by its first field and
    its non-integer grade column (:func:`_is_tsv_qrels_header`) and skipped; ids stay strings
    (SciFact ids look like integers but are not numbers).

    Raises:
        DataFormatError: a line without 3 fields, a non-integer grade, or one (query, document)
            pair judged twice with different grades.
    """
    qrels: Qrels = {}
    first = True
    for line_no, line in read_lines(path):
        parts = qrels_fields(line)
        if first:
            first = False
            if _is_tsv_qrels_header(parts):
                continue
        if len(parts) != 3:
            raise DataFormatError(
                path,
                line_no,
                f"expected 3 tab-separated fields (query-id corpus-id score), "
                f"found {len(parts)}: {line[:80]!r}.",
                "write BEIR qrels as `query-id<TAB>corpus-id<TAB>score` with a header row.",
            )
        qid, doc_id, grade_text = (part.strip() for part in parts)
        add_judgment(qrels, path, line_no, qid, doc_id, grade_text)
    return qrels


def add_judgment(
    qrels: Qrels, path: str | Path, line_no: int, qid: str, doc_id: str, grade_text: str
) -> None:
    """Add one judgment to ``qrels`` with the checks every qrels reader shares.

    Raises:
        DataFormatError: a non-integer grade, an empty id, or the pair already judged with
            another grade (the same grade twice is tolerated: some official qrels repeat lines).
    """
    try:
        grade = int(grade_text)
    except ValueError:
        raise DataFormatError(
            path,
            line_no,
            f"relevance {grade_text!r} is not an integer grade.",
            "use integer grades (0, 1, 2...); continuous labels belong in training data.",
        ) from None
    if not qid or not doc_id:
        raise DataFormatError(
            path, line_no, "empty query or document id.", "give every judgment both ids."
        )
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


def write_trec_qrels(qrels: Qrels, path: str | Path) -> None:
    """Write ``qrels`` atomically in TREC format (``qid 0 docid grade``), sorted by ids."""
    with atomic_write(path) as handle:
        for qid in sorted(qrels):
            for doc_id in sorted(qrels[qid]):
                handle.write(f"{qid} 0 {doc_id} {qrels[qid][doc_id]}\n")


def read_jsonl(path: str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line_no, object)`` for each line of a JSON Lines file.

    Raises:
        DataFormatError: the file is missing, empty or not UTF-8 (see :func:`read_lines`), or a
            line is not a JSON object.
    """
    for line_no, line in read_lines(path):
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataFormatError(
                path,
                line_no,
                f"not valid JSON ({exc.msg} at column {exc.colno}): {line[:80]!r}.",
                "write one JSON object per line (JSON Lines).",
            ) from None
        if not isinstance(obj, dict):
            raise DataFormatError(
                path,
                line_no,
                f"expected a JSON object, found {type(obj).__name__}.",
                "write one JSON object per line (JSON Lines).",
            )
        yield line_no, obj


def first_line(path: str | Path) -> str:
    """The first non-blank line of a text file (to sniff its format), without reading the rest.

    Raises:
        DataFormatError: the file is missing, empty, blank or not UTF-8.
    """
    with contextlib.closing(read_lines(path)) as lines:
        for _, line in lines:
            return line
    raise DataFormatError(
        path, None, "file holds only blank lines.", "point to a file with records."
    )


def line_of_field(
    path: str | Path, value: str, column: int = 0, split: Callable[[str], list[str]] = str.split
) -> int | None:
    """Line number of the first line whose ``column``-th field equals ``value`` (error reports).

    Used only after a check has failed, to point the user at the line to fix; it re-reads the
    file, which costs nothing on the happy path. ``split`` must be the rule the file's reader
    used (:func:`qrels_fields` for qrels), or the line is not found.
    """
    for line_no, line in read_lines(path):
        parts = split(line)
        if len(parts) > column and parts[column].strip() == value:
            return line_no
    return None


def _describe(ids: Iterable[str], total: int, limit: int = 5) -> str:
    shown = ", ".join(repr(i) for i in sorted(ids)[:limit])
    return f"{shown}{' ...' if total > limit else ''} ({total} in total)"


def check_run_against_corpus(
    run: Run, corpus: Mapping[str, object], path: str | Path | None = None
) -> None:
    """Raise if ``run`` names documents that ``corpus`` lacks (they cannot be re-ranked).

    A re-ranker needs the text of every document it scores; a run over another corpus (or another
    version of it) must stop here rather than silently drop documents and change the numbers.

    Args:
        run: the run to check.
        corpus: the documents (a :class:`~rerank_bench.data.records.Corpus` or any mapping).
        path: the run file, for the error message (and its line number).

    Raises:
        DataFormatError: naming the first missing document, its line and how many are missing.
    """
    missing = {doc_id for docs in run.values() for doc_id in docs if doc_id not in corpus}
    if not missing:
        return
    first = min(missing)
    line_no = line_of_field(path, first, column=2) if path is not None else None
    raise DataFormatError(
        path if path is not None else "<run>",
        line_no,
        f"the run names documents that are not in the corpus: {_describe(missing, len(missing))}.",
        "re-rank a run made over this corpus (check dataset and run file belong together).",
    )


def check_qrels_against_queries(
    qrels: Qrels, queries: Mapping[str, str], path: str | Path, column: int = 0
) -> None:
    """Raise if ``qrels`` judge queries that have no text in ``queries``.

    Such queries could never be retrieved for, so they would score zero and silently lower every
    metric (a truncated topics file looks exactly like this). Judged documents missing from the
    corpus, on the other hand, are normal (pooled judgments) and are not checked here.

    Raises:
        DataFormatError: naming the qrels file, the line of the first unknown query and the count.
    """
    missing = [qid for qid in qrels if qid not in queries]
    if not missing:
        return
    raise DataFormatError(
        path,
        # an ir_datasets id (irds:...) has no lines to point at
        line_of_field(path, missing[0], column, qrels_fields) if Path(path).is_file() else None,
        f"the qrels judge queries that are not in the topics: {_describe(missing, len(missing))}.",
        "add the missing topics or remove their judgments (are qrels and topics of one "
        "collection and split?).",
    )
