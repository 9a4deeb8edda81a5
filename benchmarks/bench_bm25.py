"""BM25 indexing and search throughput: ours (bm25s through BM25Retriever) vs rank_bm25.

Both sides tokenise the same way (bm25s' tokenizer with Snowball stemming and English stopwords),
index the same texts (title + body) and return the top-100, in the same process, so the ratio is
what the engines cost. Also measures the cold start of ``rerank-bench run`` (process start to first
query answered) on the tiny DL19 fixture.

Usage: python benchmarks/bench_bm25.py [--datasets scifact dl19] [--no-cold-start]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import Stemmer
from bm25s.tokenization import Tokenizer
from hydra import compose, initialize_config_module
from hydra.utils import instantiate
from rank_bm25 import BM25Okapi

from rerank_bench.retrieval.bm25 import BM25Retriever


def _load(name: str):
    with initialize_config_module("rerank_bench.conf", version_base="1.3"):
        cfg = compose("config", [f"dataset={name}"])
    source = instantiate(cfg.dataset)
    dataset = source.load()
    return dataset.corpus, dataset.split(source.eval_split).queries


def bench(name: str, k: int = 100) -> dict[str, float]:
    corpus, queries = _load(name)
    texts = [corpus[d].default_text() for d in corpus]
    out: dict[str, float] = {"docs": len(texts), "queries": len(queries)}

    ours = BM25Retriever(k1=1.2, b=0.75, method="robertson", cache_dir=None)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        ours._build(corpus, Path(tmp))
        out["ours_index_s"] = time.perf_counter() - start
        model, tokenizer = ours._load(Path(tmp))
    start = time.perf_counter()
    q_tokens = tokenizer.tokenize(list(queries.values()), update_vocab=False, show_progress=False)
    model.retrieve(q_tokens, k=k, show_progress=False)
    out["ours_search_s"] = time.perf_counter() - start

    stem = Stemmer.Stemmer("english").stemWord
    plain = Tokenizer(stopwords="en", stemmer=stem)
    start = time.perf_counter()
    doc_tokens = plain.tokenize(texts, return_as="string", show_progress=False)
    peer = BM25Okapi(doc_tokens, k1=1.2, b=0.75)
    out["peer_index_s"] = time.perf_counter() - start
    start = time.perf_counter()
    for tokens in plain.tokenize(list(queries.values()), return_as="string", show_progress=False):
        scores = peer.get_scores(tokens)
        np.argpartition(-scores, min(k, len(scores) - 1))[:k]
    out["peer_search_s"] = time.perf_counter() - start
    return out


def cold_start() -> float:
    """Seconds from process start to the end of a BM25 run on the 10-query DL19 fixture."""
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "RERANK_BENCH_HOME": home, "HF_HUB_OFFLINE": "1"}
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "rerank_bench", "run", "dataset=dl19_tiny"],
            env=env,
            check=True,
            capture_output=True,
        )
        return time.perf_counter() - start


def main() -> None:
    from rerank_bench.experiments.results import machine_line

    print(f"machine: {machine_line()}")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["scifact", "dl19"])
    parser.add_argument("--no-cold-start", action="store_true")
    args = parser.parse_args()
    print(
        "| dataset | docs | queries | index docs/s ours | rank_bm25 | ratio | "
        "search q/s ours | rank_bm25 | ratio |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name in args.datasets:
        r = bench(name)
        i_ours, i_peer = r["docs"] / r["ours_index_s"], r["docs"] / r["peer_index_s"]
        s_ours, s_peer = r["queries"] / r["ours_search_s"], r["queries"] / r["peer_search_s"]
        print(
            f"| {name} | {r['docs']:.0f} | {r['queries']:.0f} | {i_ours:,.0f} | {i_peer:,.0f} | "
            f"{i_ours / i_peer:.1f}x | {s_ours:,.0f} | {s_peer:,.0f} | {s_ours / s_peer:.1f}x |"
        )
    if not args.no_cold_start:
        print(
            f"\ncold start `rerank-bench run dataset=dl19_tiny` (process start to table): "
            f"{cold_start():.1f}s"
        )


if __name__ == "__main__":
    main()
