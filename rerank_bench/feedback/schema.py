"""The interaction-log format: one JSON object per search, read as a stream of typed records.

Domains rarely have graded judgments; they have search logs. This module fixes what one line of
such a log holds (see ``rerank_bench/feedback/README.md`` for the schema with an example), reads
plain or gzip'd JSONL lazily so a log of any size is processed in bounded memory, and writes logs
atomically. Missing optional fields (timestamps, dwell, explicit feedback) are tolerated; a missing
or malformed required field stops the read with a :class:`DataFormatError` naming file, line, what
was expected and the fix, because a silently skipped line would bias every label derived after it.
"""

from __future__ import annotations

import gzip
import io
import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any, cast

from rerank_bench.data.io import atomic_write
from rerank_bench.errors import DataFormatError

__all__ = [
    "Click",
    "SearchFeedback",
    "SearchLogEntry",
    "entry_to_json",
    "parse_entry",
    "read_log",
    "write_log",
]

_FIX = "see rerank_bench/feedback/README.md for the log schema."


@dataclass(frozen=True, slots=True)
class Click:
    """A click on one result of a search.

    Attributes:
        doc_id: the clicked document; equals ``shown[position - 1]`` of its search.
        position: 1-based rank at which the document was shown.
        time_s: seconds since the search was issued, when logged.
        dwell_s: seconds spent on the document before coming back or leaving, when logged.
    """

    doc_id: str
    position: int
    time_s: float | None = None
    dwell_s: float | None = None


@dataclass(frozen=True, slots=True)
class SearchFeedback:
    """Explicit feedback attached to a search; every field is optional.

    Attributes:
        helpful: the user's answer to "was this article helpful?" about the last clicked document.
        resolved: whether the ticket / need was resolved after this search.
        reformulation: the text of the next query of the session when the user searched again.
    """

    helpful: bool | None = None
    resolved: bool | None = None
    reformulation: str | None = None


@dataclass(frozen=True, slots=True)
class SearchLogEntry:
    """One search: what was asked, what was shown, what the user did.

    Attributes:
        session_id: groups the searches of one visit.
        query: the text as typed (normalisation happens later, never in the log).
        shown: document ids in the order shown, best first (unique).
        clicks: the clicks, in the order they happened (may be empty).
        search_id: an id for the search, when logged.
        timestamp: when the search was issued (seconds since the epoch), when logged.
        feedback: explicit feedback, when any was given.
    """

    session_id: str
    query: str
    shown: tuple[str, ...]
    clicks: tuple[Click, ...] = ()
    search_id: str | None = None
    timestamp: float | None = None
    feedback: SearchFeedback | None = None


def _error(path: str | Path, line_no: int, reason: str, fix: str = _FIX) -> DataFormatError:
    return DataFormatError(path, line_no, reason, fix)


def _opt_number(value: Any, name: str, path: str | Path, line_no: int) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _error(path, line_no, f"{name} must be a finite number of seconds, found {value!r}.")
    if value < 0:
        raise _error(path, line_no, f"{name} must be >= 0, found {value!r}.")
    return float(value)


def _opt_bool(value: Any, name: str, path: str | Path, line_no: int) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise _error(path, line_no, f"feedback.{name} must be true, false or null, found {value!r}.")


def _timestamp(value: Any, path: str | Path, line_no: int) -> float | None:
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value).timestamp()
        except ValueError:
            raise _error(
                path, line_no, f"timestamp {value!r} is neither ISO 8601 nor seconds since epoch."
            ) from None
    return _opt_number(value, "timestamp", path, line_no)


def _parse_clicks(
    raw: Any, shown: tuple[str, ...], path: str | Path, line_no: int
) -> tuple[Click, ...]:
    if not isinstance(raw, list):
        raise _error(path, line_no, f"'clicks' must be a list (may be empty), found {raw!r:.60}.")
    clicks = []
    for i, item in enumerate(raw):
        where = f"clicks[{i}]"
        if not isinstance(item, dict):
            raise _error(path, line_no, f"{where} must be an object, found {item!r:.60}.")
        position = item.get("position")
        if isinstance(position, bool) or not isinstance(position, int):
            raise _error(
                path, line_no, f"{where}.position must be an integer rank, found {position!r}."
            )
        if not 1 <= position <= len(shown):
            raise _error(
                path,
                line_no,
                f"{where}.position={position} is outside the {len(shown)} shown results.",
                "positions are 1-based ranks into 'shown'.",
            )
        doc_id = item.get("doc_id", shown[position - 1])
        if doc_id != shown[position - 1]:
            raise _error(
                path,
                line_no,
                f"{where} clicks {doc_id!r} at position {position}, but "
                f"{shown[position - 1]!r} was shown there.",
                "log the rank at which the clicked document was shown.",
            )
        clicks.append(
            Click(
                doc_id=doc_id,
                position=position,
                time_s=_opt_number(item.get("time_s"), f"{where}.time_s", path, line_no),
                dwell_s=_opt_number(item.get("dwell_s"), f"{where}.dwell_s", path, line_no),
            )
        )
    return tuple(clicks)


def _parse_feedback(raw: Any, path: str | Path, line_no: int) -> SearchFeedback | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise _error(path, line_no, f"'feedback' must be an object or null, found {raw!r:.60}.")
    reformulation = raw.get("reformulation")
    if reformulation is not None and not isinstance(reformulation, str):
        raise _error(
            path, line_no, f"feedback.reformulation must be a string, found {reformulation!r}."
        )
    return SearchFeedback(
        helpful=_opt_bool(raw.get("helpful"), "helpful", path, line_no),
        resolved=_opt_bool(raw.get("resolved"), "resolved", path, line_no),
        reformulation=reformulation or None,
    )


def parse_entry(obj: Any, path: str | Path = "<log>", line_no: int = 0) -> SearchLogEntry:
    """Validate one decoded JSON object and build its :class:`SearchLogEntry`.

    Raises:
        DataFormatError: a required field (``session_id``, ``query``, ``shown``, ``clicks``) is
            missing or malformed, or an optional one has the wrong type.
    """
    if not isinstance(obj, dict):
        raise _error(path, line_no, f"expected a JSON object per line, found {obj!r:.60}.")
    for name in ("session_id", "query", "shown", "clicks"):
        if name not in obj:
            raise _error(path, line_no, f"required field {name!r} is missing.")
    session_id, query, shown_raw = obj["session_id"], obj["query"], obj["shown"]
    if isinstance(session_id, int) and not isinstance(session_id, bool):
        session_id = str(session_id)
    if not isinstance(session_id, str) or not session_id:
        raise _error(path, line_no, f"session_id must be a non-empty string, found {session_id!r}.")
    if not isinstance(query, str) or not query.strip():
        raise _error(path, line_no, f"query must be a non-empty string, found {query!r}.")
    if (
        not isinstance(shown_raw, list)
        or not shown_raw
        or not all(isinstance(d, str) and d for d in shown_raw)
    ):
        raise _error(
            path,
            line_no,
            f"'shown' must be a non-empty list of document ids, found {shown_raw!r:.80}.",
        )
    shown = tuple(shown_raw)
    if len(set(shown)) != len(shown):
        raise _error(
            path, line_no, "'shown' lists a document twice.", "log each shown document once."
        )
    search_id = obj.get("search_id")
    if search_id is not None and not isinstance(search_id, str):
        search_id = str(search_id)
    return SearchLogEntry(
        session_id=session_id,
        query=query,
        shown=shown,
        clicks=_parse_clicks(obj["clicks"], shown, path, line_no),
        search_id=search_id,
        timestamp=_timestamp(obj.get("timestamp"), path, line_no),
        feedback=_parse_feedback(obj.get("feedback"), path, line_no),
    )


def _open_text(path: Path) -> IO[str]:
    raw = path.open("rb")
    with raw:
        gzipped = raw.read(2) == b"\x1f\x8b"
    if gzipped:
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8")
    return path.open(encoding="utf-8")


def read_log(path: str | Path) -> Iterator[SearchLogEntry]:
    """Stream the searches of a JSONL log (plain, or gzip'd: detected from the content).

    Lines are decoded one at a time, so memory does not grow with the log. Blank lines are skipped.

    Raises:
        DataFormatError: the file is missing, empty or not UTF-8, a line is not JSON, or a record
            breaks the schema (the error names file, line, the problem and the fix).
    """
    path = Path(path)
    if not path.is_file():
        raise DataFormatError(path, None, "log file not found.", "check the log path in config.")
    if path.stat().st_size == 0:
        raise DataFormatError(path, None, "log file is empty.", "point to a log with searches.")
    with _open_text(path) as handle:
        line_no = 0
        while True:
            line_no += 1
            try:
                line = handle.readline()
            except UnicodeDecodeError as exc:
                raise DataFormatError(
                    path, line_no, f"not valid UTF-8 ({exc.reason}).", "re-encode the log as UTF-8."
                ) from None
            except (OSError, EOFError) as exc:
                raise DataFormatError(
                    path,
                    line_no,
                    f"the compressed stream is damaged ({exc}).",
                    "re-export or re-download the log.",
                ) from None
            if not line:
                return
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise _error(
                    path,
                    line_no,
                    f"not valid JSON ({exc.msg} at column {exc.colno}).",
                    "write one JSON object per line.",
                ) from None
            yield parse_entry(obj, path, line_no)


def entry_to_json(entry: SearchLogEntry) -> dict[str, Any]:
    """The JSON object of ``entry``; optional fields that are unset are left out."""
    obj: dict[str, Any] = {"session_id": entry.session_id}
    if entry.search_id is not None:
        obj["search_id"] = entry.search_id
    if entry.timestamp is not None:
        obj["timestamp"] = entry.timestamp
    obj["query"] = entry.query
    obj["shown"] = list(entry.shown)
    clicks = []
    for click in entry.clicks:
        item: dict[str, Any] = {"doc_id": click.doc_id, "position": click.position}
        if click.time_s is not None:
            item["time_s"] = click.time_s
        if click.dwell_s is not None:
            item["dwell_s"] = click.dwell_s
        clicks.append(item)
    obj["clicks"] = clicks
    if entry.feedback is not None:
        fb = {
            name: getattr(entry.feedback, name)
            for name in ("helpful", "resolved", "reformulation")
            if getattr(entry.feedback, name) is not None
        }
        if fb:
            obj["feedback"] = fb
    return obj


def write_log(entries: Iterable[SearchLogEntry], path: str | Path) -> int:
    """Write ``entries`` as JSONL, atomically; gzip'd when ``path`` ends with ``.gz``.

    The gzip header carries no timestamp, so the same entries always give the same bytes.

    Returns:
        The number of entries written.
    """
    path = Path(path)
    count = 0
    with atomic_write(path, "wb") as raw:
        stream: IO[bytes] = raw
        if path.suffix == ".gz":
            stream = cast(IO[bytes], gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename=""))
        text = io.TextIOWrapper(stream, encoding="utf-8", newline="\n")
        for entry in entries:
            text.write(json.dumps(entry_to_json(entry), ensure_ascii=False) + "\n")
            count += 1
        text.flush()
        text.detach()  # so that the wrapper never closes atomic_write's handle
        if stream is not raw:
            stream.close()
    return count
