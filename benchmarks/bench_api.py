"""API embedding throughput against the local fake provider server, and the cache on a re-run.

Embeds SciFact (5,183 abstracts, 300 test claims) through ``ApiEmbeddingRetriever`` against the
real HTTP server of tests/api_server.py, which adds a fixed latency per request to stand in for
the network and the provider. For each number of requests in flight it reports texts/s and
requests/s on a cold cache, then re-runs with the warm cache (hit rate, requests sent, time).
A second table injects faults (429 with Retry-After, 500s, shuffled data) to show what retries cost.

Usage: nice -n 10 python benchmarks/bench_api.py [--concurrency 1 4 16] [--latency-ms 50]
       [--batch 64] [--docs 5183]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

from hydra import compose, initialize_config_module
from hydra.utils import instantiate

from rerank_bench.data.records import Corpus
from rerank_bench.retrieval.api.client import ClientSettings
from rerank_bench.retrieval.api_retriever import ApiEmbeddingRetriever

KEY_ENV = "RB_BENCH_API_KEY"


def _server_module() -> ModuleType:
    path = Path(__file__).resolve().parent.parent / "tests" / "api_server.py"
    spec = importlib.util.spec_from_file_location("api_server", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load the fake server from {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["api_server"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _load(name: str, n_docs: int) -> tuple[Corpus, dict[str, str]]:
    with initialize_config_module("rerank_bench.conf", version_base="1.3"):
        cfg = compose("config", [f"dataset={name}"])
    source = instantiate(cfg.dataset)
    dataset = source.load()
    docs = [dataset.corpus[d] for d in list(dataset.corpus)[:n_docs]]
    return Corpus(docs, name=name), dataset.split(source.eval_split).queries


def _retriever(server: Any, cache: Path, concurrency: int, batch: int) -> ApiEmbeddingRetriever:
    client = ClientSettings(
        base_url=server.url("openai"),
        api_key_env=KEY_ENV,
        concurrency=concurrency,
        backoff_base_s=0.05,
        max_retries=8,
        seed=0,
        cache_path=cache,
    )
    return ApiEmbeddingRetriever(
        name="bench-openai",
        provider="openai",
        model="bench-embed",
        client=client,
        max_items=batch,
        price_per_1m_tokens=0.02,
    )


def _timed(retriever: ApiEmbeddingRetriever, corpus: Corpus, queries: dict[str, str]) -> float:
    start = time.perf_counter()
    retriever.retrieve(corpus, queries, k=100)
    return time.perf_counter() - start


def main() -> None:
    from rerank_bench.experiments.results import machine_line

    print(f"machine: {machine_line()}")
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", default="scifact")
    parser.add_argument("--docs", type=int, default=5183)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--batch", type=int, default=64)
    args = parser.parse_args()
    api = _server_module()
    corpus, queries = _load(args.dataset, args.docs)
    n_texts = len(corpus) + len(queries)
    print(
        f"{args.dataset}: {len(corpus)} docs + {len(queries)} queries, batch {args.batch}, "
        f"{args.latency_ms:.0f} ms per request (server), dim {api.DEFAULT_DIM}\n"
    )
    print("| in flight | requests | cold s | texts/s | req/s | warm s | warm hit rate | warm req |")
    print("|" + "---|" * 8)
    with api.FakeProviderServer() as server, tempfile.TemporaryDirectory() as tmp:
        os.environ[KEY_ENV] = server.api_key
        server.add_fault(api.Fault(kind="slow", delay_s=args.latency_ms / 1000.0, times=None))
        for concurrency in args.concurrency:
            cache = Path(tmp) / f"c{concurrency}.sqlite"
            cold = _retriever(server, cache, concurrency, args.batch)
            cold_s = _timed(cold, corpus, queries)
            requests = cold.cost_summary()["api/requests"]
            warm = _retriever(server, cache, concurrency, args.batch)
            warm_s = _timed(warm, corpus, queries)
            summary = warm.cost_summary()
            print(
                f"| {concurrency} | {requests:.0f} | {cold_s:.2f} | {n_texts / cold_s:,.0f} | "
                f"{requests / cold_s:.1f} | {warm_s:.2f} | {summary['api/cache_hit_rate']:.0%} | "
                f"{summary['api/requests']:.0f} |"
            )
        server.clear()
        print("\nWith faults (16 in flight; 429 Retry-After 0.2 s x5, 500 x5, shuffled data):\n")
        server.add_fault(api.Fault(kind="slow", delay_s=args.latency_ms / 1000.0, times=None))
        server.add_fault(
            api.Fault(
                status=429, message="Rate limit reached", headers={"Retry-After": "0.2"}, times=5
            )
        )
        server.add_fault(api.Fault(status=500, times=5))
        server.add_fault(api.Fault(kind="shuffle", times=None))
        faulty = _retriever(server, Path(tmp) / "faults.sqlite", 16, args.batch)
        seconds = _timed(faulty, corpus, queries)
        s = faulty.cost_summary()
        print("| requests | retries | 429 | 5xx | waited s | total s | texts/s | cost USD |")
        print("|" + "---|" * 8)
        print(
            f"| {s['api/requests']:.0f} | {s['api/retries']:.0f} | {s['api/rate_limited']:.0f} | "
            f"{s['api/server_errors']:.0f} | {s['api/wait_s']:.2f} | {seconds:.2f} | "
            f"{n_texts / seconds:,.0f} | {s['api/cost_usd']:.6f} |"
        )


if __name__ == "__main__":
    main()
