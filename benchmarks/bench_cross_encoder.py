"""Cross-encoder throughput: ours (fp32, bf16, int8) vs sentence-transformers CrossEncoder.predict.

Same model, same real SciFact pairs (BM25 top-``depth`` of the first test queries, title + text),
same max length (256, longest-first truncation on both sides), each variant in its own process
after a warm-up. Reports pairs/s, real tokens/s, peak memory, the largest score difference against
sentence-transformers, and nDCG@10 of each variant's re-ranking on those queries.

sentence-transformers runs twice: as users run it, and with our engine's malloc tuning
(:func:`rerank_bench.inference.allocator.keep_freed_buffers`), so that the share of the speed-up
that comes from the allocator alone is visible.

Without ``--model`` the cross-encoder is the packaged MiniLM-L6 with a seeded 1-logit head:
throughput is that of any MiniLM-L6 cross-encoder, but its nDCG is not meaningful; pass a trained
cross-encoder folder for meaningful nDCG figures.

``--precision-check`` instead re-ranks BM25's top-``depth`` of every SciFact and DL19 (pool) test
query (or those of ``--datasets``) in fp32, bf16 and int8 and compares nDCG@10 (bf16 and int8 must
stay within 0.002 of fp32): with ``--model FOLDER`` a trained cross-encoder, else SPLADE-tiny (a
trained ranker shipped offline; same engine). Any cross-encoder trained here works as FOLDER, e.g.
the helpdesk model of ``rerank-bench run reranker=finetuned train=short``
(``.rerank-bench/cache/finetuned/<hash>/training/model``).

Usage: nice -n 10 python benchmarks/bench_cross_encoder.py [--pairs 5000] [--model FOLDER]
       nice -n 10 python benchmarks/bench_cross_encoder.py --precision-check [--model FOLDER]
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _neural_common import isolated, load_dataset  # noqa: E402

WARMUP = 32
PRECISIONS = ("fp32", "bf16", "int8")
ST = "sentence-transformers predict (fp32, bs 32)"


def _st(folder: str, pairs: list[tuple[str, str]], max_length: int,
        tuned_malloc: bool) -> tuple[np.ndarray, float]:
    import time

    from sentence_transformers import CrossEncoder

    from rerank_bench.inference.allocator import keep_freed_buffers

    if tuned_malloc:
        keep_freed_buffers()

    model = CrossEncoder(folder, device="cpu", max_length=max_length)
    model.predict(pairs[:WARMUP], batch_size=32)
    started = time.perf_counter()
    scores = model.predict(pairs, batch_size=32, show_progress_bar=False)
    return np.asarray(scores), time.perf_counter() - started


def _ours(
    folder: str, pairs: list[tuple[str, str]], max_length: int, precision: str
) -> tuple[tuple[np.ndarray, int], float]:
    import time

    from rerank_bench.inference import InferenceSettings, TextEncoder, score_pairs
    from rerank_bench.models import load_model, load_tokenizer, resolve_model

    resolved = resolve_model(folder)
    model = load_model(resolved, "sequence-classification")
    tokenizer = load_tokenizer(resolved)
    settings = InferenceSettings(max_length=max_length, query_max_length=None, batch_tokens=4096,
                                 precision=precision, device="cpu",  # type: ignore[arg-type]
                                 show_progress=False)
    queries, docs = [q for q, _ in pairs], [d for _, d in pairs]
    score_pairs(model, tokenizer, queries[:WARMUP], docs[:WARMUP], settings, "sigmoid")
    started = time.perf_counter()
    scores = score_pairs(model, tokenizer, queries, docs, settings, "sigmoid")
    seconds = time.perf_counter() - started
    tokens = int(TextEncoder(tokenizer, max_length, None).encode_pairs(queries, docs)
                 .lengths().sum())
    return (scores, tokens), seconds


def _rerank(model: str | None, precision: str, queries: dict[str, str], corpus: object,
            first: dict[str, dict[str, float]], depth: int
            ) -> tuple[dict[str, dict[str, float]], float]:
    import time
    from dataclasses import replace

    from rerank_bench.inference import RANKER_DEFAULTS
    from rerank_bench.reranking.base import Reranker
    from rerank_bench.reranking.cross_encoder import CrossEncoderReranker
    from rerank_bench.reranking.splade import SPLADE_DEFAULTS, SpladeReranker

    defaults = SPLADE_DEFAULTS if model is None else RANKER_DEFAULTS
    inference = replace(defaults, precision=precision, device="cpu", show_progress=False)
    reranker: Reranker = (SpladeReranker("splade-tiny", depth=depth, inference=inference)
                          if model is None
                          else CrossEncoderReranker(model, depth=depth, inference=inference))
    started = time.perf_counter()
    run = reranker.rerank(corpus, queries, first)  # type: ignore[arg-type]
    return run, time.perf_counter() - started


def precision_check(depth: int, model: str | None, datasets: list[str]) -> None:
    """nDCG@10 of a trained ranker in each precision, on each dataset (its eval split)."""
    from rerank_bench.evaluation.metrics import evaluate
    from rerank_bench.retrieval.bm25 import BM25Retriever

    ranker = model or "SPLADE-tiny"
    print(f"\nPrecision check: BM25 top-{depth} -> {ranker}, all judged test queries")
    print(f"{'dataset':8s} {'precision':9s} {'nDCG@10':>8s} {'- fp32':>8s} {'seconds':>8s} "
          f"{'peak MB':>8s}")
    for name in datasets:
        dataset, split = load_dataset(name)
        queries = split.judged_queries()
        first = BM25Retriever(cache_dir=None).retrieve(dataset.corpus, queries, depth)
        scores: dict[str, float] = {}
        for precision in PRECISIONS:
            run, seconds, peak = isolated(_rerank, model, precision, queries, dataset.corpus,
                                          first, depth)
            ndcg = evaluate(split, run, ["ndcg@10"])
            scores[precision] = ndcg.mean["ndcg@10"]
            delta = scores[precision] - scores["fp32"]
            print(f"{name:8s} {precision:9s} {scores[precision]:8.4f} {delta:+8.4f} "
                  f"{seconds:8.0f} {peak:8.0f}")
        bm25 = evaluate(split, first, ["ndcg@10"]).mean["ndcg@10"]
        print(f"{name:8s} {'BM25':9s} {bm25:8.4f}   ({len(queries)} queries)")


def _default_model(folder: Path) -> str:
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from rerank_bench.models import resolve_model

    base = str(resolve_model("minilm").path)
    torch.manual_seed(0)
    AutoModelForSequenceClassification.from_pretrained(base, num_labels=1).save_pretrained(folder)
    AutoTokenizer.from_pretrained(base).save_pretrained(folder)
    return str(folder)


def main() -> None:
    from rerank_bench.experiments.results import machine_line

    print(f"machine: {machine_line()}")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=5000)
    parser.add_argument("--depth", type=int, default=100)
    parser.add_argument("--max-length", type=int, default=256)
    parser.add_argument("--model", default=None, help="trained cross-encoder folder")
    parser.add_argument("--skip-st", action="store_true", help="only our two precisions")
    parser.add_argument("--precision-check", action="store_true",
                        help="only the nDCG@10 check of each precision on --datasets")
    parser.add_argument("--datasets", default="scifact,dl19",
                        help="dataset configs of the precision check, comma-separated")
    args = parser.parse_args()
    if args.precision_check:
        precision_check(args.depth, args.model, args.datasets.split(","))
        return

    from rerank_bench.data.records import pairs as run_pairs
    from rerank_bench.evaluation.metrics import evaluate_run
    from rerank_bench.reranking.base import merge_reranked
    from rerank_bench.retrieval.bm25 import BM25Retriever

    dataset, split = load_dataset("scifact")
    qids = sorted(split.judged_queries())[: math.ceil(args.pairs / args.depth)]
    queries = {q: split.queries[q] for q in qids}
    first = BM25Retriever(cache_dir=None).retrieve(dataset.corpus, queries, args.depth)
    keys = run_pairs(first, args.depth)[: args.pairs]
    pairs = [(queries[q], dataset.corpus[d].default_text()) for q, d in keys]
    qrels = {q: split.qrels[q] for q in qids}

    def ndcg(scores: np.ndarray) -> float:
        reranked: dict[str, dict[str, float]] = {}
        for (q, d), s in zip(keys, scores, strict=True):
            reranked.setdefault(q, {})[d] = float(s)
        merged = merge_reranked(first, reranked)
        return evaluate_run(qrels, merged, ["ndcg@10"], rel_level=split.rel_level).mean["ndcg@10"]

    with tempfile.TemporaryDirectory() as tmp:
        folder = args.model or _default_model(Path(tmp) / "ce")
        rows: dict[str, tuple[np.ndarray, int | None, float, float]] = {}
        if not args.skip_st:
            for tuned, name in ((False, ST), (True, "sentence-transformers + our malloc tuning")):
                scores, seconds, peak = isolated(_st, folder, pairs, args.max_length, tuned)
                rows[name] = (scores, None, seconds, peak)
        for precision in PRECISIONS:
            (scores, tokens), seconds, peak = isolated(_ours, folder, pairs, args.max_length,
                                                       precision)
            rows[f"ours {precision} (length-sorted, token budget)"] = (scores, tokens, seconds,
                                                                       peak)
    tokens = next(t for _, t, _, _ in rows.values() if t is not None)
    label = args.model or "MiniLM-L6 + seeded head"
    print(f"\nSciFact test, {len(qids)} queries x BM25 top-{args.depth} = {len(pairs)} pairs, "
          f"{tokens} real tokens, max_length {args.max_length}, model {label}")
    base = rows.get(ST)
    fp32 = rows["ours fp32 (length-sorted, token budget)"][0]
    print(f"{'variant':48s} {'pairs/s':>8s} {'tokens/s':>9s} {'peak MB':>8s} {'x ST':>6s} "
          f"{'max|d| vs ST':>12s} {'nDCG@10':>8s}")
    for name, (scores, _, seconds, peak) in rows.items():
        ratio = f"{base[2] / seconds:6.2f}" if base else "   n/a"
        diff = f"{np.abs(scores - base[0]).max():12.2e}" if base else "         n/a"
        print(f"{name:48s} {len(pairs) / seconds:8.1f} {tokens / seconds:9.0f} {peak:8.0f} "
              f"{ratio} {diff} {ndcg(scores):8.4f}")
    for precision in PRECISIONS[1:]:
        other = rows[f"ours {precision} (length-sorted, token budget)"][0]
        print(f"nDCG@10 {precision} - fp32: {ndcg(other) - ndcg(fp32):+.4f}")
    print(f"BM25 first stage nDCG@10: {ndcg(np.array([first[q][d] for q, d in keys])):.4f}")


if __name__ == "__main__":
    main()
