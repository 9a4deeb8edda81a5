"""The interaction-log format: round trips, tolerance of optional fields, strict required ones."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from rerank_bench.errors import DataFormatError
from rerank_bench.feedback import (
    Click,
    SearchFeedback,
    SearchLogEntry,
    read_log,
    write_log,
)

FULL = {
    "session_id": "s1",
    "search_id": "s1-0",
    "timestamp": "2024-03-01T09:30:00+00:00",
    "query": "SSH keeps dropping in the library",
    "shown": ["ssh-setup", "onboarding", "wifi-library"],
    "clicks": [
        {"doc_id": "ssh-setup", "position": 1, "time_s": 3.5, "dwell_s": 8.0},
        {"doc_id": "wifi-library", "position": 3, "time_s": 15.0, "dwell_s": 140.0},
    ],
    "feedback": {"helpful": True, "resolved": True, "reformulation": None},
}
MINIMAL = {"session_id": "s2", "query": "printer", "shown": ["p1"], "clicks": []}


def _write_lines(path: Path, objs: list[object]) -> Path:
    lines = [o if isinstance(o, str) else json.dumps(o) for o in objs]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_full_and_minimal_lines_parse(tmp_path: Path) -> None:
    entries = list(read_log(_write_lines(tmp_path / "log.jsonl", [FULL, "", MINIMAL])))
    assert len(entries) == 2
    full, minimal = entries
    assert full.shown == ("ssh-setup", "onboarding", "wifi-library")
    assert full.clicks[1] == Click("wifi-library", 3, 15.0, 140.0)
    assert full.timestamp == 1709285400.0
    assert full.feedback == SearchFeedback(helpful=True, resolved=True, reformulation=None)
    assert minimal == SearchLogEntry(session_id="s2", query="printer", shown=("p1",))


def test_optional_fields_may_be_missing_and_doc_id_comes_from_position(tmp_path: Path) -> None:
    line = {
        "session_id": 7,
        "query": "vpn",
        "shown": ["a", "b"],
        "clicks": [{"position": 2}],
        "feedback": {"resolved": False},
    }
    (entry,) = read_log(_write_lines(tmp_path / "log.jsonl", [line]))
    assert entry.session_id == "7"
    assert entry.clicks == (Click("b", 2, None, None),)
    assert entry.feedback == SearchFeedback(resolved=False)
    assert entry.timestamp is None and entry.search_id is None


@pytest.mark.parametrize("name", ["log.jsonl", "log.jsonl.gz"])
def test_write_then_read_round_trips_and_is_deterministic(tmp_path: Path, name: str) -> None:
    entries = list(read_log(_write_lines(tmp_path / "in.jsonl", [FULL, MINIMAL])))
    path = tmp_path / name
    assert write_log(entries, path) == 2
    first = path.read_bytes()
    assert list(read_log(path)) == entries
    write_log(entries, path)
    assert path.read_bytes() == first
    if name.endswith(".gz"):
        assert gzip.decompress(first).decode().count("\n") == 2


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("{not json", "not valid JSON"),
        ([1, 2], "expected a JSON object"),
        ({k: v for k, v in MINIMAL.items() if k != "query"}, "required field 'query'"),
        ({k: v for k, v in MINIMAL.items() if k != "clicks"}, "required field 'clicks'"),
        ({**MINIMAL, "query": "   "}, "query must be a non-empty string"),
        ({**MINIMAL, "shown": []}, "'shown' must be a non-empty list"),
        ({**MINIMAL, "shown": ["a", "a"]}, "lists a document twice"),
        ({**MINIMAL, "clicks": {"position": 1}}, "'clicks' must be a list"),
        ({**MINIMAL, "clicks": [{"position": 2}]}, "outside the 1 shown results"),
        ({**MINIMAL, "clicks": [{"position": "1"}]}, "position must be an integer"),
        ({**MINIMAL, "clicks": [{"doc_id": "zz", "position": 1}]}, "'p1' was shown there"),
        ({**MINIMAL, "clicks": [{"position": 1, "dwell_s": -3}]}, "dwell_s must be >= 0"),
        ({**MINIMAL, "feedback": {"helpful": "yes"}}, "feedback.helpful must be true"),
        ({**MINIMAL, "timestamp": "yesterday"}, "neither ISO 8601"),
    ],
)
def test_malformed_lines_name_file_line_reason_and_fix(
    tmp_path: Path, line: object, reason: str
) -> None:
    path = _write_lines(tmp_path / "log.jsonl", [MINIMAL, line])
    with pytest.raises(DataFormatError) as info:
        list(read_log(path))
    error = info.value
    assert error.path == str(path) and error.line_no == 2
    assert reason in error.reason
    assert error.fix


def test_reading_is_lazy_entries_before_a_bad_line_arrive(tmp_path: Path) -> None:
    stream = read_log(_write_lines(tmp_path / "log.jsonl", [MINIMAL, FULL, "{broken"]))
    assert next(stream).session_id == "s2"
    assert next(stream).session_id == "s1"
    with pytest.raises(DataFormatError, match=r"log.jsonl:3"):
        next(stream)


def test_missing_empty_and_non_utf8_files(tmp_path: Path) -> None:
    with pytest.raises(DataFormatError, match="not found"):
        list(read_log(tmp_path / "nope.jsonl"))
    (tmp_path / "empty.jsonl").write_bytes(b"")
    with pytest.raises(DataFormatError, match="empty"):
        list(read_log(tmp_path / "empty.jsonl"))
    (tmp_path / "latin.jsonl").write_bytes(json.dumps(MINIMAL).encode() + b"\n\xe9t\xe9\n")
    with pytest.raises(DataFormatError, match="UTF-8"):
        list(read_log(tmp_path / "latin.jsonl"))
