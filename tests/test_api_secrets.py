"""No API key in anything a run writes: one full experiment through the pipeline, then grep.

Why: researchers share MLflow stores, run folders and embedding caches; a key that reaches any of
them is leaked. The run uses the API retriever and the API re-ranker against the local fake
server with a recognisable fake key, and every byte written under the run's folders (MLflow
sqlite store, artifacts, outputs, the API cache) and every log line is searched for it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from api_server import FakeProviderServer
from mlflow.tracking import MlflowClient

from rerank_bench.pipeline import run_overrides

FAKE_KEY = "sk-fake-9Qw7Er5Ty3Ui1Op0As2Df4Gh6Jk8Lz"


@pytest.fixture
def server() -> Iterator[FakeProviderServer]:
    with FakeProviderServer(api_key=FAKE_KEY) as running:
        yield running


def test_full_run_writes_the_key_nowhere(
    server: FakeProviderServer,
    data_root: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    home = tmp_path / "state"
    monkeypatch.setenv("RERANK_BENCH_HOME", str(home))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_KEY)
    monkeypatch.setenv("CO_API_KEY", FAKE_KEY)
    caplog.set_level(logging.DEBUG)
    result = run_overrides(
        [
            "dataset=dl19_tiny",
            f"paths.data={data_root}",
            "retriever=openai-3-small",
            f"retriever.client.base_url={server.url('openai')}",
            "reranker=cohere-rerank",
            f"reranker.client.base_url={server.url('cohere')}",
            "reranker.depth=10",
            "k=20",
        ]
    )
    assert result.metrics["ndcg@10"] > 0.0
    assert {r.endpoint for r in server.recorded()} == {"embed", "rerank"}
    assert all(r.headers["authorization"] == f"Bearer {FAKE_KEY}" for r in server.recorded())

    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    names = {p.name for p in written}
    assert "mlflow.db" in names and "api_embeddings.sqlite" in names and "run.trec" in names
    needles = [FAKE_KEY.encode(), FAKE_KEY[8:24].encode(), FAKE_KEY.encode("utf-16-le")]
    for path in written:
        data = path.read_bytes()
        for needle in needles:
            assert needle not in data, f"the API key leaked into {path}"

    run = MlflowClient(tracking_uri=f"sqlite:///{home / 'mlflow.db'}").get_run(result.run_id)
    everything = [*run.data.params.values(), *run.data.tags.values(), *map(str, run.data.metrics)]
    assert not any(FAKE_KEY in value for value in everything)
    assert run.data.params.get("retriever.client.api_key_env") == "OPENAI_API_KEY"
    out, err = capfd.readouterr()
    assert FAKE_KEY not in caplog.text + out + err
