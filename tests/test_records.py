"""One ranking order: every cut and ordering of a run agrees with ``records.ranking`` (trec_eval's).

The real RepLLaMA DL19 run rounds its scores to three decimals, so most of its queries have tied
scores inside the top 10 and many have a tie across the cut at 10: the places where an order that
breaks ties by doc id ascending (instead of descending, as trec_eval does) shows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rerank_bench.data.io import read_trec_run
from rerank_bench.data.records import Corpus, Dataset, Queries, Run, Split, pairs, ranking, top
from rerank_bench.errors import ConfigError
from rerank_bench.feedback import UserModel
from rerank_bench.feedback.simulate import simulate_entries
from rerank_bench.retrieval.base import Retriever
from rerank_bench.retrieval.fusion import FusionRetriever, rrf

REP_LLAMA = "msmarco-trec-dl/pools/run.dl19.rep_llama.top100.trec"
K = 10


class ServedRun(Retriever):
    """A first stage that serves each query's top ``k`` of a fixed run, worst first.

    Serving in reverse makes sure the caller sorts: dict order never hands it the right answer.
    """

    def __init__(self, run: Run, alias: dict[str, str] | None = None) -> None:
        self.run = run
        self.alias = alias or {}

    def retrieve(self, corpus: Corpus, queries: Queries, k: int) -> Run:
        served = {}
        for qid in queries:
            docs = self.run.get(self.alias.get(qid, qid), {})
            served[qid] = dict(reversed(top(docs, k)))
        return served

    def cache_key(self) -> dict[str, Any]:
        return {"type": "served"}


@pytest.fixture(scope="module")
def tied_run(data_root: Path) -> Run:
    return read_trec_run(data_root / REP_LLAMA)


def _ascending_ties(docs: dict[str, float]) -> list[str]:
    return [d for d, _ in sorted(docs.items(), key=lambda item: (-item[1], item[0]))]


def test_ranking_breaks_ties_by_doc_id_descending() -> None:
    docs = {"a": 1.0, "c": 1.0, "b": 2.0}
    assert ranking(docs) == [("b", 2.0), ("c", 1.0), ("a", 1.0)]
    assert top(docs, 2) == [("b", 2.0), ("c", 1.0)]
    assert top(docs, None) == top(docs, 10) == ranking(docs)
    assert top(docs, 0) == []
    with pytest.raises(ConfigError, match="k >= 0"):
        top(docs, -1)


def test_pairs_are_in_run_order_then_rank_order() -> None:
    run = {"q2": {"a": 1.0, "b": 1.0, "c": 0.5}, "q1": {"x": 3.0}}
    assert pairs(run, 2) == [("q2", "b"), ("q2", "a"), ("q1", "x")]
    assert pairs(run, 0) == []


def test_the_real_run_has_ties_where_the_orders_differ(tied_run: Run) -> None:
    """The premise of the tests below: ascending tie-breaks change the top 10 of many queries."""
    assert all(top(docs, K) == ranking(docs)[:K] for docs in tied_run.values())
    assert sum(_ascending_ties(d)[:K] != [x for x, _ in top(d, K)] for d in tied_run.values()) > 30
    cut = [set(_ascending_ties(d)[:K]) != {x for x, _ in top(d, K)} for d in tied_run.values()]
    assert sum(cut) > 10
    assert pairs(tied_run, K) == [(q, d) for q, docs in tied_run.items() for d, _ in top(docs, K)]


def test_fusion_cuts_and_ranks_ties_as_ranking_does(tied_run: Run) -> None:
    queries = {qid: "" for qid in tied_run}
    # A weighted sum without normalisation keeps the run's ties, so the top-k cut meets them.
    fusion = FusionRetriever([ServedRun(tied_run), ServedRun(tied_run)], "wsum", norm="none")
    fused = fusion.retrieve(Corpus([]), queries, K)
    for qid, docs in tied_run.items():
        assert list(fused[qid]) == [d for d, _ in top(docs, K)]
    # RRF ranks tied documents in ranking order: the one ranked first gets 1 / (k + 1).
    reciprocal = rrf([tied_run], k=0)
    for qid, docs in tied_run.items():
        assert [d for d, _ in ranking(reciprocal[qid])] == [d for d, _ in ranking(docs)]
        assert reciprocal[qid][ranking(docs)[0][0]] == 1.0


def test_simulated_users_see_the_list_in_ranking_order(tied_run: Run) -> None:
    qid, docs = next(
        (q, d) for q, d in tied_run.items() if _ascending_ties(d)[:K] != [x for x, _ in top(d, K)]
    )
    judged = {qid: {ranking(docs)[0][0]: 1}}
    dataset = Dataset("tied", Corpus([]), {"train": Split("train", {qid: "a question"}, judged)})
    users = UserModel(depth=K, n_variants=1, p_perturb=0.0)
    served = ServedRun(tied_run, alias={f"{qid}\t0": qid})
    entries = list(simulate_entries(dataset, 5, seed=0, user_model=users, retriever=served))
    assert entries and all(entry.shown == tuple(d for d, _ in top(docs, K)) for entry in entries)
