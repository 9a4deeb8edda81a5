"""The run-file first stage: cached by the file's content, cut in trec_eval's order."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from rerank_bench.data.records import Corpus
from rerank_bench.errors import DataFormatError
from rerank_bench.retrieval import run_file
from rerank_bench.retrieval.run_file import RunFileRetriever

RUN = "q1 Q0 d1 1 2.0 x\nq1 Q0 d2 2 1.0 x\nq1 Q0 d3 3 1.0 x\n"
EDITED = "q1 Q0 d1 1 1.0 x\nq1 Q0 d2 2 2.0 x\nq1 Q0 d3 3 1.0 x\n"  # same size


def _key(path: Path) -> dict[str, object]:
    return RunFileRetriever(str(path)).cache_key()


def test_cache_key_follows_the_content_not_the_mtime(tmp_path: Path) -> None:
    path = tmp_path / "run.trec"
    path.write_text(RUN)
    first = _key(path)
    before = path.stat()
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 5 * 10**9))  # touched only
    assert _key(path) == first
    moved = tmp_path / "elsewhere" / "copy.trec"
    moved.parent.mkdir()
    moved.write_bytes(path.read_bytes())
    assert _key(moved) == first
    # edited, with size and mtime kept: a stat-based key would replay the old run
    stat = path.stat()
    path.write_text(EDITED)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (stat.st_size, stat.st_mtime_ns)
    assert _key(path) != first


def test_file_is_hashed_once_per_instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "run.trec"
    path.write_text(RUN)
    hashed: list[Path] = []

    def counting(p: Path) -> str:
        hashed.append(p)
        return "digest"

    monkeypatch.setattr(run_file, "file_sha256", counting)
    retriever = RunFileRetriever(str(path))
    assert retriever.cache_key() == retriever.cache_key()
    assert hashed == [path]


def test_missing_file_is_a_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataFormatError, match="not found"):
        _key(tmp_path / "nope.trec")


def test_top_k_keeps_the_tie_trec_eval_ranks_first(tmp_path: Path) -> None:
    path = tmp_path / "run.trec"
    path.write_text(RUN)
    run = RunFileRetriever(str(path), check_corpus=False).retrieve(Corpus([]), {"q1": "q"}, 2)
    assert list(run["q1"]) == ["d1", "d3"]


def test_queries_not_asked_for_are_left_out_with_one_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "run.trec"
    path.write_text(RUN + "".join(f"q{i} Q0 d1 1 1.0 x\n" for i in range(2, 7)))
    retriever = RunFileRetriever(str(path), check_corpus=False)
    with caplog.at_level(logging.WARNING, logger=run_file.__name__):
        run = retriever.retrieve(Corpus([]), {"q1": "q"}, 10)
    assert list(run) == ["q1"]
    (record,) = caplog.records
    message = record.getMessage()
    assert str(path) in message and "5 of its 6 queries" in message
    assert "'q2', 'q3', 'q4'" in message and "'q5'" not in message


def test_a_run_of_exactly_the_queries_warns_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "run.trec"
    path.write_text(RUN)
    with caplog.at_level(logging.WARNING, logger=run_file.__name__):
        RunFileRetriever(str(path), check_corpus=False).retrieve(Corpus([]), {"q1": "q"}, 10)
    assert not caplog.records
