"""Hosted re-rankers (Cohere v2, Voyage) against the real local HTTP server.

Why: rerank responses come back sorted by relevance, not in input order; a re-ranker that maps
scores by position instead of by ``index`` silently scrambles every query. These tests check each
pair's score against the server's own scoring function, under shuffling, splitting, retries and
caching.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from api_server import FakeProviderServer, Fault, rerank_score

from rerank_bench.data.records import Corpus, Doc, Run
from rerank_bench.reranking.api_rerank import ApiReranker
from rerank_bench.retrieval.api.client import ClientSettings
from rerank_bench.retrieval.api.errors import ApiRequestError, DryRunStop

KEY_ENV = "RB_FAKE_RERANK_KEY"
CLIENT_FIELDS = {f.name for f in fields(ClientSettings)}
WORDS = ["amber", "basalt", "cobalt", "delta", "ember", "fjord", "granite", "harbor", "iris"]


@pytest.fixture
def server() -> Iterator[FakeProviderServer]:
    with FakeProviderServer() as running:
        yield running


@pytest.fixture(autouse=True)
def api_key(server: FakeProviderServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, server.api_key)


def make_data(n_docs: int = 30) -> tuple[Corpus, dict[str, str], Run]:
    corpus = Corpus(
        Doc(f"d{i:02d}", " ".join(WORDS[j] for j in range(len(WORDS)) if (i >> j) & 1) or "none")
        for i in range(n_docs)
    )
    queries = {"q1": "amber basalt cobalt", "q2": "delta ember", "q3": "iris granite fjord"}
    # first stage: every document, scored by id (a ranking unrelated to relevance)
    run = {qid: {f"d{i:02d}": float(n_docs - i) for i in range(n_docs)} for qid in queries}
    return corpus, queries, run


def make_reranker(
    server: FakeProviderServer, provider: str, tmp_path: Path, **kw: Any
) -> ApiReranker:
    """A re-ranker of the fake server; ``kw`` sets its arguments or its client's (by name)."""
    client: dict[str, Any] = {
        "api_key_env": KEY_ENV,
        "base_url": server.url(provider),
        "cache_path": tmp_path / "api.sqlite",
        "concurrency": 1,
        "backoff_base_s": 0.01,
        "backoff_max_s": 0.05,
        "max_retries": 3,
        "seed": 0,
    }
    client.update({k: kw.pop(k) for k in list(kw) if k in CLIENT_FIELDS})
    settings = {"name": f"fake-{provider}-rerank", "provider": provider, "model": "fake-rerank"}
    return ApiReranker(**{**settings, **kw}, client=ClientSettings(**client))


def assert_scores(reranked: Run, corpus: Corpus, queries: dict[str, str], depth: int) -> None:
    for qid, docs in reranked.items():
        top = sorted(docs, key=lambda d: -docs[d])[:depth]
        for doc_id in top:
            assert docs[doc_id] == pytest.approx(rerank_score(queries[qid], corpus[doc_id].text))


@pytest.mark.parametrize("provider", ["cohere", "voyage"])
def test_scores_map_back_by_index_for_each_provider(
    server: FakeProviderServer, provider: str, tmp_path: Path
) -> None:
    corpus, queries, run = make_data()
    reranker = make_reranker(server, provider, tmp_path, depth=20)
    reranked = reranker.rerank(corpus, queries, run)
    assert_scores(reranked, corpus, queries, depth=20)
    requests = server.recorded("rerank")
    assert len(requests) == 3, "one request per query"
    for request in requests:
        assert len(request.inputs) == 20
        top = request.body.get("top_n", request.body.get("top_k"))
        assert top == 20, "every document is scored (top_n = all)"
    best = max(reranked["q1"], key=reranked["q1"].get)
    assert rerank_score(queries["q1"], corpus[best].text) == 1.0
    summary = reranker.cost_summary()
    if provider == "cohere":
        assert summary["rerank_api/search_units"] == 3
    else:
        assert summary["rerank_api/tokens"] > 0


def test_shuffled_results_and_small_requests_keep_every_score(
    server: FakeProviderServer, tmp_path: Path
) -> None:
    server.add_fault(Fault(kind="shuffle", times=None))
    corpus, queries, run = make_data()
    reranker = make_reranker(server, "voyage", tmp_path, depth=30, max_documents=7, concurrency=4)
    pairs = [(queries[q], corpus[d].text) for q in run for d in run[q]]
    scores = reranker.score([p[0] for p in pairs], [p[1] for p in pairs])
    np.testing.assert_allclose(scores, [rerank_score(q, d) for q, d in pairs])
    assert len(server.recorded()) == 3 * math.ceil(30 / 7)


def test_rerank_retries_and_splits_too_large_requests(
    server: FakeProviderServer, tmp_path: Path
) -> None:
    server.add_fault(Fault(status=429, headers={"Retry-After": "0.1"}))
    server.max_tokens_per_request = 40
    corpus, queries, run = make_data(16)
    reranker = make_reranker(server, "cohere", tmp_path, depth=16)
    assert_scores(reranker.rerank(corpus, queries, run), corpus, queries, depth=16)
    statuses = [r.status for r in server.recorded()]
    assert statuses[0] == 429 and 400 in statuses
    assert reranker.cost_summary()["rerank_api/rate_limited"] == 1


def test_second_run_is_served_from_the_cache(server: FakeProviderServer, tmp_path: Path) -> None:
    corpus, queries, run = make_data()
    first = make_reranker(server, "cohere", tmp_path, depth=10).rerank(corpus, queries, run)
    server.clear()
    again = make_reranker(server, "cohere", tmp_path, depth=10)
    assert again.rerank(corpus, queries, run) == first
    assert server.recorded() == []
    assert again.cost_summary()["rerank_api/cache_hit_rate"] == 1.0


def test_failure_after_some_queries_resumes_with_the_rest(
    server: FakeProviderServer, tmp_path: Path
) -> None:
    corpus, queries, run = make_data()
    server.add_fault(Fault(status=422, message="invalid document", skip=1))
    with pytest.raises(ApiRequestError, match="invalid document"):
        make_reranker(server, "voyage", tmp_path, depth=10).rerank(corpus, queries, run)
    server.clear()
    reranked = make_reranker(server, "voyage", tmp_path, depth=10).rerank(corpus, queries, run)
    assert len(server.recorded()) == 2, "the query finished before the failure is not paid again"
    assert_scores(reranked, corpus, queries, depth=10)


def test_dry_run_prices_search_units_and_sends_nothing(
    server: FakeProviderServer, tmp_path: Path
) -> None:
    corpus, queries, run = make_data()
    reranker = make_reranker(
        server, "cohere", tmp_path, depth=30, dry_run=True, price_per_1k_search_units=2.0
    )
    with pytest.raises(DryRunStop) as info:
        reranker.rerank(corpus, queries, run)
    assert server.recorded() == []
    assert info.value.estimate["rerank_api/estimated_search_units"] == 3
    assert info.value.estimate["rerank_api/estimated_cost_usd"] == pytest.approx(3 * 2.0 / 1000)


def test_openai_has_no_rerank_endpoint(server: FakeProviderServer, tmp_path: Path) -> None:
    from rerank_bench.errors import ConfigError

    with pytest.raises(ConfigError, match="no rerank endpoint"):
        make_reranker(server, "openai", tmp_path)
    assert "api_key" not in str(make_reranker(server, "cohere", tmp_path).cache_key())
