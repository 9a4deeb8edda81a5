"""Serving cost: latency per query through the whole pipeline, the cache never timed, API stages
priced at their list price, and the table's cost columns and frontier built from real runs."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from hydra.utils import instantiate
from mlflow.tracking import MlflowClient

from rerank_bench.cli import main
from rerank_bench.config import compose_config
from rerank_bench.inference.score_cache import ScoreCache, bypassed, cached_scores
from rerank_bench.machine import describe
from rerank_bench.pipeline import run_overrides
from rerank_bench.reporting.tables.cost import pareto_front
from rerank_bench.retrieval.api.batching import estimate_tokens
from rerank_bench.serving import MACHINE_TAG, PRICE_DATE_TAG
from tests.api_server import FakeProviderServer

TINY = ["dataset=dl19_tiny", "retriever=bm25"]


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RERANK_BENCH_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    return tmp_path / "state"


@pytest.fixture()
def server() -> Iterator[FakeProviderServer]:
    with FakeProviderServer() as running:
        yield running


def _run(home: Path, run_id: str) -> tuple[dict[str, float], dict[str, str]]:
    run = MlflowClient(tracking_uri=f"sqlite:///{home / 'mlflow.db'}").get_run(run_id)
    return run.data.metrics, run.data.tags


def test_pareto_front_by_hand() -> None:
    points = [(0.80, 10.0), (0.70, 1.0), (0.75, 20.0), (0.80, 5.0), (0.60, 1.0)]
    # (0.80, 10) loses to (0.80, 5) on cost, (0.75, 20) to both 0.80s, (0.60, 1) to (0.70, 1)
    assert pareto_front(points) == [False, True, False, True, False]
    assert pareto_front([(0.5, 1.0), (0.5, 1.0)]) == [True, True]  # equal points both stay


def test_a_bypassed_score_cache_computes_every_pair_and_keeps_nothing(tmp_path: Path) -> None:
    cache = ScoreCache(tmp_path, {"type": "test"})
    calls: list[int] = []

    def compute(queries: list[str], docs: list[str]) -> np.ndarray:
        calls.append(len(queries))
        return np.array([len(q) + len(d) for q, d in zip(queries, docs, strict=True)], "f4")

    first = cached_scores(cache, ["q", "q"], ["a", "bb"], compute)
    with bypassed():
        timed = cached_scores(cache, ["q", "q", "q"], ["a", "bb", "ccc"], compute)
    again = cached_scores(cache, ["q", "q"], ["a", "bb"], compute)
    assert calls == [2, 3]  # the bypassed call scored its cached pairs too; the last read them
    assert timed.tolist() == [2.0, 3.0, 4.0] and first.tolist() == again.tolist() == [2.0, 3.0]
    assert (cache.computed, cache.hits, len(cache)) == (2, 2, 2)  # the bypass left no trace


def test_searchers_answer_as_retrieve_does(data_root: Path) -> None:
    cfg = compose_config(TINY)
    dataset = instantiate(cfg.dataset).load()
    queries = dataset.split("test").queries
    fusion = instantiate(compose_config([*TINY, "retriever=fusion_rrf"]).retriever)
    for retriever in (instantiate(cfg.retriever), fusion):
        batch = retriever.retrieve(dataset.corpus, queries, 10)
        search = retriever.searcher(dataset.corpus, 10)
        one_by_one = {q: search({q: text})[q] for q, text in queries.items()}
        assert one_by_one == batch, retriever.name


def test_two_tower_index_changes_no_score(data_root: Path) -> None:
    from rerank_bench.pipeline import _reranker

    cfg = compose_config([*TINY, "reranker=bi_encoder"])
    dataset = instantiate(cfg.dataset).load()
    reranker = _reranker(cfg, None, Path("."), "")
    qid, query = next(iter(dataset.split("test").queries.items()))
    doc_ids = list(dataset.corpus)[:12]
    docs = dataset.corpus.texts(doc_ids)
    with bypassed():
        plain = reranker.score([query] * len(docs), docs)
        with reranker.documents_indexed(docs[:6]):  # the rest encoded on demand, then kept
            indexed = reranker.score([query] * len(docs), docs)
    assert np.allclose(plain, indexed, atol=1e-5)
    assert reranker._indexed is None  # nothing held outside the block


def test_a_run_measures_its_serving_cost_and_the_table_shows_it(
    home: Path, data_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reranked = [*TINY, "reranker=splade", "reranker.depth=5", "serving.queries=4",
                "serving.warmup=1"]
    first = run_overrides(reranked)
    again = run_overrides(reranked)  # every pair is in the score cache now
    bm25 = run_overrides([*TINY, "serving.queries=4", "system=bm25 alone"])
    m, tags = _run(home, first.run_id)
    assert 0 < m["latency_p50_ms"] <= m["latency_p95_ms"]
    assert m["serving_pairs_per_s"] > 0 and m["serving_peak_mb"] > 10
    assert tags[MACHINE_TAG] == describe()
    assert "usd_per_1k_queries" not in m and PRICE_DATE_TAG not in tags  # nothing paid
    m_again, _ = _run(home, again.run_id)
    assert "pairs_per_s_rerank" not in m_again  # the batch was served by the cache...
    assert m_again["serving_pairs_per_s"] > 0  # ...the serving cost is the model's, measured
    m_bm25, _ = _run(home, bm25.run_id)
    assert m_bm25["latency_p50_ms"] > 0 and "serving_pairs_per_s" not in m_bm25

    plot = tmp_path / "frontier.png"
    code = main(["table", "--experiment", "rerank-bench", "--rows", "system", "--metrics",
                 "ndcg_at_10", "--plot-frontier", str(plot)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "p50 ms/query" in out and "peak MB" in out and "pairs/s (served)" in out
    assert f"measured it on {describe()}" in out  # one machine, named in the footnote
    assert plot.stat().st_size > 10_000 and f"plot: {plot}" in err


def test_api_systems_are_priced_not_timed(
    home: Path, data_root: Path, server: FakeProviderServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", server.api_key)
    monkeypatch.setenv("CO_API_KEY", server.api_key)
    result = run_overrides([
        "dataset=dl19_tiny", "retriever=openai-3-small",
        f"retriever.client.base_url={server.url('openai')}", "reranker=cohere-rerank",
        f"reranker.client.base_url={server.url('cohere')}", "reranker.depth=10", "k=20",
        "serving.queries=4",
    ])
    m, tags = _run(home, result.run_id)
    queries = list(instantiate(compose_config(TINY).dataset).load().split("test").queries.values())
    embed = 0.02 * sum(estimate_tokens(q) for q in queries) / 1e6 / len(queries)
    rerank = 2.0 * math.ceil(10 / 100) / 1e3  # one search unit per query of <= 100 documents
    assert m["usd_per_1k_queries"] == pytest.approx(1000 * (embed + rerank))
    assert tags[PRICE_DATE_TAG] == "2026-11-25" and tags[MACHINE_TAG] == describe()
    assert "latency_p50_ms" not in m and "serving_peak_mb" not in m
    reranks = [r for r in server.recorded() if r.endpoint == "rerank"]
    assert len(reranks) == len(queries)  # one per query of the evaluation; pricing sent none
