"""Cross-encoder throughput: ours (fp32, bf16, int8, int8-static) vs sentence-transformers.

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

Both int8 variants that calibrate (ours ``int8-static`` and sentence-transformers' OpenVINO
static int8) calibrate on the same 300 SciFact *train* pairs. On the CPU a last block prints the
model's work in GFLOP and each variant's rate against this CPU's bf16 matrix-multiply peak through
PyTorch, measured in the same run.

``--precision-check`` instead re-ranks BM25's top-``depth`` of every SciFact and DL19 (pool) test
query (or those of ``--datasets``) in each precision and compares nDCG@10 (each must stay within
0.002 of fp32); ``int8-static`` calibrates on the dataset's train split as the pipeline does, or
for DL19 (none) on MS MARCO dev questions with their BM25 passages. The ranker is the trained
cross-encoder of ``--model FOLDER``, else SPLADE-tiny (a trained ranker shipped offline; same
engine). Any cross-encoder trained here works as FOLDER, e.g.
the helpdesk model of ``rerank-bench run reranker=finetuned train=short``
(``.rerank-bench/cache/finetuned/<hash>/training/model``).

On a GPU (``--device cuda``) the precisions are fp32, bf16 and fp16 (autocast) on both sides
(sentence-transformers loads its weights in bf16 or fp16), ``--batch-tokens`` and
``--st-batch-sizes`` sweep each side's batching in one process per side and precision, and a last
table puts the best of each side side by side; peak MB is then the GPU's peak allocation.

Usage: nice -n 10 python benchmarks/bench_cross_encoder.py [--pairs 5000] [--model FOLDER]
       nice -n 10 python benchmarks/bench_cross_encoder.py --precision-check [--model FOLDER]
       python benchmarks/bench_cross_encoder.py --device cuda --pairs 10000 \
           --batch-tokens 8192,32768,131072 --st-batch-sizes 32,128,512
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _neural_common import device_type, gpu_peak_mb, isolated, load_dataset  # noqa: E402

WARMUP = 32
PRECISIONS = {"cpu": ("fp32", "bf16", "int8", "int8-static"), "cuda": ("fp32", "bf16", "fp16")}
"""The precisions measured by default on each device type (int8 and int8-static are CPU only,
fp16 CUDA only)."""
ST_DTYPES = {"bf16": "bfloat16", "fp16": "float16"}

Sweep = dict[int, tuple[np.ndarray, float, float]]
"""batch setting (tokens per batch, or pairs per batch for sentence-transformers) -> (scores,
measured seconds, GPU peak MB or 0 on the CPU)."""


def _gpu_peak_start(device: str) -> None:
    import torch

    if device_type(device) == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()


def _st(folder: str, pairs: list[tuple[str, str]], max_length: int, tuned_malloc: bool,
        device: str = "cpu", precision: str = "fp32", batch_sizes: tuple[int, ...] = (32,)
        ) -> tuple[Sweep, float]:
    import time

    import torch
    from sentence_transformers import CrossEncoder

    from rerank_bench.inference.allocator import keep_freed_buffers

    if tuned_malloc:
        keep_freed_buffers()

    kwargs = ({"model_kwargs": {"dtype": getattr(torch, ST_DTYPES[precision])}}
              if precision in ST_DTYPES else {})
    model = CrossEncoder(folder, device=device, max_length=max_length, **kwargs)
    sweep: Sweep = {}
    for batch_size in batch_sizes:
        model.predict(pairs[: max(WARMUP, batch_size)], batch_size=batch_size,
                      show_progress_bar=False)
        _gpu_peak_start(device)
        started = time.perf_counter()
        scores = model.predict(pairs, batch_size=batch_size, show_progress_bar=False)
        seconds = time.perf_counter() - started
        sweep[batch_size] = (np.asarray(scores, dtype=np.float32), seconds,
                             gpu_peak_mb(device) or 0.0)
    return sweep, min(seconds for _, seconds, _ in sweep.values())


def _ours(
    folder: str, pairs: list[tuple[str, str]], max_length: int, precision: str,
    device: str = "cpu", batch_tokens: tuple[int, ...] = (4096,), calibration: str | None = None
) -> tuple[tuple[Sweep, int, float], float]:
    import time

    from rerank_bench.inference import InferenceSettings, TextEncoder, score_pairs
    from rerank_bench.models import load_model, load_tokenizer, resolve_model

    resolved = resolve_model(folder)
    model = load_model(resolved, "sequence-classification")
    tokenizer = load_tokenizer(resolved)
    queries, docs = [q for q, _ in pairs], [d for _, d in pairs]
    sweep: Sweep = {}
    for budget in batch_tokens:
        settings = InferenceSettings(max_length=max_length, query_max_length=None,
                                     batch_tokens=budget, precision=precision,  # type: ignore[arg-type]
                                     device=device, calibration=calibration,
                                     show_progress=False)
        warmup = max(WARMUP, budget // max_length)  # int8-static: quantises here, untimed
        score_pairs(model, tokenizer, queries[:warmup], docs[:warmup], settings, "sigmoid")
        _gpu_peak_start(device)
        started = time.perf_counter()
        scores = score_pairs(model, tokenizer, queries, docs, settings, "sigmoid")
        seconds = time.perf_counter() - started
        sweep[budget] = (scores, seconds, gpu_peak_mb(device) or 0.0)
    started = time.perf_counter()  # the share of the measured time spent tokenising
    tokens = int(TextEncoder(tokenizer, max_length, None).encode_pairs(queries, docs)
                 .lengths().sum())
    tokenize_seconds = time.perf_counter() - started
    return (sweep, tokens, tokenize_seconds), min(seconds for _, seconds, _ in sweep.values())


def _rerank(model: str | None, precision: str, queries: dict[str, str], corpus: object,
            first: dict[str, dict[str, float]], depth: int, device: str = "cpu",
            calibration: str | None = None) -> tuple[dict[str, dict[str, float]], float]:
    import time
    from dataclasses import replace

    from rerank_bench.inference import RANKER_DEFAULTS
    from rerank_bench.reranking.base import Reranker
    from rerank_bench.reranking.cross_encoder import CrossEncoderReranker
    from rerank_bench.reranking.splade import SPLADE_DEFAULTS, SpladeReranker

    defaults = SPLADE_DEFAULTS if model is None else RANKER_DEFAULTS
    inference = replace(defaults, precision=precision, device=device, calibration=calibration,
                        show_progress=False)
    reranker: Reranker = (SpladeReranker("splade-tiny", depth=depth, inference=inference)
                          if model is None
                          else CrossEncoderReranker(model, depth=depth, inference=inference))
    started = time.perf_counter()
    run = reranker.rerank(corpus, queries, first)  # type: ignore[arg-type]
    return run, time.perf_counter() - started


def precision_check(depth: int, model: str | None, datasets: list[str],
                    precisions: tuple[str, ...] = PRECISIONS["cpu"], device: str = "cpu") -> None:
    """nDCG@10 of a trained ranker in each precision (fp32 first), on each dataset."""
    from rerank_bench.evaluation.metrics import evaluate
    from rerank_bench.retrieval.bm25 import BM25Retriever

    ranker = model or "SPLADE-tiny"
    print(f"\nPrecision check: BM25 top-{depth} -> {ranker}, all judged test queries, "
          f"device {device}")
    print(f"{'dataset':8s} {'precision':11s} {'nDCG@10':>8s} {'- fp32':>8s} {'seconds':>8s} "
          f"{'peak MB':>8s}")
    for name in datasets:
        dataset, split = load_dataset(name)
        queries = split.judged_queries()
        first = BM25Retriever(cache_dir=None).retrieve(dataset.corpus, queries, depth)
        calibration, source = _held_out_calibration(dataset)
        if "int8-static" in precisions:
            print(f"{name:8s} int8-static calibrates on {source}")
        scores: dict[str, float] = {}
        for precision in precisions:
            run, seconds, peak = isolated(_rerank, model, precision, queries, dataset.corpus,
                                          first, depth, device, calibration)
            ndcg = evaluate(split, run, ["ndcg@10"])
            scores[precision] = ndcg.mean["ndcg@10"]
            delta = scores[precision] - scores["fp32"]
            print(f"{name:8s} {precision:11s} {scores[precision]:8.4f} {delta:+8.4f} "
                  f"{seconds:8.0f} {peak:8.0f}")
        bm25 = evaluate(split, first, ["ndcg@10"]).mean["ndcg@10"]
        print(f"{name:8s} {'BM25':11s} {bm25:8.4f}   ({len(queries)} queries)")


DEV_TOPICS = "msmarco-trec-dl/topics.msmarco-passage.dev-subset.txt"
"""MS MARCO dev questions: DL19's held-out calibration (it has no train split)."""


def _held_out_calibration(dataset: Any) -> tuple[str, str]:
    """A calibration file for ``int8-static`` on ``dataset`` and what it holds: the pipeline's
    (:func:`held_out_calibration` of its train split), else (DL19) MS MARCO dev questions with
    their BM25 top passages of the same collection; never a test question."""
    from rerank_bench.data.registry import data_root
    from rerank_bench.inference.calibration import held_out_calibration

    folder = Path(tempfile.mkdtemp(prefix="calibration-"))
    if "train" in dataset.splits:
        path = held_out_calibration(dataset, ("train",), folder)
        assert path is not None  # the split exists
        return path, "its train split (judged + others)"
    lines = (data_root() / DEV_TOPICS).read_text(encoding="utf-8").splitlines()[:30]
    dev = dict(line.split("\t", 1) for line in lines)
    return (_calibration_file(_bm25_pairs(dataset, dev, 10)[2], folder),
            "30 MS MARCO dev questions x BM25 top-10")


PEER_VENVS = {"onnx": ".venv-onnx", "openvino": ".venv-openvino"}
"""The virtual environment of each sentence-transformers backend (``make bench-peers``): their
stacks pin transformers versions that ours cannot sit beside (see ``peers/st_backend.py``)."""
ROOT = Path(__file__).resolve().parents[1]
PEER_SCRIPT = Path(__file__).resolve().parent / "peers" / "st_backend.py"


QUANTISED = {"onnx": "dynamic avx512_vnni", "openvino": "static, calibrated"}
"""How each backend's int8 row was quantised (``peers/st_backend.py``), for its name."""


Pairs = list[tuple[str, str]]


def _bm25_pairs(dataset: Any, queries: dict[str, str], depth: int
                ) -> tuple[dict[str, dict[str, float]], Pairs, Pairs]:
    """BM25's top-``depth`` of each query: ``(run, (qid, docid) keys, (query, passage) texts)``."""
    from rerank_bench.data.records import pairs as run_pairs
    from rerank_bench.retrieval.bm25 import BM25Retriever

    first = BM25Retriever(cache_dir=None).retrieve(dataset.corpus, queries, depth)
    keys = run_pairs(first, depth)
    return first, keys, [(queries[q], dataset.corpus[d].default_text()) for q, d in keys]


def _calibration_pairs(dataset: Any, count: int = 300, depth: int = 10) -> list[tuple[str, str]]:
    """SciFact *train* claims with their BM25 top passages: what the static int8 peer calibrates
    on, so that no measured (test) pair is seen before it is timed."""
    train = dataset.split("train")
    qids = sorted(train.queries)[: math.ceil(count / depth)]
    return _bm25_pairs(dataset, {q: train.queries[q] for q in qids}, depth)[2][:count]


def _calibration_file(pairs: Pairs, folder: Path) -> str:
    """``pairs`` as the JSONL file ``inference.calibration`` names."""
    from rerank_bench.inference.calibration import CalibrationPairs, write_calibration

    records = CalibrationPairs(tuple(q for q, _ in pairs), tuple(d for _, d in pairs))
    return str(write_calibration(records, folder / "calibration.jsonl"))


def _peer_rows(backends: tuple[str, ...], folder: str, pairs: list[tuple[str, str]],
               calibration: list[tuple[str, str]], max_length: int, batch_size: int,
               tmp: Path) -> list[Row]:
    """sentence-transformers on its ONNX and OpenVINO backends, fp32 and int8, each export and
    each measurement in its own process of the backend's virtual environment."""
    import json
    import shutil
    import subprocess

    pairs_file, calibration_file = tmp / "pairs.json", tmp / "calibration.json"
    pairs_file.write_text(json.dumps(pairs), encoding="utf-8")
    calibration_file.write_text(json.dumps(calibration), encoding="utf-8")
    rows: list[Row] = []
    for backend in backends:
        python = ROOT / PEER_VENVS[backend] / "bin" / "python"
        if not python.exists():
            print(f"sentence-transformers {backend}: skipped, no {python.parent.parent.name} "
                  "(make bench-peers)")
            continue
        copy = tmp / f"ce-{backend}"
        shutil.copytree(folder, copy)
        common = ["--backend", backend, "--folder", str(copy), "--max-length", str(max_length)]
        subprocess.run([str(python), str(PEER_SCRIPT), "export", *common, "--precision", "int8",
                        "--calibration", str(calibration_file)], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for precision in ("fp32", "int8"):
            out = tmp / f"{backend}-{precision}.npy"
            done = subprocess.run(
                [str(python), str(PEER_SCRIPT), "measure", *common, "--precision", precision,
                 "--pairs", str(pairs_file), "--out", str(out), "--batch-size", str(batch_size)],
                check=True, capture_output=True, text=True)
            figures = json.loads(done.stdout.strip().splitlines()[-1])
            how = QUANTISED[backend] if precision == "int8" else "export"
            computes = (f", computes in {figures['computes_in']}" if backend == "openvino"
                        else "")
            rows.append(Row(f"sentence-transformers {backend} {precision} ({how}{computes}, "
                            f"bs {batch_size})", f"st-{backend}", precision, batch_size,
                            np.load(out), figures["seconds"], figures["peak_mb"]))
    return rows


def _bf16_peak() -> tuple[float, float]:
    """This CPU's bf16 matrix-multiply rate through PyTorch, GFLOP/s: the best of MiniLM's
    feed-forward shapes and a square product (as ``isolated`` wants: ``(payload, seconds)``)."""
    import time

    import torch

    best = 0.0
    started = time.perf_counter()
    for m, k, n in ((4096, 384, 1536), (4096, 1536, 384), (2048, 2048, 2048)):
        a, b = torch.randn(m, k, dtype=torch.bfloat16), torch.randn(k, n, dtype=torch.bfloat16)
        for _ in range(3):
            a @ b
        reps = max(5, int(2e11 / (2 * m * k * n)))  # ~0.3 s per round on these CPUs
        for _ in range(3):  # the best round: the peak, not the noise of a shared host
            begun = time.perf_counter()
            for _ in range(reps):
                a @ b
            best = max(best, 2 * m * k * n * reps / (time.perf_counter() - begun) / 1e9)
    return best, time.perf_counter() - started


def _model_gflop(folder: str, pairs: Pairs, max_length: int) -> float:
    """The multiply-adds (x2) a BERT-style cross-encoder spends on ``pairs``, padding excluded,
    with the last layer at the first token only (as our engine runs it), in GFLOP."""
    from transformers import AutoConfig, AutoTokenizer

    from rerank_bench.inference import TextEncoder

    config = AutoConfig.from_pretrained(folder)
    h, i, layers = config.hidden_size, config.intermediate_size, config.num_hidden_layers
    encoder = TextEncoder(AutoTokenizer.from_pretrained(folder), max_length, None)
    lengths = encoder.encode_pairs([q for q, _ in pairs], [d for _, d in pairs]).lengths()
    length = lengths.astype(np.float64)
    full = length * (8 * h * h + 4 * h * i) + 4 * length**2 * h
    last = length * 4 * h * h + 4 * h * h + 4 * h * i + 4 * length * h
    return float(((layers - 1) * full + last).sum() / 1e9)


def _default_model(folder: Path) -> str:
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from rerank_bench.models import resolve_model

    base = str(resolve_model("minilm").path)
    torch.manual_seed(0)
    AutoModelForSequenceClassification.from_pretrained(base, num_labels=1).save_pretrained(folder)
    AutoTokenizer.from_pretrained(base).save_pretrained(folder)
    return str(folder)


class Row(NamedTuple):
    """One measured variant: a side (``ours``, ``st``, ``st+malloc``, ``st-onnx``,
    ``st-openvino``) in a precision with one batch setting (tokens per batch for ours, pairs per
    batch for sentence-transformers)."""

    name: str
    side: str
    precision: str
    setting: int
    scores: np.ndarray
    seconds: float
    peak_mb: float


def _ints(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(",") if part.strip())


def _precisions(text: str | None, default: tuple[str, ...]) -> tuple[str, ...]:
    """The precisions to measure, fp32 first (the reference of every difference)."""
    chosen = tuple(p.strip() for p in text.split(",") if p.strip()) if text else default
    from rerank_bench.inference.settings import PRECISIONS as KNOWN

    unknown = set(chosen) - set(KNOWN)
    if unknown:
        raise SystemExit(f"unknown precision(s) {sorted(unknown)}; use {', '.join(KNOWN)}")
    return ("fp32", *(p for p in chosen if p != "fp32"))


def _best(rows: list[Row], side: str, precision: str) -> Row | None:
    matching = [r for r in rows if r.side == side and r.precision == precision]
    return min(matching, key=lambda r: r.seconds) if matching else None


def main() -> None:
    from rerank_bench.experiments.results import machine_line

    print(f"machine: {machine_line()}")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=5000)
    parser.add_argument("--depth", type=int, default=100)
    parser.add_argument("--max-length", type=int, default=256)
    parser.add_argument("--model", default=None, help="trained cross-encoder folder")
    parser.add_argument("--skip-st", action="store_true", help="only our precisions")
    parser.add_argument("--device", default="cpu",
                        help="cpu, cuda or cuda:N, for both sides (default cpu)")
    parser.add_argument("--precisions", default=None,
                        help="ours, comma-separated (fp32 is always measured, first); default "
                             "fp32,bf16,int8 on the CPU, fp32,bf16,fp16 on CUDA")
    parser.add_argument("--st-precisions", default=None,
                        help="sentence-transformers' (fp32, bf16, fp16: weights loaded in that "
                             "dtype); default fp32 on the CPU, our precisions but int8 on CUDA")
    parser.add_argument("--batch-tokens", default="4096",
                        help="our padded tokens per batch, comma-separated: each is measured")
    parser.add_argument("--st-batch-sizes", default="32",
                        help="sentence-transformers' pairs per batch, comma-separated")
    parser.add_argument("--st-backends", default="onnx,openvino",
                        help="sentence-transformers' other backends, each from its own virtual "
                             "environment (make bench-peers), fp32 and int8; '' for none")
    parser.add_argument("--precision-check", action="store_true",
                        help="only the nDCG@10 check of each precision on --datasets")
    parser.add_argument("--datasets", default="scifact,dl19",
                        help="dataset configs of the precision check, comma-separated")
    args = parser.parse_args()
    kind = device_type(args.device)
    precisions = _precisions(args.precisions, PRECISIONS[kind])
    if kind == "cuda":
        import torch

        props = torch.cuda.get_device_properties(0)
        print(f"gpu: {props.name}, {props.total_memory / 2**30:.0f} GiB, "
              f"{torch.cuda.device_count()} visible; CUDA {torch.version.cuda}")
    if args.precision_check:
        precision_check(args.depth, args.model, args.datasets.split(","), precisions,
                        args.device)
        return
    st_precisions = _precisions(args.st_precisions, ("fp32",) if kind == "cpu" else tuple(
        p for p in precisions if p in ("fp32", *ST_DTYPES)))
    budgets, batch_sizes = _ints(args.batch_tokens), _ints(args.st_batch_sizes)

    from rerank_bench.evaluation.metrics import evaluate_run
    from rerank_bench.reranking.base import merge_reranked

    dataset, split = load_dataset("scifact")
    qids = sorted(split.judged_queries())[: math.ceil(args.pairs / args.depth)]
    queries = {q: split.queries[q] for q in qids}
    first, keys, pairs = _bm25_pairs(dataset, queries, args.depth)
    keys, pairs = keys[: args.pairs], pairs[: args.pairs]
    qrels = {q: split.qrels[q] for q in qids}

    def ndcg(scores: np.ndarray) -> float:
        reranked: dict[str, dict[str, float]] = {}
        for (q, d), s in zip(keys, scores, strict=True):
            reranked.setdefault(q, {})[d] = float(s)
        merged = merge_reranked(first, reranked)
        return evaluate_run(qrels, merged, ["ndcg@10"], rel_level=split.rel_level).mean["ndcg@10"]

    rows: list[Row] = []
    tokenize_seconds: dict[str, float] = {}
    calibration_pairs = _calibration_pairs(dataset)  # the int8 calibration of both sides
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.model or _default_model(Path(tmp) / "ce")
        gflop = _model_gflop(folder, pairs, args.max_length)
        if not args.skip_st:
            for precision in st_precisions:
                # on the CPU, sentence-transformers in fp32 also runs with our malloc tuning
                for tuned in (False, True) if kind == "cpu" and precision == "fp32" else (False,):
                    sweep, _, rss = isolated(_st, folder, pairs, args.max_length, tuned,
                                             args.device, precision, batch_sizes)
                    for bs, (scores, seconds, gpu_mb) in sweep.items():
                        name = (f"sentence-transformers predict ({precision}, bs {bs})"
                                + (" + our malloc tuning" if tuned else ""))
                        rows.append(Row(name, "st+malloc" if tuned else "st", precision, bs,
                                        scores, seconds, gpu_mb or rss))
            if kind == "cpu":
                backends = tuple(b for b in args.st_backends.split(",") if b.strip())
                rows += _peer_rows(backends, folder, pairs, calibration_pairs,
                                   args.max_length, batch_sizes[0], Path(tmp))
        tokens = 0
        calibration = _calibration_file(calibration_pairs, Path(tmp))
        for precision in precisions:
            (sweep, tokens, tokenize_seconds[precision]), _, rss = isolated(
                _ours, folder, pairs, args.max_length, precision, args.device, budgets,
                calibration)
            for budget, (scores, seconds, gpu_mb) in sweep.items():
                rows.append(Row(f"ours {precision} (length-sorted, {budget} tokens/batch)",
                                "ours", precision, budget, scores, seconds, gpu_mb or rss))
    label = args.model or "MiniLM-L6 + seeded head"
    print(f"\nSciFact test, {len(qids)} queries x BM25 top-{args.depth} = {len(pairs)} pairs, "
          f"{tokens} real tokens, max_length {args.max_length}, model {label}, "
          f"device {args.device}")
    base = _best(rows, "st", "fp32")
    width = max(len(r.name) for r in rows)
    peak = "GPU peak MB" if kind == "cuda" else "peak MB"
    print(f"{'variant':{width}s} {'pairs/s':>8s} {'tokens/s':>9s} {peak:>11s} {'x ST':>6s} "
          f"{'max|d| vs ST':>12s} {'nDCG@10':>8s}")
    for row in rows:
        ratio = f"{base.seconds / row.seconds:6.2f}" if base else "   n/a"
        diff = f"{np.abs(row.scores - base.scores).max():12.2e}" if base else "         n/a"
        print(f"{row.name:{width}s} {len(pairs) / row.seconds:8.1f} {tokens / row.seconds:9.0f} "
              f"{row.peak_mb:11.0f} {ratio} {diff} {ndcg(row.scores):8.4f}")
    if base is not None:
        print("\nBest of each side (pairs/s; [tokens per batch] for ours, [pairs per batch] for "
              "sentence-transformers); x ST: ours / sentence-transformers in the same precision; "
              "x ST fp32: ours / sentence-transformers' best fp32")
        print(f"{'precision':11s} {'ours':>18s} {'sentence-tr.':>16s} {'x ST':>6s} "
              f"{'x ST fp32':>9s}")
        for precision in dict.fromkeys((*precisions, *st_precisions)):
            ours, st = _best(rows, "ours", precision), _best(rows, "st", precision)
            ours_text = (f"{len(pairs) / ours.seconds:9.1f} [{ours.setting:>6d}]" if ours
                         else f"{'n/a':>18s}")
            st_text = (f"{len(pairs) / st.seconds:9.1f} [{st.setting:>4d}]" if st
                       else f"{'n/a':>16s}")
            same = f"{st.seconds / ours.seconds:6.2f}" if ours and st else "   n/a"
            fp32 = f"{base.seconds / ours.seconds:9.2f}" if ours else "      n/a"
            print(f"{precision:11s} {ours_text} {st_text} {same} {fp32}")
    peers = [r for r in rows if r.side.startswith("st")]
    fastest_ours = min((r for r in rows if r.side == "ours"), key=lambda r: r.seconds)
    if peers:
        fastest = min(peers, key=lambda r: r.seconds)
        print(f"\nfastest sentence-transformers: {fastest.name}, "
              f"{len(pairs) / fastest.seconds:.1f} pairs/s; fastest of ours: {fastest_ours.name}, "
              f"{len(pairs) / fastest_ours.seconds:.1f} pairs/s = "
              f"{fastest.seconds / fastest_ours.seconds:.2f}x")
    if kind == "cpu":
        peak_gflops, _, _ = isolated(_bf16_peak)
        print(f"\nmodel work: {gflop:.0f} GFLOP ({gflop / len(pairs):.2f} per pair); this CPU's "
              f"bf16 matmul peak through PyTorch, measured now: {peak_gflops:.0f} GFLOP/s")
        for row in rows:
            if row.side == "ours" or row.precision == "fp32":
                rate = gflop / row.seconds
                print(f"  {row.name}: {rate:.0f} GFLOP/s = {100 * rate / peak_gflops:.0f}% of it")
    reference = _best(rows, "ours", "fp32")
    assert reference is not None
    for precision in precisions[1:]:
        other = _best(rows, "ours", precision)
        assert other is not None
        delta = ndcg(other.scores) - ndcg(reference.scores)
        print(f"nDCG@10 {precision} - fp32 (ours): {delta:+.4f}")
    print("ours: tokenising the pairs takes " + ", ".join(
        f"{seconds:.1f} s ({precision})" for precision, seconds in tokenize_seconds.items())
        + " of each measured run (inside the figures above)")
    print(f"BM25 first stage nDCG@10: {ndcg(np.array([first[q][d] for q, d in keys])):.4f}")


if __name__ == "__main__":
    main()
