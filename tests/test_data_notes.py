"""What a run's table must say about its data: ids that match only once normalised, an unstated
relevance level on graded qrels; and the table's first-stage baseline and dataset list.

The collections are written here in BEIR's folder layout, as a user's would be.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from rerank_bench.data.records import Corpus, Doc
from rerank_bench.data.sources.ids import match_ids, normalized_id
from rerank_bench.data.sources.splits import make_split
from rerank_bench.errors import DataFormatError
from rerank_bench.pipeline import run_overrides

DOCS = {
    "DOC-0001": "wifi drops in the library reconnect to eduroam",
    "DOC-0002": "reset your password on the account page",
    "DOC-0003": "printing from a laptop needs the print client",
    "DOC-0004": "library opening hours in the exam period",
    "DOC-0005": "eduroam certificate errors on android phones",
    "DOC-0006": "vpn access from home for library databases",
}
QUERIES = {"1": "wifi keeps dropping in the library", "2": "forgot my password",
           "3": "cannot print from my laptop"}
QRELS = [("1", "DOC-0001", 2), ("1", "DOC-0005", 1), ("2", "DOC-0002", 3),
         ("3", "DOC-0003", 2), ("3", "DOC-0004", 1)]


def _beir_folder(folder: Path, unpadded: bool) -> Path:
    """A BEIR folder; ``unpadded`` writes the qrels' document ids without the zero padding."""
    (folder / "qrels").mkdir(parents=True)
    with (folder / "corpus.jsonl").open("w") as handle:
        for doc_id, text in DOCS.items():
            handle.write(json.dumps({"_id": doc_id, "title": "", "text": text}) + "\n")
    with (folder / "queries.jsonl").open("w") as handle:
        for qid, text in QUERIES.items():
            handle.write(json.dumps({"_id": qid, "text": text}) + "\n")
    lines = ["query-id\tcorpus-id\tscore"]
    for qid, doc_id, grade in QRELS:
        lines.append(f"{qid}\t{doc_id.replace('-000', '-') if unpadded else doc_id}\t{grade}")
    (folder / "qrels" / "test.tsv").write_text("\n".join(lines) + "\n")
    return folder


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RERANK_BENCH_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    return tmp_path / "state"


def _run(folder: Path, *overrides: str) -> object:
    return run_overrides(["dataset=scifact", f"dataset.path={folder}", "dataset.name=mini",
                          "dataset.train_split=null", "retriever=bm25", *overrides])


def test_normalized_ids_match_padding_case_and_space_but_never_two_ids() -> None:
    assert normalized_id(" DOC-0046 ") == normalized_id("doc-46") == "doc-46"
    assert normalized_id("A0B007") == "a0b7"
    assert match_ids(["DOC-46", "x-9"], ["DOC-0046", "X-09", "x-009"]) == {"DOC-46": "DOC-0046"}


def test_judged_ids_that_match_only_once_normalised_are_loud_and_mapped_on_request(
    caplog: pytest.LogCaptureFixture,
) -> None:
    corpus = Corpus(Doc(doc_id, text) for doc_id, text in DOCS.items())
    qrels = {"1": {"DOC-1": 2, "DOC-0005": 1, "GONE-7": 1}}
    with caplog.at_level(logging.WARNING):
        split = make_split("test", QUERIES, qrels, "qrels.tsv", corpus)
    assert split.qrels == qrels  # reported, not changed
    (note,) = split.notes
    assert "1 of the 2 judged document ids missing" in note and "'DOC-1' -> 'DOC-0001'" in note
    assert "dataset.normalize_ids=true" in caplog.text
    mapped = make_split("test", QUERIES, qrels, "qrels.tsv", corpus, normalize_ids=True)
    assert mapped.qrels == {"1": {"DOC-0001": 2, "DOC-0005": 1, "GONE-7": 1}}
    assert mapped.notes == ("1 judged document ids mapped to corpus ids (dataset.normalize_ids: "
                            "'DOC-1' -> 'DOC-0001')",)


def test_query_ids_that_match_only_once_normalised_say_how_to_map_them(tmp_path: Path) -> None:
    qrels_file = tmp_path / "qrels.tsv"
    qrels_file.write_text("q01\tDOC-0001\t1\n")
    queries = {"Q1": "wifi"}
    with pytest.raises(DataFormatError, match=r"match topic ids .*'q01' -> 'Q1'.*normalize_ids"):
        make_split("test", queries, {"q01": {"DOC-0001": 1}}, qrels_file)
    split = make_split("test", queries, {"q01": {"DOC-0001": 1}}, qrels_file, normalize_ids=True)
    assert split.qrels == {"Q1": {"DOC-0001": 1}} and split.queries == queries


def test_a_run_on_unpadded_qrels_says_so_and_scores_right_when_asked(
    home: Path, tmp_path: Path
) -> None:
    exact = _run(_beir_folder(tmp_path / "exact", unpadded=False))
    unpadded = _beir_folder(tmp_path / "unpadded", unpadded=True)
    silent = _run(unpadded)
    assert silent.metrics["ndcg@10"] < exact.metrics["ndcg@10"]  # the silent wrong number
    assert "dataset.normalize_ids=true" in silent.table
    fixed = _run(unpadded, "dataset.normalize_ids=true")
    assert fixed.metrics == exact.metrics
    assert "5 judged document ids mapped to corpus ids" in fixed.table


def test_graded_qrels_without_a_stated_level_get_a_note(home: Path, tmp_path: Path) -> None:
    folder = _beir_folder(tmp_path / "graded", unpadded=False)
    unstated = _run(folder, "dataset.rel_level=null")
    assert "the qrels grade 0..3 and dataset.rel_level is not set" in unstated.table
    assert unstated.evaluation.rel_level == 1
    for stated in (["dataset.rel_level=1"], ["dataset.rel_level=null", "eval.rel_level=2"]):
        assert "rel_level is not set" not in _run(folder, *stated).table


def test_the_table_takes_a_dataset_list_and_a_first_stage_baseline(
    home: Path, tmp_path: Path
) -> None:
    from _neural_helpers import minilm_cross_encoder

    model = minilm_cross_encoder(tmp_path / "ce")
    for name in ("one", "two", "three"):
        _run(_beir_folder(tmp_path / name, unpadded=False), f"dataset.name={name}",
             "reranker=cross_encoder", f"reranker.model={model}", "reranker.name=ce")
    table = subprocess.run(
        [sys.executable, "-m", "rerank_bench", "table", "--experiment", "rerank-bench",
         "--dataset", "one,two", "--baseline", "bm25", "--metrics", "ndcg_at_10"],
        capture_output=True, text=True, check=True,
    ).stdout
    header = table.splitlines()[0]
    assert "one" in header and "two" in header and "three" not in header
    assert "| bm25 |" in table and "the first stage of the re-ranking runs" in table
    rejected = subprocess.run(
        [sys.executable, "-m", "rerank_bench", "table", "--experiment", "rerank-bench",
         "--filter", "tags.dataset = 'one' or tags.dataset = 'two'"],
        capture_output=True, text=True,
    )
    assert rejected.returncode == 2 and "--dataset a,b" in rejected.stderr
