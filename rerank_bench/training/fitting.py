"""The Lightning side of a stage: module, callbacks, checkpoints and a Trainer, then ``fit``.

Why apart from :mod:`~rerank_bench.training.stage`: the stage decides *what* to train (which data,
which start, whether a finished folder is reused); this module only knows how Lightning trains a
network resumably. It is also the one place that knows about DDP: Lightning's ``ddp`` strategy
re-runs the command line for every extra device, each worker process reaches this ``fit``, trains
its shard, and is told so by the ``None`` it gets back (rank 0 validates, saves and reports).
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

import pytorch_lightning as pl
from pytorch_lightning.callbacks import ModelCheckpoint

from rerank_bench.inference import InferenceSettings
from rerank_bench.inference.device import training_precision
from rerank_bench.library_noise import quiet_training
from rerank_bench.training.callbacks import (
    RankingValidationCallback,
    ValidationSummary,
    save_hf_folder,
)
from rerank_bench.training.datamodule import RerankDataModule
from rerank_bench.training.module import BiEncoderModule, NonFiniteLossError, RerankModule
from rerank_bench.training.relaunch import ranks_rerun_this_job
from rerank_bench.training.resume import RandomStateCallback, ResumableCSVLogger
from rerank_bench.training.settings import StageSettings, TrainChain

__all__ = ["fit"]

log = logging.getLogger(__name__)


def _module(
    stage: StageSettings, model: Any, tokenizer: Any, precision: str
) -> RerankModule | BiEncoderModule:
    inference = InferenceSettings(
        max_length=stage.max_length,
        query_max_length=stage.query_max_length if stage.kind == "cross_encoder" else None,
        # a model trained under bf16 autocast is validated in bf16 (2x faster on the CPU)
        precision="bf16" if precision.startswith("bf16") else "fp32",
        show_progress=False,
    )
    common: dict[str, Any] = {
        "optimizer": stage.optimizer,
        "warmup_ratio": stage.warmup_ratio,
        "tokenizer": tokenizer,
        "inference": inference,
    }
    if stage.kind == "bi_encoder":
        return BiEncoderModule(model, stage.loss_pairs(), scale=stage.scale,
                               query_max_length=stage.query_max_length, **common)
    return RerankModule(model, stage.loss_pairs(), **common)


def _readable(checkpoint: Path) -> bool:
    """Whether ``checkpoint`` exists and loads; an unreadable one is removed, with a warning.

    A job killed while Lightning wrote the checkpoint leaves it truncated; resuming from it
    crashed every later run of the recipe with a raw unpickling traceback. The stage then trains
    from its start instead (its curves restart with it).
    """
    import torch

    if not checkpoint.is_file():
        return False
    try:
        torch.load(checkpoint, map_location="cpu", weights_only=False, mmap=True)
    except Exception as exc:  # truncated zip, bad pickle, wrong format: all mean "unreadable"
        log.warning("checkpoint %s is unreadable (%s: %s), probably cut short by a killed job; "
                    "removing it and training the stage from its start", checkpoint,
                    type(exc).__name__, exc)
        checkpoint.unlink()
        shutil.rmtree(checkpoint.parent.parent / "curves", ignore_errors=True)
        return False
    return True


def fit(
    stage: StageSettings,
    chain: TrainChain,
    model: Any,
    tokenizer: Any,
    datamodule: RerankDataModule,
    folder: Path,
    info: dict[str, Any],
) -> ValidationSummary | None:
    """Train ``model`` in ``folder``; the best model by dev nDCG@10 is saved to ``folder/model``.

    Returns:
        What validation saw, or ``None`` in a DDP worker process (rank > 0).

    Raises:
        NonFiniteLossError: the loss became NaN/inf; the message names the last good state.
    """
    best_dir, ckpt_dir = folder / "model", folder / "checkpoints"
    seed = chain.seed if chain.seed is not None else datamodule.seed
    pl.seed_everything(seed, workers=True, verbose=False)
    precision = training_precision(chain.trainer.precision, chain.trainer.accelerator)
    module = _module(stage, model, tokenizer, precision)
    validation = RankingValidationCallback(
        every_n_steps=stage.val_every_n_steps,
        best_dir=best_dir,
        tokenizer=tokenizer,
        rel_level=datamodule.dataset.rel_level,
        patience=stage.patience,
        validate_at_start=stage.validate_at_start,
        info={**info, "seed": seed},
    )
    checkpoint = ModelCheckpoint(
        dirpath=str(ckpt_dir),
        save_last=True,
        save_top_k=0,
        every_n_train_steps=stage.val_every_n_steps,
        save_on_train_epoch_end=True,
    )
    last = ckpt_dir / "last.ckpt"
    ckpt_path = str(last) if chain.resume and _readable(last) else None
    hardware = chain.trainer
    with quiet_training():  # Lightning's chatter, not the user's business
        trainer = pl.Trainer(
            accelerator=hardware.accelerator,
            devices=hardware.devices,
            num_nodes=hardware.num_nodes,
            strategy=hardware.strategy,
            precision=precision,  # type: ignore[arg-type]
            max_epochs=stage.max_epochs,
            max_steps=stage.max_steps,
            accumulate_grad_batches=stage.accumulate_grad_batches,
            gradient_clip_val=stage.gradient_clip_val,
            logger=ResumableCSVLogger(folder, resume=ckpt_path is not None),
            callbacks=[RandomStateCallback(), validation, checkpoint],
            default_root_dir=str(folder),
            reload_dataloaders_every_n_epochs=1,
            use_distributed_sampler=False,  # RerankDataModule shards itself (seeded, order kept)
            limit_val_batches=0,
            num_sanity_val_steps=0,
            fast_dev_run=chain.fast_dev_run,
            log_every_n_steps=chain.log_every_n_steps,
            enable_progress_bar=chain.progress_bar,
            enable_model_summary=False,
        )
        if ckpt_path:
            log.info("resuming training from %s", ckpt_path)
        try:
            with ranks_rerun_this_job():  # a sweep's job trains its own ranks
                trainer.fit(module, datamodule=datamodule, ckpt_path=ckpt_path)
        except NonFiniteLossError as exc:
            kept = [str(p) for p in (last, best_dir) if p.exists()]
            raise NonFiniteLossError(
                f"{exc} Last good state kept: {', '.join(kept) or 'none (no checkpoint yet)'}."
            ) from exc
    if trainer.global_rank > 0:
        return None
    if not (best_dir / "config.json").is_file():  # fast_dev_run skips the callbacks' saving
        save_hf_folder(module.model, tokenizer, best_dir, {**info, "step": trainer.global_step})
    return validation.summary
