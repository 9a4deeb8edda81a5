"""Evaluation: published figures, an independent implementation, and the explicit conventions."""

from __future__ import annotations

from pathlib import Path

import pytest
import pytrec_eval

from rerank_bench.data.io import read_trec_qrels, read_trec_run
from rerank_bench.data.records import Corpus, Dataset, Doc, Split
from rerank_bench.errors import EvaluationError
from rerank_bench.evaluation import (
    evaluate,
    evaluate_run,
    metric_key,
    query_set_id,
    with_rel_level,
)

POOLS = (
    "bm25",
    "bm25_rm3",
    "d_bert_kd_tasb",
    "open_ai_ada2",
    "rep_llama",
    "splade_p_p_ensemble_distil",
)


@pytest.fixture(scope="module")
def dl19(data_root: Path) -> tuple[dict, dict]:
    folder = data_root / "msmarco-trec-dl"
    qrels = read_trec_qrels(folder / "qrels.dl19-passage.txt")
    runs = {
        name: read_trec_run(folder / "pools" / f"run.dl19.{name}.top100.trec") for name in POOLS
    }
    return qrels, runs


def test_dl19_bm25_reproduces_anserini(dl19: tuple[dict, dict]) -> None:
    qrels, runs = dl19
    result = evaluate_run(qrels, runs["bm25"], ["ndcg@10"], rel_level=2)
    assert round(result.mean["ndcg@10"], 4) == 0.5058
    assert result.n_queries == 43 and result.n_unanswered == 0


@pytest.mark.parametrize(
    ("name", "published"),
    [("splade_p_p_ensemble_distil", 0.7308), ("d_bert_kd_tasb", 0.7210), ("open_ai_ada2", 0.7035)],
)
def test_dl19_published_runs(dl19: tuple[dict, dict], name: str, published: float) -> None:
    qrels, runs = dl19
    assert (
        round(evaluate_run(qrels, runs[name], ["ndcg@10"], rel_level=2).mean["ndcg@10"], 4)
        == published
    )


@pytest.mark.parametrize("name", POOLS)
def test_matches_trec_eval_per_query(dl19: tuple[dict, dict], name: str) -> None:
    """ranx through our door equals trec_eval (pytrec_eval) query by query, on real runs."""
    qrels, runs = dl19
    run = runs[name]
    ours = evaluate_run(
        qrels, run, ["ndcg@10", "map@100", "recall@100", "precision@10"], rel_level=2
    )
    full = pytrec_eval.RelevanceEvaluator(qrels, {"ndcg_cut.10"}).evaluate(run)
    binary = pytrec_eval.RelevanceEvaluator(
        qrels, {"map_cut.100", "recall.100", "P.10"}, relevance_level=2
    ).evaluate(run)
    for qid in qrels:
        assert ours.per_query["ndcg@10"][qid] == pytest.approx(full[qid]["ndcg_cut_10"], abs=1e-4)
        assert ours.per_query["map@100"][qid] == pytest.approx(binary[qid]["map_cut_100"], abs=1e-4)
        assert ours.per_query["recall@100"][qid] == pytest.approx(
            binary[qid]["recall_100"], abs=1e-4
        )
        assert ours.per_query["precision@10"][qid] == pytest.approx(binary[qid]["P_10"], abs=1e-4)


def test_unanswered_queries_score_zero() -> None:
    qrels = {"q1": {"d1": 1}, "q2": {"d2": 1}}
    run = {"q1": {"d1": 2.0, "d3": 1.0}, "q9": {"d2": 1.0}}
    result = evaluate_run(qrels, run, ["ndcg@10", "recall@10"], rel_level=1)
    assert result.per_query["ndcg@10"] == {"q1": 1.0, "q2": 0.0}
    assert result.mean["ndcg@10"] == 0.5
    assert (result.n_unanswered, result.n_dropped) == (1, 1)


def test_rel_level_applies_to_binary_metrics_only() -> None:
    qrels = {"q1": {"a": 1, "b": 2}}
    run = {"q1": {"a": 2.0, "b": 1.0}}
    lenient = evaluate_run(qrels, run, ["mrr@10", "ndcg@10"], rel_level=1)
    strict = evaluate_run(qrels, run, ["mrr@10", "ndcg@10"], rel_level=2)
    assert lenient.mean["mrr@10"] == 1.0
    assert strict.mean["mrr@10"] == 0.5
    assert lenient.mean["ndcg@10"] == strict.mean["ndcg@10"]
    assert with_rel_level("recall@100", 2) == "recall@100-l2"
    assert with_rel_level("ndcg@10", 2) == "ndcg@10"


def test_the_split_brings_its_relevance_level() -> None:
    """A grade-1 document is not relevant on a rel_level=2 split, with no level passed."""
    qrels = {"q1": {"a": 1, "b": 2}}
    run = {"q1": {"a": 2.0, "b": 1.0}}
    dataset = Dataset(
        "graded",
        Corpus([Doc("a", "x"), Doc("b", "y")]),
        {"test": Split("test", {"q1": "query"}, qrels)},
        rel_level=2,
    )
    split = dataset.split("test")
    assert split.rel_level == 2 and dataset.splits["test"].rel_level == 2
    result = evaluate(split, run, ["mrr@10", "recall@1"])
    assert result.rel_level == 2
    assert result.mean == {"mrr@10": 0.5, "recall@1": 0.0}
    assert evaluate(split, run, ["mrr@10"], rel_level=1).mean["mrr@10"] == 1.0


def test_bare_qrels_need_an_explicit_relevance_level() -> None:
    with pytest.raises(TypeError, match="rel_level"):
        evaluate_run({"q1": {"a": 1}}, {"q1": {"a": 1.0}}, ["mrr@10"])  # type: ignore[call-arg]


def test_judged_only_condenses_lists() -> None:
    qrels = {"q1": {"a": 1, "b": 0}}
    run = {"q1": {"x": 3.0, "y": 2.5, "a": 2.0}}
    assert evaluate_run(qrels, run, ["mrr@10"], rel_level=1).mean["mrr@10"] == pytest.approx(1 / 3)
    condensed = evaluate_run(qrels, run, ["mrr@10"], rel_level=1, judged_only=True)
    assert condensed.mean["mrr@10"] == 1.0


def test_input_is_not_mutated() -> None:
    qrels = {"q1": {"a": 1}}
    run = {"q1": {"a": 1.0}, "q2": {"b": 1.0}}
    evaluate_run(qrels, run, rel_level=1)
    assert run == {"q1": {"a": 1.0}, "q2": {"b": 1.0}}


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(EvaluationError, match="empty"):
        evaluate_run({}, {"q": {"d": 1.0}}, rel_level=1)
    with pytest.raises(EvaluationError, match="integer grades"):
        evaluate_run({"q": {"d": 0.5}}, {"q": {"d": 1.0}}, rel_level=1)  # type: ignore[dict-item]
    with pytest.raises(EvaluationError, match="name\\[@k\\]"):
        evaluate_run({"q": {"d": 1}}, {"q": {"d": 1.0}}, ["ndcg@ten"], rel_level=1)


def test_metric_keys_are_mlflow_safe() -> None:
    assert metric_key("ndcg@10") == "ndcg_at_10"
    assert metric_key("recall@100-l2") == "recall_at_100_l2"
    assert query_set_id(["b", "a"]) == query_set_id(["a", "b"]) != query_set_id(["a"])
