"""The LightningModule that fine-tunes a cross-encoder with weighted ranking losses.

Why it is this small: the model and the losses arrive built (from config), so the module only
scores a batch, folds the scores back into groups, combines the losses and steps the optimiser.
Everything else (data, validation as ranking, checkpoints) lives in the datamodule and callbacks,
where it can be swapped without touching the training step.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from typing import Any

import pytorch_lightning as pl
import torch
from torch import Tensor, nn

from rerank_bench.errors import ConfigError, RerankBenchError
from rerank_bench.training.data import RerankBatch

__all__ = ["NonFiniteLossError", "RerankModule"]

log = logging.getLogger(__name__)


class NonFiniteLossError(RerankBenchError):
    """The training loss became NaN or infinite; training stopped before the update."""


class RerankModule(pl.LightningModule):
    """Score groups with a sequence-classification model and minimise weighted ranking losses.

    Args:
        model: a Hugging Face model whose ``logits[:, 0]`` is the relevance score of a pair.
        losses: ``(loss, weight)`` pairs; the training loss is the weighted sum.
        lr: peak learning rate of AdamW.
        weight_decay: AdamW weight decay (not applied to biases and LayerNorm weights).
        warmup_ratio: share of the optimiser steps spent warming up linearly from 0 to ``lr``,
            after which the rate decays linearly to 0 at the last step.
        warmup_steps: warm-up steps; overrides ``warmup_ratio`` when set.

    Raises:
        ConfigError: no loss, a negative weight, or all weights zero.
    """

    def __init__(
        self,
        model: nn.Module,
        losses: Sequence[tuple[nn.Module, float]],
        lr: float = 5e-5,
        weight_decay: float = 0.01,
        warmup_ratio: float = 0.1,
        warmup_steps: int | None = None,
    ) -> None:
        super().__init__()
        if not losses:
            raise ConfigError("RerankModule needs at least one (loss, weight) in train.losses.")
        weights = [float(w) for _, w in losses]
        if any(w < 0 or not math.isfinite(w) for w in weights) or not any(w > 0 for w in weights):
            raise ConfigError(
                f"loss weights must be finite, >= 0 and not all 0; got {weights}. "
                f"Fix: train.losses[*].weight."
            )
        if lr <= 0 or not 0 <= warmup_ratio < 1:
            raise ConfigError(
                f"expected lr > 0 and 0 <= warmup_ratio < 1, got {lr}, {warmup_ratio}."
            )
        self.model = model.train()  # from_pretrained returns eval mode (dropout off)
        self.losses = nn.ModuleList([loss for loss, _ in losses])
        self.loss_weights = weights
        self.lr = lr
        self.weight_decay = weight_decay
        self.warmup_ratio = warmup_ratio
        self.warmup_steps = warmup_steps
        self.save_hyperparameters(ignore=["model", "losses"])
        self._batch_start = 0.0
        self.pairs_seen = 0
        self.train_seconds = 0.0

    def forward(self, features: dict[str, Tensor]) -> Tensor:
        """One relevance score per pair: ``logits[:, 0]``, shape ``[n_pairs]``."""
        logits = self.model(**features).logits
        return logits[:, 0] if logits.ndim == 2 else logits

    def training_step(self, batch: RerankBatch, batch_idx: int) -> Tensor:
        """Weighted sum of the losses over the batch's groups.

        Raises:
            ConfigError: a distillation loss without teacher scores in the batch.
            NonFiniteLossError: the loss is NaN or infinite (the model is not updated).
        """
        scores = self(batch.features).float().view(batch.n_queries, batch.n_docs)
        total = scores.new_zeros(())
        for loss, weight in zip(self.losses, self.loss_weights, strict=True):
            name = type(loss).__name__
            targets = (
                batch.teacher_scores
                if getattr(loss, "uses_teacher_scores", False)
                else batch.labels
            )
            if targets is None:
                raise ConfigError(
                    f"{name} distils a teacher's scores, but the batch has none. "
                    f"Fix: set train.teacher, or choose another loss."
                )
            value = loss(scores, targets.to(scores.device))
            self.log(f"train/{name}", value.detach(), on_step=True, prog_bar=False)
            total = total + weight * value
        if not torch.isfinite(total):
            raise NonFiniteLossError(
                f"training loss is {float(total.detach())} at step {self.global_step} "
                f"(epoch {self.current_epoch}, batch {batch_idx}, queries "
                f"{', '.join(batch.query_ids[:5])}); stopped before updating the model. Fix: "
                f"lower train.lr, keep gradient clipping on, or use precision 32-true."
            )
        self.log("train/loss", total.detach(), on_step=True, prog_bar=True, sync_dist=True)
        optimizer = self.trainer.optimizers[0] if self._trainer is not None else None
        if optimizer is not None:
            self.log("lr", optimizer.param_groups[0]["lr"], on_step=True)
        return total

    def on_train_start(self) -> None:
        """Put the model in training mode (``from_pretrained`` returns it in eval mode)."""
        self.model.train()

    def on_train_batch_start(self, batch: Any, batch_idx: int) -> None:
        """Start the throughput clock."""
        self._batch_start = time.perf_counter()

    def on_train_batch_end(self, outputs: Any, batch: RerankBatch, batch_idx: int) -> None:
        """Log training pairs per second (forward, backward and optimiser step)."""
        seconds = time.perf_counter() - self._batch_start
        self.pairs_seen += batch.n_pairs
        self.train_seconds += seconds
        if seconds > 0:
            self.log("train/pairs_per_s", batch.n_pairs / seconds, on_step=True)

    def configure_optimizers(self) -> Any:
        """AdamW with linear warm-up then linear decay to zero, stepped every optimiser step."""
        from transformers import get_linear_schedule_with_warmup

        no_decay = ("bias", "LayerNorm.weight", "layer_norm.weight", "LayerNorm.bias")
        decay: list[nn.Parameter] = []
        plain: list[nn.Parameter] = []
        for name, param in self.model.named_parameters():
            if param.requires_grad:
                (plain if name.endswith(no_decay) else decay).append(param)
        optimizer = torch.optim.AdamW(
            [
                {"params": decay, "weight_decay": self.weight_decay},
                {"params": plain, "weight_decay": 0.0},
            ],
            lr=self.lr,
        )
        total = max(1, int(self.trainer.estimated_stepping_batches))
        warmup = (
            self.warmup_steps if self.warmup_steps is not None else int(total * self.warmup_ratio)
        )
        scheduler = get_linear_schedule_with_warmup(optimizer, min(warmup, total), total)
        return {
            "optimizer": optimizer,
            "lr_scheduler": {"scheduler": scheduler, "interval": "step", "frequency": 1},
        }
