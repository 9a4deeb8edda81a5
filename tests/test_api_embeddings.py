"""API embedding retriever against a real local HTTP server speaking the providers' formats.

Why: a paid run must never lose, duplicate or misplace a vector, must wait as long as the provider
asks, must not pay twice, and must resume after a crash. Every fault is produced by a real
``ThreadingHTTPServer`` (tests/api_server.py) and the results are compared with the vectors the
server computes for each text.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from api_server import FakeProviderServer, Fault, embed_text

from rerank_bench.data.records import Corpus, Doc
from rerank_bench.errors import DataFormatError
from rerank_bench.retrieval.api.cache import ApiCache, EmbeddingSpace
from rerank_bench.retrieval.api.client import ClientSettings
from rerank_bench.retrieval.api.errors import (
    ApiRequestError,
    ApiResponseError,
    ApiRetryError,
    DryRunStop,
)
from rerank_bench.retrieval.api_retriever import ApiEmbeddingRetriever

DIM = 128
KEY_ENV = "RB_FAKE_API_KEY"
CLIENT_FIELDS = {f.name for f in fields(ClientSettings)}
TOPICS = ["volcano", "glacier", "nebula", "orchid", "saxophone", "tundra", "quasar", "papyrus"]


@pytest.fixture
def server() -> Iterator[FakeProviderServer]:
    with FakeProviderServer(dim=DIM) as running:
        yield running


@pytest.fixture(autouse=True)
def api_key(server: FakeProviderServer, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(KEY_ENV, server.api_key)
    return server.api_key


def make_corpus(n: int = 40) -> Corpus:
    return Corpus(
        Doc(f"d{i:03d}", f"passage {i} about the {TOPICS[i % len(TOPICS)]} number{i}", f"T{i}")
        for i in range(n)
    )


QUERIES = {"q1": "glacier number9", "q2": "quasar number22", "q3": "orchid"}


def make_retriever(
    server: FakeProviderServer, provider: str, tmp_path: Path, **overrides: Any
) -> ApiEmbeddingRetriever:
    """A retriever of the fake server; ``overrides`` set its arguments or its client's (by name)."""
    client: dict[str, Any] = {
        "api_key_env": KEY_ENV,
        "base_url": server.url(provider),
        "cache_path": tmp_path / "cache" / "api.sqlite",
        "concurrency": 1,
        "backoff_base_s": 0.01,
        "backoff_max_s": 0.05,
        "timeout_s": 5.0,
        "max_retries": 3,
        "seed": 0,
    }
    client.update({k: overrides.pop(k) for k in list(overrides) if k in CLIENT_FIELDS})
    settings = {"name": f"fake-{provider}", "provider": provider, "model": "fake-embed"}
    return ApiEmbeddingRetriever(**{**settings, **overrides}, client=ClientSettings(**client))


def expected_matrix(texts: list[str], dim: int = DIM) -> np.ndarray:
    return np.stack([embed_text(t, "fake-embed", DIM)[:dim] for t in texts]).astype(np.float32)


def assert_aligned(matrix: np.ndarray, texts: list[str], dim: int = DIM) -> None:
    expected = expected_matrix(texts, dim)
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    assert matrix.shape == expected.shape
    np.testing.assert_allclose(matrix, expected, atol=1e-6)


@pytest.mark.parametrize("provider", ["openai", "cohere", "voyage"])
def test_retrieval_is_meaningful_and_vectors_aligned_for_each_provider(
    server: FakeProviderServer, provider: str, tmp_path: Path
) -> None:
    corpus = make_corpus()
    retriever = make_retriever(server, provider, tmp_path, max_items=7, concurrency=3)
    run = retriever.retrieve(corpus, QUERIES, k=5)
    assert set(run) == set(QUERIES) and all(len(docs) == 5 for docs in run.values())
    assert max(run["q1"], key=run["q1"].get) == "d009"
    assert max(run["q2"], key=run["q2"].get) == "d022"
    doc_ids, matrix = retriever.embed_corpus(corpus)
    assert_aligned(matrix, corpus.texts(doc_ids))
    embeds = server.recorded("embed")
    assert all(len(r.inputs) <= 7 for r in embeds)
    types = {r.body.get("input_type") for r in embeds}
    assert (
        types
        == {
            "openai": {None},
            "cohere": {"search_query", "search_document"},
            "voyage": {"query", "document"},
        }[provider]
    )
    summary = retriever.cost_summary()
    assert summary["api/tokens"] > 0 and summary["api/requests"] == len(embeds)
    assert summary["api/cache_hits"] == len(corpus), "the second embed_corpus is free"


@pytest.mark.parametrize(
    ("provider", "limit"), [("openai", 2048), ("cohere", 96), ("voyage", 1000)]
)
def test_batches_respect_each_providers_item_limit(
    server: FakeProviderServer, provider: str, limit: int, tmp_path: Path
) -> None:
    n = limit + 5
    corpus = Corpus(Doc(f"d{i}", f"w{i}") for i in range(n))
    retriever = make_retriever(server, provider, tmp_path, cache_path=None)
    _, matrix = retriever.embed_corpus(corpus)
    sizes = [len(r.inputs) for r in server.recorded("embed")]
    assert sizes == [limit, 5]
    assert matrix.shape == (n, DIM)
    assert_aligned(matrix[-3:], corpus.texts([f"d{i}" for i in range(n - 3, n)]))


def test_voyage_token_budget_splits_batches_before_sending(
    server: FakeProviderServer, tmp_path: Path
) -> None:
    corpus = Corpus(Doc(f"d{i}", " ".join(f"word{j}of{i}" for j in range(30))) for i in range(20))
    retriever = make_retriever(server, "voyage", tmp_path, max_batch_tokens=250)
    _, matrix = retriever.embed_corpus(corpus)
    requests = server.recorded("embed")
    assert len(requests) > 1 and all(len(r.inputs) * 30 <= 250 for r in requests)
    assert sum(len(r.inputs) for r in requests) == 20 and matrix.shape == (20, DIM)


@pytest.mark.parametrize("provider", ["openai", "voyage"])
def test_shuffled_data_is_reassembled_by_index(
    server: FakeProviderServer, provider: str, tmp_path: Path
) -> None:
    server.add_fault(Fault(kind="shuffle", times=None))
    corpus = make_corpus(30)
    doc_ids, matrix = make_retriever(server, provider, tmp_path, max_items=10).embed_corpus(corpus)
    assert all("shuffle" in r.faults for r in server.recorded("embed"))
    assert_aligned(matrix, corpus.texts(doc_ids))


def test_server_error_then_success_is_retried(server: FakeProviderServer, tmp_path: Path) -> None:
    server.add_fault(Fault(status=500, times=2))
    corpus = make_corpus(10)
    retriever = make_retriever(server, "openai", tmp_path)
    doc_ids, matrix = retriever.embed_corpus(corpus)
    assert [r.status for r in server.recorded()] == [500, 500, 200]
    assert_aligned(matrix, corpus.texts(doc_ids))
    summary = retriever.cost_summary()
    assert summary["api/retries"] == 2 and summary["api/server_errors"] == 2


@pytest.mark.parametrize(
    ("headers", "minimum"),
    [
        ({"Retry-After": "0.2"}, 0.2),
        ({"retry-after-ms": "250"}, 0.25),
        ({"x-ratelimit-reset-requests": "20ms", "x-ratelimit-reset-tokens": "300ms"}, 0.3),
    ],
)
def test_rate_limit_waits_at_least_what_the_server_asks(
    server: FakeProviderServer, tmp_path: Path, headers: dict[str, str], minimum: float
) -> None:
    server.add_fault(Fault(status=429, message="Rate limit reached", headers=headers))
    corpus = make_corpus(5)
    retriever = make_retriever(server, "openai", tmp_path)
    doc_ids, matrix = retriever.embed_corpus(corpus)
    first, second = server.recorded()
    assert (first.status, second.status) == (429, 200)
    assert second.started - first.started >= minimum
    assert_aligned(matrix, corpus.texts(doc_ids))
    assert retriever.cost_summary()["api/rate_limited"] == 1


def test_slow_response_times_out_and_is_retried(server: FakeProviderServer, tmp_path: Path) -> None:
    server.add_fault(Fault(kind="slow", delay_s=1.0))
    corpus = make_corpus(5)
    retriever = make_retriever(server, "cohere", tmp_path, timeout_s=0.3)
    doc_ids, matrix = retriever.embed_corpus(corpus)
    assert len(server.recorded()) == 2
    assert retriever.cost_summary()["api/timeouts"] == 1
    assert_aligned(matrix, corpus.texts(doc_ids))


def test_persistent_server_errors_give_up_with_a_clear_error(
    server: FakeProviderServer, tmp_path: Path
) -> None:
    server.add_fault(Fault(status=503, message="overloaded", times=None))
    retriever = make_retriever(server, "voyage", tmp_path, max_retries=2)
    with pytest.raises(
        ApiRetryError, match=r"gave up after 3 attempts; last: HTTP 503: overloaded"
    ):
        retriever.retrieve(make_corpus(5), QUERIES, k=3)
    assert len(server.recorded()) == 3


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens: the port was bound, then released."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


@pytest.mark.parametrize(
    ("base_url", "host", "why"),
    [
        (None, "127.0.0.1:", "nothing accepts connections"),  # None: a closed port, made here
        # The reserved .invalid TLD never resolves (RFC 6761), with or without a network.
        ("http://no-such-host.invalid/v1", "no-such-host.invalid", "name does not resolve"),
    ],
    ids=["connection-refused", "dns-failure"],
)
def test_unreachable_host_fails_fast_with_the_network_fix(
    server: FakeProviderServer,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    base_url: str | None,
    host: str,
    why: str,
) -> None:
    base_url = base_url or closed_port_url()
    retriever = make_retriever(server, "openai", tmp_path, base_url=base_url, max_retries=8)
    caplog.set_level(logging.WARNING, logger="rerank_bench.retrieval.api.client")
    with pytest.raises(ApiRetryError) as info:
        retriever.embed_corpus(make_corpus(5))
    assert (retriever.stats.requests, retriever.stats.retries) == (2, 1), "one retry, not eight"
    assert len([r for r in caplog.records if "retry" in r.getMessage()]) == 1
    message = str(info.value)
    assert f"cannot reach {host}" in message and why in message
    assert "no network? check your connection" in message and f"base_url={base_url!r}" in message
    assert str(tmp_path / "cache" / "api.sqlite") in message and "api-cache import" in message
    assert "retry later" not in message


def test_unreachable_host_without_retries_is_tried_once(
    server: FakeProviderServer, tmp_path: Path
) -> None:
    retriever = make_retriever(
        server, "openai", tmp_path, base_url=closed_port_url(), max_retries=0, cache_path=None
    )
    with pytest.raises(ApiRetryError, match=r"after 1 attempt.*set client.cache_path") as info:
        retriever.embed_corpus(make_corpus(5))
    assert retriever.stats.requests == 1 and "cannot reach 127.0.0.1:" in str(info.value)


def test_too_many_tokens_splits_the_batch_and_loses_nothing(
    server: FakeProviderServer, tmp_path: Path
) -> None:
    server.max_tokens_per_request = 40  # each text is 8 server tokens: at most 5 per request
    corpus = make_corpus(16)
    retriever = make_retriever(server, "openai", tmp_path)
    doc_ids, matrix = retriever.embed_corpus(corpus)
    statuses = [r.status for r in server.recorded()]
    assert statuses.count(400) >= 2 and statuses[-1] == 200
    answered = [t for r in server.recorded() if r.status == 200 for t in r.inputs]
    assert sorted(answered) == sorted(corpus.texts(doc_ids)), "each text embedded exactly once"
    assert_aligned(matrix, corpus.texts(doc_ids))


def test_a_single_text_too_large_fails_with_a_fix(
    server: FakeProviderServer, tmp_path: Path
) -> None:
    server.max_tokens_per_request = 10
    corpus = Corpus([Doc("long", " ".join(["word"] * 50)), Doc("short", "tiny text")])
    with pytest.raises(ApiRequestError, match="single input exceeds"):
        make_retriever(server, "voyage", tmp_path).embed_corpus(corpus)


@pytest.mark.parametrize("provider", ["openai", "cohere", "voyage"])
def test_bad_key_fails_at_once_with_the_provider_message_and_no_key(
    server: FakeProviderServer,
    provider: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    wrong = "sk-live-WRONGKEY-4f9a8b7c6d5e4f3a2b1c"
    monkeypatch.setenv(KEY_ENV, wrong)
    retriever = make_retriever(server, provider, tmp_path)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ApiRequestError) as info:
        retriever.retrieve(make_corpus(5), QUERIES, k=3)
    assert len(server.recorded()) == 1, "a 401 is never retried"
    assert info.value.status == 401
    message = str(info.value)
    assert {"openai": "Incorrect API key provided", "cohere": "invalid api token"}.get(
        provider, "Provided API key"
    ) in message
    assert "[REDACTED]" in message and "Fix:" in message
    assert server.recorded()[0].headers["authorization"] == f"Bearer {wrong}"
    for text in (
        message,
        repr(info.value),
        repr(retriever),
        caplog.text,
        str(retriever.cache_key()),
    ):
        assert wrong not in text and "4f9a8b7c" not in text


def test_dropped_item_is_an_error_never_a_shift(server: FakeProviderServer, tmp_path: Path) -> None:
    server.add_fault(Fault(kind="drop", skip=1))
    retriever = make_retriever(server, "openai", tmp_path, max_items=5)
    with pytest.raises(ApiResponseError, match="sent 5 inputs but received 4"):
        retriever.embed_corpus(make_corpus(15))
    assert ApiCache(tmp_path / "cache" / "api.sqlite").count()["embeddings"] == 5


@pytest.mark.parametrize("concurrency", [1, 4])
def test_crash_mid_run_resumes_from_the_cache(
    server: FakeProviderServer, tmp_path: Path, concurrency: int
) -> None:
    corpus = make_corpus(60)
    server.add_fault(Fault(status=400, message="invalid input in batch", skip=3, endpoint="embed"))
    first = make_retriever(server, "cohere", tmp_path, max_items=6, concurrency=concurrency)
    with pytest.raises(ApiRequestError, match="invalid input in batch"):
        first.retrieve(corpus, QUERIES, k=3)
    paid = {t for r in server.recorded() if r.status == 200 for t in r.inputs}
    assert 3 * 6 <= len(paid) < 60
    assert ApiCache(tmp_path / "cache" / "api.sqlite").count()["embeddings"] == len(paid)

    server.clear()
    second = make_retriever(server, "cohere", tmp_path, max_items=6, concurrency=concurrency)
    run = second.retrieve(corpus, QUERIES, k=3)
    again = [
        t
        for r in server.recorded()
        if r.body.get("input_type") == "search_document"
        for t in r.inputs
    ]
    assert not paid & set(again), "finished batches are never paid again"
    assert sorted(paid | set(again)) == sorted(corpus.texts(corpus))
    assert second.cost_summary()["api/cache_hits"] == len(paid)
    assert max(run["q1"], key=run["q1"].get) == "d009"


def test_second_run_hits_the_cache_for_everything(
    server: FakeProviderServer, tmp_path: Path
) -> None:
    corpus = make_corpus()
    first_run = make_retriever(server, "voyage", tmp_path).retrieve(corpus, QUERIES, k=10)
    server.clear()
    second = make_retriever(server, "voyage", tmp_path)
    assert second.retrieve(corpus, QUERIES, k=10) == first_run
    assert server.recorded() == []
    summary = second.cost_summary()
    assert summary["api/cache_hit_rate"] == 1.0 and summary["api/requests"] == 0
    assert summary["api/cost_usd"] == 0.0


def test_cache_separates_models_dimensions_dtypes_and_input_types(
    server: FakeProviderServer, tmp_path: Path
) -> None:
    corpus = make_corpus(10)
    make_retriever(server, "cohere", tmp_path).embed_corpus(corpus)
    for overrides in (
        {"dimensions": 32},
        {"dtype": "int8"},
        {"model": "other"},
        {"truncation": "START"},
    ):
        server.clear()
        _, matrix = make_retriever(server, "cohere", tmp_path, **overrides).embed_corpus(corpus)
        assert len(server.recorded()) == 1, overrides
    assert matrix.shape == (10, DIM)
    server.clear()
    _, small = make_retriever(server, "cohere", tmp_path, dimensions=32).embed_corpus(corpus)
    assert small.shape == (10, 32) and server.recorded() == []
    assert server.recorded() == []
    server.clear()
    make_retriever(server, "cohere", tmp_path).embed_queries({"q": corpus.texts(["d001"])[0]})
    assert len(server.recorded()) == 1, "query vectors are cached apart from document vectors"


def test_export_and_import_share_the_cache(server: FakeProviderServer, tmp_path: Path) -> None:
    corpus = make_corpus()
    mine = tmp_path / "mine"
    make_retriever(server, "openai", mine).retrieve(corpus, QUERIES, k=5)
    make_retriever(server, "voyage", mine).embed_queries(QUERIES)
    source = ApiCache(mine / "cache" / "api.sqlite")
    shared = tmp_path / "shared" / "openai.sqlite"
    assert source.export(shared, provider="openai") == len(corpus) + len(QUERIES)
    theirs = ApiCache(tmp_path / "theirs" / "cache" / "api.sqlite")
    assert theirs.import_from(shared) == len(corpus) + len(QUERIES)
    assert theirs.import_from(shared) == 0, "importing twice adds nothing"
    theirs.close()
    server.clear()
    retriever = make_retriever(server, "openai", tmp_path / "theirs")
    retriever.retrieve(corpus, QUERIES, k=5)
    assert server.recorded() == [] and retriever.cost_summary()["api/cache_hit_rate"] == 1.0


def test_import_rejects_a_file_that_is_not_a_cache(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.sqlite"
    bogus.write_text("not a database at all, just text" * 10)
    with pytest.raises(DataFormatError, match="not a rerank-bench API cache"):
        ApiCache(tmp_path / "c.sqlite").import_from(bogus)


def write_truncated_cache(path: Path) -> Path:
    """A real cache of 300 vectors, cut to half its size (a crash mid-copy, a full disk)."""
    space = EmbeddingSpace("openai", "fake-embed", "none", 0, "float", "none")
    cache = ApiCache(path)
    cache.put_embeddings(space, [(f"sha-{i}", np.full(64, i, np.float32)) for i in range(300)])
    cache.close()
    assert not path.with_name(path.name + "-wal").exists(), "closing checkpointed the WAL"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def test_a_truncated_cache_names_the_file_and_the_fix(
    server: FakeProviderServer, tmp_path: Path
) -> None:
    path = write_truncated_cache(tmp_path / "cache" / "api.sqlite")
    retriever = make_retriever(server, "openai", tmp_path)
    with pytest.raises(DataFormatError) as info:
        retriever.retrieve(make_corpus(5), QUERIES, k=3)
    message = str(info.value)
    assert message.startswith(f"{path}: not a valid SQLite database")
    assert "delete api.sqlite" in message and "fetched again, which costs API calls" in message
    assert "api-cache import" in message
    assert server.recorded() == [], "nothing is paid for while the cache is unreadable"
    path.unlink()  # the fix: the same retriever then starts a fresh cache
    retriever.retrieve(make_corpus(5), QUERIES, k=3)
    assert ApiCache(path).count()["embeddings"] == 5 + len(QUERIES)


def test_a_file_that_is_not_a_database_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "api_embeddings.sqlite"
    path.write_text("vectors? no: someone saved a log here\n" * 200)
    with pytest.raises(DataFormatError, match=r"not a valid SQLite database \(file is not") as info:
        ApiCache(path).count()
    assert info.value.path == str(path)


def test_import_blames_a_damaged_export_not_the_cache(tmp_path: Path) -> None:
    export = write_truncated_cache(tmp_path / "export.sqlite")
    cache = ApiCache(tmp_path / "mine.sqlite")
    with pytest.raises(DataFormatError) as info:
        cache.import_from(export)
    assert info.value.path == str(export)
    assert cache.count() == {"embeddings": 0, "rerank_scores": 0}


def test_dry_run_estimates_and_sends_nothing(server: FakeProviderServer, tmp_path: Path) -> None:
    corpus = make_corpus()
    retriever = make_retriever(server, "openai", tmp_path, dry_run=True, price_per_1m_tokens=0.02)
    with pytest.raises(DryRunStop, match="no request was sent") as info:
        retriever.retrieve(corpus, QUERIES, k=5)
    estimate = info.value.estimate
    assert server.recorded() == []
    assert estimate["api/estimated_requests"] == 2  # documents, then queries
    assert estimate["api/estimated_tokens"] >= sum(len(t.split()) for t in corpus.texts(corpus))
    assert estimate["api/estimated_cost_usd"] == pytest.approx(
        estimate["api/estimated_tokens"] * 0.02 / 1e6
    )
    make_retriever(server, "openai", tmp_path).retrieve(corpus, QUERIES, k=5)
    warm = make_retriever(server, "openai", tmp_path, dry_run=True)
    assert warm.estimate_cost(corpus, QUERIES)["api/estimated_tokens"] == 0, "cached is free"


def test_concurrency_keeps_requests_in_flight(server: FakeProviderServer, tmp_path: Path) -> None:
    # Each answer is held until all 8 requests are in flight: only a client that really sends
    # them together gets 8 answers at once (a serial one waits out each hold and is seen at 1).
    server.add_fault(Fault(kind="gather", parties=8, delay_s=10.0, times=None))
    corpus = make_corpus(40)
    retriever = make_retriever(
        server, "openai", tmp_path, max_items=5, concurrency=8, timeout_s=30.0
    )
    doc_ids, matrix = retriever.embed_corpus(corpus)
    assert len(server.recorded()) == 8
    assert server.max_in_flight == 8, f"at most {server.max_in_flight} of 8 requests in flight"
    assert_aligned(matrix, corpus.texts(doc_ids))


def test_concurrency_never_exceeds_the_setting(server: FakeProviderServer, tmp_path: Path) -> None:
    server.add_fault(Fault(kind="slow", delay_s=0.05, times=None))
    corpus = make_corpus(40)
    retriever = make_retriever(server, "openai", tmp_path, max_items=4, concurrency=3)
    doc_ids, matrix = retriever.embed_corpus(corpus)
    assert len(server.recorded()) == 10 and server.max_in_flight <= 3
    assert_aligned(matrix, corpus.texts(doc_ids))


def test_rate_limit_under_concurrency_loses_nothing(
    server: FakeProviderServer, tmp_path: Path
) -> None:
    server.add_fault(Fault(status=429, headers={"Retry-After": "0.1"}, times=3))
    server.add_fault(Fault(status=502, times=2))
    server.add_fault(Fault(kind="shuffle", times=None))
    corpus = make_corpus(50)
    retriever = make_retriever(
        server, "voyage", tmp_path, max_items=4, concurrency=6, max_retries=6
    )
    doc_ids, matrix = retriever.embed_corpus(corpus)
    assert_aligned(matrix, corpus.texts(doc_ids))
    assert retriever.cost_summary()["api/retries"] == 5


def test_azure_style_deployment_uses_api_key_header_and_version(
    server: FakeProviderServer, tmp_path: Path
) -> None:
    retriever = make_retriever(
        server,
        "openai",
        tmp_path,
        base_url=server.url("azure"),
        auth_style="api-key",
        api_version="2024-02-01",
    )
    doc_ids, matrix = retriever.embed_corpus(make_corpus(4))
    (request,) = server.recorded()
    assert (
        request.query == {"api-version": ["2024-02-01"]} and "authorization" not in request.headers
    )
    assert_aligned(matrix, make_corpus(4).texts(doc_ids))


def test_empty_texts_get_zero_vectors_without_a_request(
    server: FakeProviderServer, tmp_path: Path
) -> None:
    corpus = Corpus([Doc("a", "glacier ice"), Doc("b", "   "), Doc("c", "glacier ice")])
    retriever = make_retriever(server, "openai", tmp_path)
    _, matrix = retriever.embed_corpus(corpus)
    (request,) = server.recorded()
    assert request.inputs == ["glacier ice"], "duplicates are sent once, empties never"
    assert not matrix[1].any() and np.array_equal(matrix[0], matrix[2])
    assert retriever.cost_summary()["api/empty_inputs"] == 1


def test_cache_key_and_repr_hold_no_secret_or_url(
    server: FakeProviderServer, tmp_path: Path
) -> None:
    retriever = make_retriever(server, "openai", tmp_path)
    key = retriever.cache_key()
    assert server.api_key not in repr(key) and KEY_ENV not in repr(key)
    assert "base_url" not in key and key["model"] == "fake-embed" and key["provider"] == "openai"
    assert server.api_key not in repr(retriever)
