"""Bi-encoder corpus encoding: ours vs ``SentenceTransformer.encode``, and memory on a 10x corpus.

Part 1 (speed): the same SciFact documents (title + text), the same packaged all-MiniLM-L6-v2, max
length 256, each side in its own process after a warm-up; docs/s, peak memory, and the largest
difference between the two sets of embeddings.

Part 2 (memory): ``DenseRetriever`` builds the cached embeddings of SciFact and of a corpus 10x
larger (each document repeated with a distinct suffix), streamed in chunks into a memmap, then
searches it in blocks. The encoder there is a 1-layer random BERT as wide as MiniLM (384) at 32
tokens, so the run is about memory, not model speed: the embedding matrix grows 10x (memmap on
disk), peak memory must not (beyond the 10x corpus text itself, which the caller holds).

Usage: nice -n 10 python benchmarks/bench_encode.py [--docs 1000] [--scale 10] [--skip-speed]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _neural_common import isolated, load_dataset  # noqa: E402

WARMUP = 16


def _st(texts: list[str]) -> tuple[np.ndarray, float]:
    import time

    from sentence_transformers import SentenceTransformer

    from rerank_bench.models import resolve_model

    model = SentenceTransformer(str(resolve_model("minilm").path), device="cpu")
    model.encode(texts[:WARMUP])
    started = time.perf_counter()
    vectors = model.encode(texts, batch_size=32, show_progress_bar=False)
    return vectors, time.perf_counter() - started


def _ours(texts: list[str], precision: str) -> tuple[np.ndarray, float]:
    import time

    from rerank_bench.inference import InferenceSettings
    from rerank_bench.retrieval.dense import DenseEncoder

    settings = InferenceSettings(max_length=256, batch_tokens=4096,
                                 precision=precision,  # type: ignore[arg-type]
                                 device="cpu", show_progress=False)
    encoder = DenseEncoder("minilm", inference=settings)
    encoder.encode(texts[:WARMUP], "doc")
    started = time.perf_counter()
    vectors = encoder.encode(texts, "doc")
    return vectors, time.perf_counter() - started


def _scaled_retrieval(model: str, scale: int, cache: str) -> tuple[dict[str, float], float]:
    import time

    from rerank_bench.data.records import Corpus, Doc
    from rerank_bench.inference import InferenceSettings
    from rerank_bench.retrieval.dense import DenseRetriever

    dataset, split = load_dataset("scifact")
    docs = [
        Doc(f"{doc.doc_id}-{copy}", f"{doc.text} (copy {copy})", doc.title)
        for copy in range(scale)
        for doc in dataset.corpus.values()
    ]
    corpus = Corpus(docs, name=f"scifact-x{scale}")
    settings = InferenceSettings(max_length=32, query_max_length=None, batch_tokens=4096,
                                 device="cpu", show_progress=False)
    retriever = DenseRetriever(model, inference=settings, cache_dir=cache, block_size=8192,
                               chunk_docs=4096)
    started = time.perf_counter()
    retriever.corpus_embeddings(corpus)
    built = time.perf_counter() - started
    started = time.perf_counter()
    retriever.retrieve(corpus, split.queries, k=100)
    return {"docs": len(corpus), "build_s": built}, time.perf_counter() - started


def _wide_tiny_encoder(folder: Path) -> str:
    """A 1-layer random BERT as wide as MiniLM (384), so the embedding matrix has a real size."""
    import torch
    from transformers import AutoTokenizer, BertConfig, BertModel

    from rerank_bench.models import resolve_model

    torch.manual_seed(0)
    tokenizer = AutoTokenizer.from_pretrained(str(resolve_model("minilm").path))
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=384, num_hidden_layers=1,
                        num_attention_heads=4, intermediate_size=512)
    BertModel(config).save_pretrained(str(folder))
    tokenizer.save_pretrained(str(folder))
    return str(folder)


def main() -> None:
    from rerank_bench.experiments.results import machine_line

    print(f"machine: {machine_line()}")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1000, help="documents for the speed part")
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--skip-memory", action="store_true")
    args = parser.parse_args()

    dataset, _ = load_dataset("scifact")
    texts = [dataset.corpus[d].default_text() for d in list(dataset.corpus)[: args.docs]]
    if not args.skip_speed:
        st, st_s, st_mb = isolated(_st, texts)
        print(f"\nSciFact corpus, first {len(texts)} docs, all-MiniLM-L6-v2, max_length 256")
        print(f"{'variant':40s} {'docs/s':>7s} {'peak MB':>8s} {'x ST':>6s} {'max|d| vs ST':>12s}")
        print(f"{'SentenceTransformer.encode (bs 32)':40s} {len(texts) / st_s:7.1f} {st_mb:8.0f} "
              f"{1.0:6.2f} {0.0:12.2e}")
        for precision in ("fp32", "bf16"):
            ours, ours_s, ours_mb = isolated(_ours, texts, precision)
            print(f"{'ours ' + precision + ' (length-sorted, token budget)':40s} "
                  f"{len(texts) / ours_s:7.1f} {ours_mb:8.0f} {st_s / ours_s:6.2f} "
                  f"{np.abs(ours - st).max():12.2e}")
    if not args.skip_memory:
        with tempfile.TemporaryDirectory() as tmp:
            model = _wide_tiny_encoder(Path(tmp) / "tiny")
            print(f"\nMemory: DenseRetriever, tiny random encoder, SciFact x1 vs x{args.scale}")
            print(f"{'corpus':>12s} {'docs':>8s} {'build s':>8s} {'search s':>9s} {'peak MB':>8s}")
            for scale in (1, args.scale):
                info, search_s, peak = isolated(_scaled_retrieval, model, scale,
                                                str(Path(tmp) / f"cache{scale}"))
                print(f"{'x' + str(scale):>12s} {info['docs']:8.0f} {info['build_s']:8.1f} "
                      f"{search_s:9.1f} {peak:8.0f}")


if __name__ == "__main__":
    main()
