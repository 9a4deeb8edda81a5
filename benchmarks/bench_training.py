"""Training throughput: our Lightning fine-tuning vs sentence-transformers' CrossEncoderTrainer.

Why: fine-tuning is the expensive step of the thesis, so its cost is measured, not assumed. Both
systems train the same model on the same (query, document) pairs from SciFact train (BM25
negatives), with the same pairs per optimiser step, the same max length (longest-first
truncation in both), fp32, AdamW; each runs in its own process so peak memory (max RSS) is its own.

    python benchmarks/bench_training.py --model splade-tiny --steps 20
    python benchmarks/bench_training.py --model minilm --steps 5 --groups 2

Reports pairs/s of the training loop (data loading, forward, backward, optimiser), the ratio
ours / sentence-transformers, and each process's peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def _groups(model: str, n_groups: int, negatives: int, max_length: int, data: Path):
    from rerank_bench.data.sources import BeirSource
    from rerank_bench.models.loading import load_tokenizer
    from rerank_bench.models.resolve import resolve_model
    from rerank_bench.retrieval.bm25 import BM25Retriever
    from rerank_bench.training.datamodule import RerankDataModule
    from rerank_bench.training.mining import NegativeSampling

    dataset = BeirSource(name="scifact", path=str(data / "scifact")).load()
    tokenizer = load_tokenizer(resolve_model(model))
    dm = RerankDataModule(
        dataset,
        tokenizer,
        first_stage=BM25Retriever(cache_dir=None),
        sampling=NegativeSampling(negatives=negatives, rank_to=50),
        max_length=max_length,
        query_max_length=None,
        max_dev_queries=5,
        dev_depth=5,
        shuffle=False,
    )
    dm.setup("fit")
    assert dm.train_dataset is not None
    return dm, [dm.train_dataset[i] for i in range(n_groups)]


def _base(name: str) -> tuple:
    """The starting cross-encoder (a fresh one-logit head) and its tokenizer, as training has it."""
    from rerank_bench.models.resolve import resolve_model
    from rerank_bench.training import StageSettings
    from rerank_bench.training.stage import load_base_model

    return load_base_model(StageSettings(base_model=name), resolve_model(name))


def run_ours(args: argparse.Namespace) -> dict:
    import functools

    import pytorch_lightning as pl
    import torch
    from torch.utils.data import DataLoader

    from rerank_bench.training.losses import LocalizedContrastiveLoss
    from rerank_bench.training.module import RerankModule

    model, _ = _base(args.model)
    dm, groups = _groups(
        args.model, args.groups * args.steps, args.negatives, args.max_length, args.data
    )
    loader = DataLoader(groups, batch_size=args.groups, collate_fn=dm.collator)
    adamw = functools.partial(torch.optim.AdamW, lr=2e-5, weight_decay=0.01)
    module = RerankModule(model, [(LocalizedContrastiveLoss(), 1.0)], optimizer=adamw,
                          warmup_ratio=0.0)

    class Clock(pl.Callback):
        def on_train_start(self, trainer, pl_module):
            self.start = time.perf_counter()

        def on_train_end(self, trainer, pl_module):
            self.seconds = time.perf_counter() - self.start

    clock = Clock()
    trainer = pl.Trainer(
        accelerator="cpu",
        max_steps=args.steps,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        callbacks=[clock],
    )
    start = time.perf_counter()
    trainer.fit(module, train_dataloaders=loader)
    seconds = time.perf_counter() - start
    pairs = args.steps * args.groups * (1 + args.negatives)
    return {
        "system": "ours (Lightning, LCE)",
        "pairs": pairs,
        "seconds": seconds,
        "loop_seconds": clock.seconds,
    }


def run_st(args: argparse.Namespace) -> dict:
    import tempfile

    from sentence_transformers.cross_encoder import CrossEncoder
    from sentence_transformers.sentence_transformer.readers import InputExample
    from torch.utils.data import DataLoader

    _, groups = _groups(
        args.model, args.groups * args.steps, args.negatives, args.max_length, args.data
    )
    examples = [
        InputExample(texts=[group.query, text], label=float(label))
        for group in groups
        for text, label in zip(group.texts, group.labels, strict=True)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        # the same starting weights as ours (fresh one-logit head), saved as a plain HF folder
        model, tokenizer = _base(args.model)
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        ce = CrossEncoder(tmp, num_labels=1, max_length=args.max_length, device="cpu")
        loader = DataLoader(examples, batch_size=args.groups * (1 + args.negatives), shuffle=False)
        # `old_fit`: ST's own training loop (BCE-with-logits, AdamW, clipping); the Trainer-based
        # `fit` needs the `datasets` package, which rerank-bench does not depend on.
        start = time.perf_counter()
        ce.old_fit(loader, epochs=1, warmup_steps=0, show_progress_bar=False)
        seconds = time.perf_counter() - start
    pairs = args.steps * args.groups * (1 + args.negatives)
    return {
        "system": "sentence-transformers CrossEncoder.old_fit (BCE)",
        "pairs": pairs,
        "seconds": seconds,
    }


def main() -> None:
    from rerank_bench.experiments.results import machine_line

    print(f"machine: {machine_line()}")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="splade-tiny")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--groups", type=int, default=4, help="groups (queries) per step")
    parser.add_argument("--negatives", type=int, default=7)
    parser.add_argument("--max-length", type=int, default=256)
    parser.add_argument(
        "--data", type=Path, default=Path(os.environ.get("RERANK_BENCH_DATA", "../shared/data"))
    )
    parser.add_argument("--system", choices=["ours", "st"], help="run one system (internal)")
    args = parser.parse_args()
    if args.system:
        result = (run_ours if args.system == "ours" else run_st)(args)
        result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print("RESULT " + json.dumps(result))
        return
    results = []
    for system in ("ours", "st"):
        out = subprocess.run(
            [sys.executable, __file__, *sys.argv[1:], "--system", system],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        results.append(json.loads(out.split("RESULT ", 1)[1]))
    print(
        f"model={args.model} steps={args.steps} pairs/step={args.groups * (1 + args.negatives)} "
        f"max_length={args.max_length} threads={os.environ.get('OMP_NUM_THREADS', 'default')}"
    )
    print("| system | pairs/s | seconds | peak RSS (MB) |\n|---|---|---|---|")
    for r in results:
        print(
            f"| {r['system']} | {r['pairs'] / r['seconds']:.1f} | {r['seconds']:.1f} | "
            f"{r['peak_rss_mb']:.0f} |"
        )
    ratio = (results[0]["pairs"] / results[0]["seconds"]) / (
        results[1]["pairs"] / results[1]["seconds"]
    )
    print(f"ratio ours / sentence-transformers: {ratio:.2f}")


if __name__ == "__main__":
    main()
