"""Re-rankers say how much text their model never saw: one truncation line per stage, and totals.

Why: a passage cut to the model's window is scored on its head only, which silently changes the
numbers of a long-document collection. The cross-encoder and SPLADE count every query and passage
they tokenise against its budget, log one line per re-ranking and hand the totals to MLflow
(``truncation_summary``). Tiny random-weight BERTs keep this fast; the counts do not depend on
the weights.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import pytest
from _neural_helpers import tiny_bert

from rerank_bench.data.records import Corpus, Doc, Queries, Run
from rerank_bench.inference import InferenceSettings
from rerank_bench.reranking.cross_encoder import CrossEncoderReranker
from rerank_bench.reranking.splade import SpladeReranker

SMALL = InferenceSettings(
    max_length=32, query_max_length=8, batch_tokens=256, device="cpu", show_progress=False
)
CORPUS = Corpus(
    [
        Doc("short", "Rain forms when vapour condenses."),
        Doc("long", "Sunlight makes vitamin D in the skin. " * 20),  # far over 32 tokens
        Doc("tiny", "Proteins."),
    ]
)
QUERIES: Queries = {"q1": "rain", "q2": "why does it rain " * 10}  # q2: over 8 tokens
RUN: Run = {qid: {"short": 3.0, "long": 2.0, "tiny": 1.0} for qid in QUERIES}


def truncation_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "truncation" in r.getMessage()]


def test_splade_logs_one_truncation_line_per_stage_with_both_budgets(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tiny_bert(tmp_path / "splade", kind="masked-lm")
    reranker = SpladeReranker(str(folder), inference=SMALL)
    assert reranker.truncation_summary()["rerank_docs_seen"] == 0, "nothing scored yet"
    caplog.set_level(logging.INFO, logger="rerank_bench")
    reranker.rerank(CORPUS, QUERIES, RUN)
    # SPLADE encodes each distinct text once: 2 queries (one cut) and 3 passages (one cut).
    assert truncation_lines(caplog) == [
        "splade: truncation (queries: max_length=8; passages: max_length=32): "
        "1 of 2 queries and 1 of 3 passages cut"
    ]
    expected = {
        "rerank_queries_truncated": 1.0,
        "rerank_queries_seen": 2.0,
        "rerank_docs_truncated": 1.0,
        "rerank_docs_seen": 3.0,
    }
    assert reranker.truncation_summary() == expected
    caplog.clear()
    reranker.rerank(CORPUS, QUERIES, RUN)  # every pair from the score cache: nothing tokenised
    assert truncation_lines(caplog) == []
    assert reranker.truncation_summary() == expected


def test_cross_encoder_counts_truncation_per_pair_the_same_way(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tiny_bert(tmp_path / "ce")
    reranker = CrossEncoderReranker(str(folder), inference=SMALL)
    caplog.set_level(logging.INFO, logger="rerank_bench")
    reranker.rerank(CORPUS, QUERIES, RUN)
    # 6 pairs: q2 is cut in its 3 pairs; the long passage is cut with either query.
    assert truncation_lines(caplog) == [
        "cross_encoder: truncation (query <= 8 tokens, passage gets the rest, max_length=32): "
        "3 of 6 queries and 2 of 6 passages cut"
    ]
    assert reranker.truncation_summary() == {
        "rerank_queries_truncated": 3.0,
        "rerank_queries_seen": 6.0,
        "rerank_docs_truncated": 2.0,
        "rerank_docs_seen": 6.0,
    }
    longest_first = CrossEncoderReranker(
        str(folder), inference=replace(SMALL, query_max_length=None), name="ce-longest-first"
    )
    caplog.clear()
    longest_first.score(["rain"], ["Proteins."])
    assert truncation_lines(caplog) == [
        "ce-longest-first: truncation (longest-first, max_length=32): "
        "0 of 1 queries and 0 of 1 passages cut"
    ]


def test_a_tally_words_its_shares_for_a_table_footer() -> None:
    from rerank_bench.inference.tokenize import TruncationTally

    tally = TruncationTally(queries_seen=400, queries_truncated=3, docs_seen=40,
                            docs_truncated=30, budgets={"pairs": "longest-first, max_length=64"})
    assert tally.shares() == ("0.75% of queries and 75% of passages cut (longest-first, "
                              "max_length=64)")
    assert TruncationTally().shares() == "0% of queries and 0% of passages cut ()"
