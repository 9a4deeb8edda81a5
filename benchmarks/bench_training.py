"""Training throughput: our Lightning fine-tuning vs sentence-transformers' CrossEncoderTrainer.

Why: fine-tuning is the expensive step of the thesis, so its cost is measured, not assumed. Both
systems train the same model on the same (query, document) pairs from SciFact train (BM25
negatives), with the same pairs per optimiser step, the same max length (longest-first
truncation in both), the same precision (``--precision``: fp32, or bf16 autocast: Lightning's
``bf16-mixed``, the HF Trainer's ``bf16``), AdamW; each runs in its own process so peak memory
(max RSS) is its own.

sentence-transformers trains with ``CrossEncoder.old_fit`` (its own loop; fp32 only) by default,
or with ``--st trainer``: ``CrossEncoderTrainer`` (the Hugging Face Trainer; needs the
``datasets`` package, which rerank-bench does not depend on). ``--device cuda`` trains both on the
GPU.

    python benchmarks/bench_training.py --model splade-tiny --steps 20
    python benchmarks/bench_training.py --model minilm --steps 5 --groups 2
    python benchmarks/bench_training.py --model minilm --steps 200 --skip-steps 20 \
        --device cuda --precision bf16 --st trainer

Reports pairs/s of the training loop (data loading, forward, backward, optimiser), the same after
the first ``--skip-steps`` steps (steady state: CUDA start-up, allocator growth and kernel choice
left out; not measurable inside ``old_fit``), the ratio ours / sentence-transformers, each
process's peak RSS and, on a GPU, its peak allocation.
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
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _neural_common import gpu_peak_mb  # noqa: E402


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


class StepClock:
    """Wall-clock time at the start of each optimiser step and at the end of training (after
    the GPU has finished its queued work, when there is one)."""

    def __init__(self, device: str) -> None:
        self.cuda = device.startswith("cuda")
        self.starts: list[float] = []
        self.end = 0.0

    def _now(self) -> float:
        if self.cuda:
            import torch

            torch.cuda.synchronize()
        return time.perf_counter()

    def step(self) -> None:
        self.starts.append(self._now())

    def stop(self) -> None:
        self.end = self._now()

    def steady_seconds(self, skip: int) -> float | None:
        """Seconds from the start of step ``skip + 1`` to the end; ``None``: too few steps."""
        return self.end - self.starts[skip] if 0 <= skip < len(self.starts) else None


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

    steps = StepClock(args.device)

    class Clock(pl.Callback):
        def on_train_start(self, trainer, pl_module):
            self.start = time.perf_counter()

        def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
            steps.step()

        def on_train_end(self, trainer, pl_module):
            steps.stop()
            self.seconds = time.perf_counter() - self.start

    clock = Clock()
    trainer = pl.Trainer(
        accelerator="gpu" if args.device.startswith("cuda") else "cpu",
        devices=1,
        precision="bf16-mixed" if args.precision == "bf16" else "32-true",
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
        "system": f"ours (Lightning, LCE, {args.precision})",
        "pairs": pairs,
        "seconds": seconds,
        "loop_seconds": clock.seconds,
        "steady_seconds": steps.steady_seconds(args.skip_steps),
        "gpu_peak_mb": gpu_peak_mb(args.device),
    }


def run_st(args: argparse.Namespace) -> dict:
    import tempfile

    from sentence_transformers.cross_encoder import CrossEncoder

    _, groups = _groups(
        args.model, args.groups * args.steps, args.negatives, args.max_length, args.data
    )
    rows = [
        (group.query, text, float(label))
        for group in groups
        for text, label in zip(group.texts, group.labels, strict=True)
    ]
    batch_size = args.groups * (1 + args.negatives)
    with tempfile.TemporaryDirectory() as tmp:
        # the same starting weights as ours (fresh one-logit head), saved as a plain HF folder
        model, tokenizer = _base(args.model)
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        ce = CrossEncoder(tmp, num_labels=1, max_length=args.max_length, device=args.device)
        if args.st == "trainer":
            system, seconds, steady = _st_trainer(ce, rows, batch_size, args, Path(tmp))
        else:
            system, seconds, steady = _st_old_fit(ce, rows, batch_size)
    pairs = args.steps * args.groups * (1 + args.negatives)
    return {
        "system": system,
        "pairs": pairs,
        "seconds": seconds,
        "steady_seconds": steady,
        "gpu_peak_mb": gpu_peak_mb(args.device),
    }


def _st_old_fit(ce, rows: list[tuple[str, str, float]], batch_size: int
                ) -> tuple[str, float, None]:
    """ST's own training loop (BCE-with-logits, AdamW, clipping), fp32: no step hooks."""
    from sentence_transformers.sentence_transformer.readers import InputExample
    from torch.utils.data import DataLoader

    examples = [InputExample(texts=[query, text], label=label) for query, text, label in rows]
    loader = DataLoader(examples, batch_size=batch_size, shuffle=False)
    start = time.perf_counter()
    ce.old_fit(loader, epochs=1, warmup_steps=0, show_progress_bar=False)
    seconds = time.perf_counter() - start
    return "sentence-transformers CrossEncoder.old_fit (BCE, fp32)", seconds, None


def _st_trainer(ce, rows: list[tuple[str, str, float]], batch_size: int,
                args: argparse.Namespace, tmp: Path) -> tuple[str, float, float | None]:
    """``CrossEncoderTrainer`` (the Hugging Face Trainer) with BCE, AdamW, clipping, in order."""
    from datasets import Dataset
    from sentence_transformers.cross_encoder import (
        CrossEncoderTrainer,
        CrossEncoderTrainingArguments,
    )
    from sentence_transformers.cross_encoder.losses import BinaryCrossEntropyLoss
    from transformers import TrainerCallback

    steps = StepClock(args.device)

    class Clock(TrainerCallback):
        def on_step_begin(self, train_args, state, control, **kwargs):
            steps.step()

        def on_train_end(self, train_args, state, control, **kwargs):
            steps.stop()

    dataset = Dataset.from_dict({"query": [r[0] for r in rows], "document": [r[1] for r in rows],
                                 "label": [r[2] for r in rows]})
    training = CrossEncoderTrainingArguments(
        output_dir=str(tmp / "st-trainer"),
        per_device_train_batch_size=batch_size,
        max_steps=args.steps,
        learning_rate=2e-5,
        weight_decay=0.01,
        warmup_steps=0,
        max_grad_norm=1.0,
        bf16=args.precision == "bf16",
        use_cpu=not args.device.startswith("cuda"),
        report_to="none",
        save_strategy="no",
        logging_strategy="no",
        disable_tqdm=True,
        dataloader_num_workers=0,
        seed=0,
    )
    trainer = CrossEncoderTrainer(model=ce, args=training, train_dataset=dataset,
                                  loss=BinaryCrossEntropyLoss(ce), callbacks=[Clock()])
    start = time.perf_counter()
    trainer.train()
    seconds = time.perf_counter() - start
    return (f"sentence-transformers CrossEncoderTrainer (BCE, {args.precision})", seconds,
            steps.steady_seconds(args.skip_steps))


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
    parser.add_argument("--device", default="cpu", help="cpu or cuda (both systems)")
    parser.add_argument("--precision", choices=["fp32", "bf16"], default="fp32",
                        help="bf16: autocast (Lightning bf16-mixed, HF Trainer bf16)")
    parser.add_argument("--st", choices=["old_fit", "trainer"], default="old_fit",
                        help="sentence-transformers' loop: old_fit (fp32 only) or "
                             "CrossEncoderTrainer (needs the datasets package)")
    parser.add_argument("--skip-steps", type=int, default=0,
                        help="steps left out of the steady-state pairs/s")
    parser.add_argument("--system", choices=["ours", "st"], help="run one system (internal)")
    args = parser.parse_args()
    if args.st == "old_fit" and args.precision != "fp32":
        parser.error("CrossEncoder.old_fit trains in fp32 only: add --st trainer for bf16")
    if args.system:
        result = (run_ours if args.system == "ours" else run_st)(args)
        result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print("RESULT " + json.dumps(result))
        return
    results = []
    for system in ("ours", "st"):
        done = subprocess.run(
            [sys.executable, __file__, *sys.argv[1:], "--system", system],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0 or "RESULT " not in done.stdout:
            sys.exit(f"{system} failed (exit {done.returncode}):\n{done.stdout}\n{done.stderr}")
        results.append(json.loads(done.stdout.split("RESULT ", 1)[1]))
    pairs_per_step = args.groups * (1 + args.negatives)
    print(
        f"model={args.model} steps={args.steps} pairs/step={pairs_per_step} "
        f"max_length={args.max_length} device={args.device} precision={args.precision} "
        f"threads={os.environ.get('OMP_NUM_THREADS', 'default')}"
    )
    steady_label = f"pairs/s after {args.skip_steps} steps"

    def steady(r: dict) -> float | None:
        seconds = r.get("steady_seconds")
        return (args.steps - args.skip_steps) * pairs_per_step / seconds if seconds else None

    print(f"| system | pairs/s | {steady_label} | seconds | peak RSS (MB) | GPU peak (MB) |\n"
          "|---|---|---|---|---|---|")
    for r in results:
        rate = steady(r)
        gpu = r.get("gpu_peak_mb")
        print(
            f"| {r['system']} | {r['pairs'] / r['seconds']:.1f} | "
            f"{f'{rate:.1f}' if rate else 'n/a'} | {r['seconds']:.1f} | "
            f"{r['peak_rss_mb']:.0f} | {f'{gpu:.0f}' if gpu is not None else 'n/a'} |"
        )
    ratio = (results[0]["pairs"] / results[0]["seconds"]) / (
        results[1]["pairs"] / results[1]["seconds"]
    )
    print(f"ratio ours / sentence-transformers: {ratio:.2f}")
    ours_steady, st_steady = steady(results[0]), steady(results[1])
    if ours_steady and st_steady:
        print(f"ratio ours / sentence-transformers, {steady_label}: "
              f"{ours_steady / st_steady:.2f}")


if __name__ == "__main__":
    main()
