"""How cost grows with the collection: BM25, dense search and re-ranking, 10k to 1M passages.

Every figure is one fresh process (``_neural_common.isolated``), so its peak memory is its own;
"peak MB" is that process's max RSS above its RSS before the measured work (imports, the query
set and, for re-ranking, the corpus and the input run excluded). Growth exponents are the slope
of log(figure) on log(size), fitted over the sizes measured.

The collection is synthetic, made to have MS MARCO's shape (the DL19 pool in the shared data,
14,581 real MS MARCO passages): each passage's length is drawn from the pool's length
distribution, and its words from a Zipf law (s = 1.1) over word ranks, where rank r is the pool's
r-th most frequent word and ranks past the pool's vocabulary are made-up words, so the vocabulary
keeps growing with the collection as a real one does (Heaps' law). Queries (2-8 words) are drawn
the same way. Dense vectors are a mixture of 1,024 Gaussian topics in 384 dimensions (cosine
about 0.7 to their topic, as MiniLM's passages to a topic centroid), queries noisy copies of
passages: the structure approximate search relies on, without encoding a million passages.

- BM25: ours (``build_bm25_index``, chunked) against bm25s' in-memory ``BM25.index``, both
  tokenising with our tokenizer, streaming the passages from a file and saving the index.
- Dense: MiniLM encode throughput (measured on 10k passages; encoding is per passage, so its
  cost is linear by construction and larger sizes are extrapolated, marked ``~``), exact search
  (``exact_topk`` over a memmap) and faiss IVF-Flat, with its recall@100 against exact.
- Re-ranking: a tiny random-weight cross-encoder over 100, 1,000 and 10,000 queries x depth 100.

Usage: nice -n 10 python benchmarks/bench_scale.py [--max-docs 1000000] [--queries 1000]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _neural_common import cpu_model, isolated, peak_mb, reset_peak, rss_mb  # noqa: E402

SIZES = (10_000, 100_000, 1_000_000)
NPROBES = (8, 32, 128)
DIM, TOPICS, K = 384, 1024, 100


def _pool(data: Path) -> tuple[list[str], np.ndarray, list[str]]:
    """The DL19 pool's words by frequency, its passage lengths in words, and its passages."""
    words: Counter[str] = Counter()
    lengths, texts = [], []
    with open(data / "msmarco-trec-dl/pools/corpus.dl19.jsonl", encoding="utf-8") as f:
        for line in f:
            texts.append(json.loads(line)["text"])
            tokens = re.findall(r"\w+", texts[-1].lower())
            words.update(tokens)
            lengths.append(len(tokens))
    return [w for w, _ in words.most_common()], np.array(lengths), texts


def word_table(vocab: list[str], size: int = 4_000_000) -> np.ndarray:
    """Rank -> word: the pool's words by frequency, then made-up ones (``zq`` + base 26)."""
    def made_up(rank: int) -> str:
        letters = []
        while True:
            rank, digit = divmod(rank, 26)
            letters.append(chr(97 + digit))
            if not rank:
                return "zq" + "".join(letters)

    extra = (made_up(r) for r in range(size - len(vocab)))
    return np.array([*vocab, *extra], dtype=object)


def _ranks(rng: np.random.Generator, n: int, table: np.ndarray) -> np.ndarray:
    """Zipf(1.1) word ranks; the rare ranks past the table wrap around into its tail."""
    ranks = rng.zipf(1.1, size=n) - 1
    return np.where(ranks < len(table), ranks, len(table) // 2 + ranks % (len(table) // 2))


def synthetic_texts(n: int, table: np.ndarray, lengths: np.ndarray, seed: int) -> Iterator[str]:
    """``n`` passages with the pool's lengths and a Zipf law over its words (module docstring)."""
    rng = np.random.default_rng(seed)
    for start in range(0, n, 10_000):
        sizes = rng.choice(lengths, size=min(10_000, n - start))
        words = table[_ranks(rng, int(sizes.sum()), table)]
        offsets = np.r_[0, np.cumsum(sizes)]
        for a, b in itertools.pairwise(offsets):
            yield " ".join(words[a:b])


def _lines(path: Path) -> Iterator[str]:
    with open(path, encoding="utf-8") as f:
        for line in f:
            yield line.rstrip("\n")


def _bm25(engine: str, corpus: Path, queries: list[str], n_docs: int) -> tuple[dict, float]:
    import bm25s

    from rerank_bench.retrieval.bm25 import BM25Retriever
    from rerank_bench.retrieval.bm25_index import build_bm25_index

    tokenizer = BM25Retriever()._tokenizer()
    model = bm25s.BM25(k1=0.9, b=0.4, method="lucene")
    base = _start()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        if engine == "ours":
            build_bm25_index(_lines(corpus), tokenizer, model, Path(folder))
        else:
            tokens = tokenizer.tokenize(_lines(corpus), length=n_docs, return_as="tuple",
                                        show_progress=False)
            model.index(tokens, show_progress=False)
            model.save(folder, show_progress=False)
            del tokens
        index_s = time.perf_counter() - started
        started = time.perf_counter()
        ids = tokenizer.tokenize(queries, update_vocab=False, return_as="ids", show_progress=False)
        model.retrieve(ids, k=K, show_progress=False, n_threads=0)
        search_s = time.perf_counter() - started
    return {"mb": peak_mb() - base, "index_s": index_s, "search_s": search_s}, index_s + search_s


def _vectors(path: Path, n: int, seed: int) -> np.memmap:
    """``n`` unit vectors from the topic mixture, written to a memmap in chunks."""
    rng = np.random.default_rng(seed)
    topics = rng.standard_normal((TOPICS, DIM)).astype(np.float32)
    topics /= np.linalg.norm(topics, axis=1, keepdims=True)
    out = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(n, DIM))
    for start in range(0, n, 100_000):
        m = min(100_000, n - start)
        noise = rng.standard_normal((m, DIM), dtype=np.float32) / np.sqrt(DIM)
        x = topics[rng.integers(0, TOPICS, m)] + noise
        out[start : start + m] = x / np.linalg.norm(x, axis=1, keepdims=True)
    out.flush()
    return out


def _queries_near(docs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A query per row: the passage plus noise (cosine about 0.8 to it)."""
    q = docs + 0.04 * rng.standard_normal(docs.shape, np.float32)
    return (q / np.linalg.norm(q, axis=1, keepdims=True)).astype(np.float32)


class _FileRows:
    """Rows of a ``.npy`` matrix read from the file on demand, not mapped: the pages a memmap
    would leave resident are file cache, which max RSS would count as the search's memory."""

    def __init__(self, path: Path) -> None:
        header = np.load(path, mmap_mode="r")
        self.shape, self.path = header.shape, path
        self.offset = header.offset
        del header

    def __len__(self) -> int:
        return int(self.shape[0])

    def __getitem__(self, rows: slice) -> np.ndarray:
        start, stop, _ = rows.indices(self.shape[0])
        with open(self.path, "rb") as f:
            f.seek(self.offset + start * DIM * 4)
            return np.fromfile(f, dtype=np.float32, count=(stop - start) * DIM).reshape(-1, DIM)


def _dense(method: str, vectors: Path, n_queries: int) -> tuple[dict, float]:
    from rerank_bench.retrieval.search import exact_topk

    docs = _FileRows(vectors)
    rng = np.random.default_rng(1)
    near = [docs[i : i + 1][0] for i in rng.integers(0, len(docs), n_queries)]
    queries = _queries_near(np.stack(near), rng)
    base = _start()
    started = time.perf_counter()
    if method == "exact":
        index, _ = exact_topk(queries, docs, K)  # type: ignore[arg-type]
        seconds = time.perf_counter() - started
        return {"mb": peak_mb() - base, "search_s": seconds, "index": {0: index}}, seconds
    import faiss

    n = len(docs)
    nlist = min(int(4 * np.sqrt(n)), n // 39)  # faiss wants >= 39 training points a list
    ivf = faiss.IndexIVFFlat(faiss.IndexFlatIP(DIM), DIM, nlist, faiss.METRIC_INNER_PRODUCT)
    ivf.train(docs[: min(n, 40 * nlist)])  # the rows are i.i.d.: a prefix is a random sample
    for start in range(0, n, 100_000):
        ivf.add(docs[start : start + 100_000])
    build_s = time.perf_counter() - started
    found, search_s = {}, {}
    for nprobe in NPROBES:
        ivf.nprobe = nprobe
        started = time.perf_counter()
        found[nprobe] = ivf.search(queries, K)[1]
        search_s[nprobe] = time.perf_counter() - started
    return {"mb": peak_mb() - base, "build_s": build_s, "search_s": search_s, "index": found,
            "nlist": nlist}, build_s


def _encode(texts: list[str]) -> tuple[dict, float]:
    from rerank_bench.retrieval.dense import DenseEncoder

    encoder = DenseEncoder("minilm")
    encoder.encode(texts[:64], "doc")
    base = _start()
    started = time.perf_counter()
    encoder.encode(texts, "doc")
    seconds = time.perf_counter() - started
    return {"mb": peak_mb() - base, "per_s": len(texts) / seconds}, seconds


def _rerank(model: str, texts: list[str], n_queries: int, depth: int) -> tuple[dict, float]:
    from rerank_bench.data.records import Corpus, Doc
    from rerank_bench.inference import InferenceSettings
    from rerank_bench.reranking.cross_encoder import CrossEncoderReranker

    docs = Corpus(Doc(str(i), text) for i, text in enumerate(texts))
    rng = np.random.default_rng(3)
    queries = {f"q{i}": f"{' '.join(texts[i % len(texts)].split()[:6])} {i}"
               for i in range(n_queries)}
    run = {q: {str(d): 1.0 / (r + 1) for r, d in enumerate(rng.choice(len(docs), depth, False))}
           for q in queries}
    settings = InferenceSettings(max_length=128, batch_tokens=8192, show_progress=False)
    reranker = CrossEncoderReranker(model, depth=depth, inference=settings)
    reranker.rerank(docs, {"q0": queries["q0"]}, {"q0": run["q0"]})
    base = _start()
    started = time.perf_counter()
    reranker.rerank(docs, queries, run)
    seconds = time.perf_counter() - started
    return {"mb": peak_mb() - base, "pairs_s": n_queries * depth / seconds}, seconds


def _tiny_cross_encoder(folder: Path) -> str:
    """A 2-layer, 32-wide random BERT with MiniLM's tokenizer: the engine's cost, not a model's."""
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    from rerank_bench.models import resolve_model

    torch.manual_seed(0)
    tokenizer = AutoTokenizer.from_pretrained(str(resolve_model("minilm").path))
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=2,
                        num_attention_heads=2, intermediate_size=64, num_labels=1)
    BertForSequenceClassification(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return str(folder)


def _exponent(sizes: list[int], values: list[float]) -> str:
    if len(sizes) < 2 or min(values) <= 0:
        return "-"
    return f"{np.polyfit(np.log(sizes), np.log(values), 1)[0]:.2f}"


def _start() -> float:
    """The RSS the measured section starts from; its peak is counted from here."""
    reset_peak()
    return rss_mb()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-docs", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--data", type=Path, default=Path(os.environ.get(
        "RERANK_BENCH_DATA", Path(__file__).parents[1] / "../shared/data")))
    parser.add_argument("--encode-passages", type=int, default=2000)
    parser.add_argument("--rerank-queries", default="100,1000,10000")
    parser.add_argument("--skip", default="", help="comma-separated: bm25, dense, rerank")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    sizes = [n for n in SIZES if n <= args.max_docs] or [args.max_docs]
    total = time.perf_counter()
    print(f"CPU: {cpu_model()}; {time.strftime('%Y-%m-%d')}; {args.queries} queries, top-{K}")
    vocab, lengths, pool = _pool(args.data)
    if "bm25" not in skip:
        _bench_bm25(sizes, vocab, lengths, args.queries)
    if "dense" not in skip:
        _bench_dense(sizes, pool[: args.encode_passages], args.queries)
    if "rerank" not in skip:
        _bench_rerank(pool, [int(c) for c in args.rerank_queries.split(",")])
    print(f"\ntotal wall time {time.perf_counter() - total:.0f} s")


def _bench_bm25(sizes: list[int], vocab: list[str], lengths: np.ndarray, n_queries: int) -> None:
    table = word_table(vocab)
    rng = np.random.default_rng(9)
    queries = [" ".join(table[_ranks(rng, int(rng.integers(2, 9)), table)])
               for _ in range(n_queries)]
    print("\nBM25 (lucene, k1=0.9 b=0.4, Snowball + English stopwords), index + save, then search;"
          " synthetic passages streamed from a file")
    print("| passages | engine | index s | search s | peak MB | MB per 1k passages |")
    print("|---|---|---|---|---|---|")
    curves: dict[str, dict[str, list[float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            corpus = Path(tmp) / "corpus.txt"
            with open(corpus, "w", encoding="utf-8") as f:
                f.writelines(text + "\n" for text in synthetic_texts(n, table, lengths, seed=n))
            for engine in ("ours", "bm25s"):
                result, _, _ = isolated(_bm25, engine, corpus, queries, n)
                curve = curves.setdefault(engine, {"index": [], "search": [], "mb": []})
                for key, value in (("index", result["index_s"]), ("search", result["search_s"]),
                                   ("mb", result["mb"])):
                    curve[key].append(value)
                print(f"| {n:,} | {engine} | {result['index_s']:.1f} | {result['search_s']:.2f} |"
                      f" {result['mb']:,.0f} | {1000 * result['mb'] / n:.1f} |", flush=True)
    for engine, curve in curves.items():
        print(f"growth exponent ({engine}): index {_exponent(sizes, curve['index'])}, "
              f"search {_exponent(sizes, curve['search'])}, memory {_exponent(sizes, curve['mb'])}")
    ours, peer = curves["ours"]["mb"][-1], curves["bm25s"]["mb"][-1]
    scale = 8.8e6 / sizes[-1] / 1024
    print(f"peak at {sizes[-1]:,}: ours {ours:,.0f} MB, bm25s {peer:,.0f} MB ({peer / ours:.1f}x);"
          f" linear extrapolation to MS MARCO's 8.8M passages: ours {ours * scale:.1f} GB, "
          f"bm25s {peer * scale:.1f} GB")


def _bench_dense(sizes: list[int], texts: list[str], n_queries: int) -> None:
    encode, _, _ = isolated(_encode, texts)
    rate = encode["per_s"]
    print(f"\nDense: MiniLM-L6 encodes {rate:.0f} passages/s ({len(texts):,} real DL19 pool "
          f"passages, peak {encode['mb']:,.0f} MB); encode s below is extrapolated from it. "
          f"Search: {DIM}-d topic-mixture vectors")
    probes = " | ".join(f"IVF nprobe {p}: s, recall@{K}" for p in NPROBES)
    print("| passages | ~encode s | exact s | exact MB | IVF lists | IVF build s | IVF MB | "
          f"{probes} |")
    print("|---" * (7 + len(NPROBES)) + "|")
    exact_s, exact_mb, ivf_mb, ivf_s = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = Path(tmp) / "vectors.npy"
            _vectors(path, n, seed=n)
            exact, _, _ = isolated(_dense, "exact", path, n_queries)
            ivf, _, _ = isolated(_dense, "ivf", path, n_queries)
            truth = exact["index"][0]
            cells = []
            for nprobe in NPROBES:
                recall = np.mean([len(set(a) & set(b)) / K
                                  for a, b in zip(truth, ivf["index"][nprobe], strict=True)])
                cells.append(f"{ivf['search_s'][nprobe]:.3f}, {recall:.3f}")
            exact_s.append(exact["search_s"])
            ivf_s.append(ivf["search_s"][NPROBES[1]])
            exact_mb.append(exact["mb"])
            ivf_mb.append(ivf["mb"])
            print(f"| {n:,} | {n / rate:,.0f} | {exact['search_s']:.2f} | {exact['mb']:,.0f} | "
                  f"{ivf['nlist']:,} | {ivf['build_s']:.1f} | {ivf['mb']:,.0f} | "
                  f"{' | '.join(cells)} |", flush=True)
    print(f"growth exponent: exact search {_exponent(sizes, exact_s)} (memory "
          f"{_exponent(sizes, exact_mb)}), IVF nprobe {NPROBES[1]} search "
          f"{_exponent(sizes, ivf_s)} (memory {_exponent(sizes, ivf_mb)})")


def _bench_rerank(texts: list[str], counts: list[int]) -> None:
    depth = 100
    print(f"\nRe-ranking: tiny random cross-encoder, depth {depth}, max 128 tokens, over "
          f"{len(texts):,} real DL19 pool passages")
    print("| queries | pairs | seconds | pairs/s | peak MB above corpus + input run |")
    print("|---|---|---|---|---|")
    pairs, mbs = [], []
    with tempfile.TemporaryDirectory() as tmp:
        model = _tiny_cross_encoder(Path(tmp))
        for n in counts:
            result, seconds, _ = isolated(_rerank, model, texts, n, depth)
            pairs.append(n * depth)
            mbs.append(result["mb"])
            print(f"| {n:,} | {n * depth:,} | {seconds:.1f} | {result['pairs_s']:,.0f} | "
                  f"{result['mb']:,.0f} |", flush=True)
    print(f"memory growth exponent over pairs: {_exponent(pairs, [max(m, 1.0) for m in mbs])}; "
          f"{1e6 * (mbs[-1] - mbs[0]) / max(1, pairs[-1] - pairs[0]):.0f} bytes per extra pair")


if __name__ == "__main__":
    main()
