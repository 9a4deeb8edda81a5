"""Float-gain nDCG: by hand on tiny runs, and equal to ranx (our door) on integer grades."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from rerank_bench.data.io import read_trec_qrels, read_trec_run
from rerank_bench.errors import EvaluationError
from rerank_bench.evaluation import evaluate_run, float_gain_ndcg


@pytest.fixture(scope="module")
def dl19(data_root: Path) -> tuple[dict, dict]:
    """DL19 graded qrels (0-3) and the six published first-stage runs, BM25 among them."""
    folder = data_root / "msmarco-trec-dl"
    qrels = read_trec_qrels(folder / "qrels.dl19-passage.txt")
    runs = {
        path.name.removeprefix("run.dl19.").removesuffix(".top100.trec"): read_trec_run(path)
        for path in sorted((folder / "pools").glob("run.dl19.*.top100.trec"))
    }
    return qrels, runs


def test_by_hand_with_continuous_labels() -> None:
    labels = {
        "q1": {"a": 0.7, "b": 0.2, "c": 1.0, "d": 0.0},
        "q2": {"a": 0.4},  # not answered: 0
        "q3": {"a": 0.0, "b": 0.0},  # no positive label: 0, as ranx scores it
    }
    run = {
        "q1": {"a": 3.0, "b": 2.0, "x": 1.5, "c": 1.0},  # x is unjudged: gain 0
        "q3": {"a": 1.0, "b": 0.5},
        "q9": {"a": 1.0},  # not judged: ignored
    }
    result = float_gain_ndcg(labels, run, k=3)
    # ranks 1..3 are a, b, x: gains 0.7, 0.2, 0 over log2(2), log2(3), log2(4)
    dcg = 0.7 / math.log2(2) + 0.2 / math.log2(3) + 0.0 / math.log2(4)
    # ideal: the judged labels sorted, 1.0, 0.7, 0.2 (c counts although ranked 4th, past k)
    ideal = 1.0 / math.log2(2) + 0.7 / math.log2(3) + 0.2 / math.log2(4)
    assert result.per_query == pytest.approx({"q1": dcg / ideal, "q2": 0.0, "q3": 0.0}, abs=1e-12)
    assert result.mean == pytest.approx((dcg / ideal + 0.0 + 0.0) / 3, abs=1e-12)
    assert result.n_unanswered == 1
    assert (result.k, result.metric) == (3, "ndcg@3")


def test_whole_ranking_when_k_is_none() -> None:
    labels = {"q": {"a": 0.5, "b": 0.9, "c": 0.3}}
    run = {"q": {"a": 3.0, "b": 2.0, "c": 1.0}}
    dcg = 0.5 / math.log2(2) + 0.9 / math.log2(3) + 0.3 / math.log2(4)
    ideal = 0.9 / math.log2(2) + 0.5 / math.log2(3) + 0.3 / math.log2(4)
    result = float_gain_ndcg(labels, run, k=None)
    assert result.per_query["q"] == pytest.approx(dcg / ideal, abs=1e-12)
    assert result.metric == "ndcg"


def test_ties_are_broken_by_doc_id_descending_as_for_ranx() -> None:
    """Equal scores: "b" ranks before "a" (trec_eval's rule), here and through evaluate_run."""
    run = {"q": {"a": 1.0, "b": 1.0}}
    float_result = float_gain_ndcg({"q": {"a": 1.0, "b": 0.5}}, run, k=1)
    assert float_result.per_query["q"] == pytest.approx(0.5 / 1.0, abs=1e-12)
    ranx_result = evaluate_run({"q": {"a": 2, "b": 1}}, run, ["ndcg@1"], rel_level=1)
    assert ranx_result.per_query["ndcg@1"]["q"] == pytest.approx(1 / 2, abs=1e-12)


def test_judged_only_condenses_the_ranking() -> None:
    labels = {"q": {"a": 1.0, "b": 0.6}}
    run = {"q": {"x": 3.0, "a": 2.0, "b": 1.0}}
    ideal = 1.0 / math.log2(2) + 0.6 / math.log2(3)
    full = float_gain_ndcg(labels, run, k=2)
    assert full.per_query["q"] == pytest.approx((0.0 + 1.0 / math.log2(3)) / ideal, abs=1e-12)
    assert float_gain_ndcg(labels, run, k=2, judged_only=True).per_query["q"] == pytest.approx(1.0)
    # a ranking with only unjudged documents is empty once condensed: unanswered
    condensed = float_gain_ndcg(labels, {"q": {"x": 1.0}}, k=2, judged_only=True)
    assert condensed.n_unanswered == 1 and condensed.mean == 0.0


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(EvaluationError, match="empty"):
        float_gain_ndcg({}, {"q": {"a": 1.0}})
    with pytest.raises(EvaluationError, match="k >= 1"):
        float_gain_ndcg({"q": {"a": 1.0}}, {"q": {"a": 1.0}}, k=0)
    with pytest.raises(EvaluationError, match="finite"):
        float_gain_ndcg({"q": {"a": math.nan}}, {"q": {"a": 1.0}})


@pytest.mark.parametrize("metric", ["ndcg@10", "ndcg@100", "ndcg"])
def test_equals_ranx_on_dl19_bm25(dl19: tuple[dict, dict], metric: str) -> None:
    qrels, runs = dl19
    k = int(metric.split("@")[1]) if "@" in metric else None
    for judged_only in (False, True):
        ours = float_gain_ndcg(qrels, runs["bm25"], k=k, judged_only=judged_only)
        ranx = evaluate_run(qrels, runs["bm25"], [metric], rel_level=2, judged_only=judged_only)
        assert ours.per_query.keys() == ranx.per_query[metric].keys()
        for qid, value in ranx.per_query[metric].items():
            assert ours.per_query[qid] == pytest.approx(value, abs=1e-9), qid
        assert ours.mean == pytest.approx(ranx.mean[metric], abs=1e-9)
    assert round(float_gain_ndcg(qrels, runs["bm25"], k=10).mean, 4) == 0.5058  # Anserini's


def test_equals_ranx_on_every_dl19_pool_run(dl19: tuple[dict, dict]) -> None:
    qrels, runs = dl19
    assert len(runs) == 6
    for name, run in runs.items():
        ranx = evaluate_run(qrels, run, ["ndcg@10"], rel_level=2).per_query["ndcg@10"]
        ours = float_gain_ndcg(qrels, run, k=10).per_query
        assert max(abs(ours[q] - ranx[q]) for q in qrels) < 1e-9, name


def test_equals_ranx_on_random_integer_grades() -> None:
    """Random small qrels and runs with ties, negative and all-zero grades, unanswered queries,
    unjudged run queries: float-gain nDCG equals ranx's query by query."""
    rng = np.random.default_rng(7)
    docs = [f"d{i}" for i in range(8)]
    for trial in range(150):
        qrels = {
            f"q{q}": {d: int(rng.integers(-1, 4)) for d in rng.choice(docs, rng.integers(1, 8))}
            for q in range(int(rng.integers(1, 6)))
        }
        if trial % 5 == 0:
            qrels["all_zero"] = dict.fromkeys(docs[:3], 0)
        run_queries = [q for q in qrels if rng.random() < 0.8] + ["unjudged"]
        # few distinct scores: many ties
        run = {
            q: {d: float(rng.integers(0, 3)) for d in rng.choice(docs, rng.integers(1, 9))}
            for q in run_queries
        }
        k = [1, 3, 5, 20, None][trial % 5]
        metric = "ndcg" if k is None else f"ndcg@{k}"
        judged_only = bool(trial % 2)
        ranx = evaluate_run(qrels, run, [metric], rel_level=1, judged_only=judged_only)
        ours = float_gain_ndcg(qrels, run, k=k, judged_only=judged_only)
        assert ours.n_unanswered == ranx.n_unanswered
        for qid, value in ranx.per_query[metric].items():
            assert ours.per_query[qid] == pytest.approx(value, abs=1e-9), (trial, qid)
