"""The LightningModules that fine-tune a cross-encoder or a bi-encoder with weighted ranking losses.

Why they are this small: the model, losses and optimiser arrive built (from config), so a module
only scores a batch into groups, combines the losses and steps the optimiser. The two kinds differ
in one place, how a batch becomes a score matrix: a cross-encoder scores each (query, document)
pair of a group; a bi-encoder embeds queries and documents apart and scores every query against
every document of the batch (in-batch negatives, as sentence-transformers'
MultipleNegativesRankingLoss does). Data, validation and checkpoints live in the datamodule and
callbacks.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pytorch_lightning as pl
import torch
from torch import Tensor, nn

from rerank_bench.errors import ConfigError, RerankBenchError
from rerank_bench.inference import InferenceSettings, encode_texts, score_pairs
from rerank_bench.inference.tokenize import TruncationTally
from rerank_bench.training.data import RerankBatch

__all__ = ["BiEncoderModule", "NonFiniteLossError", "RankingModule", "RerankModule"]

log = logging.getLogger(__name__)

_MASKED = -1e4
"""Score given to in-batch documents that are no negative of a query (finite: 0 * -inf is NaN)."""

Optimizer = Callable[..., torch.optim.Optimizer]


class NonFiniteLossError(RerankBenchError):
    """The training loss became NaN or infinite; training stopped before the update."""


def _adamw(params: Any) -> torch.optim.Optimizer:
    return torch.optim.AdamW(params, lr=5e-5, weight_decay=0.01)


class RankingModule(pl.LightningModule):
    """What both kinds share: weighted losses over group scores, the optimiser and its schedule.

    Args:
        model: the network being trained.
        losses: ``(loss, weight)`` pairs; the training loss is the weighted sum.
        optimizer: ``params -> Optimizer`` (a Hydra partial); default AdamW(lr 5e-5, wd 0.01).
            Biases and LayerNorm weights go in a parameter group without weight decay.
        warmup_ratio: share of the optimiser steps spent warming up linearly from 0 to the
            optimiser's learning rate, after which the rate decays linearly to 0.
        warmup_steps: warm-up steps; overrides ``warmup_ratio`` when set.
        tokenizer: the model's tokenizer (for dev scoring).
        inference: truncation and batching of dev scoring.

    Raises:
        ConfigError: no loss, a negative weight, or all weights zero.
    """

    def __init__(
        self,
        model: nn.Module,
        losses: Sequence[tuple[nn.Module, float]],
        optimizer: Optimizer | None = None,
        warmup_ratio: float = 0.1,
        warmup_steps: int | None = None,
        tokenizer: Any = None,
        inference: InferenceSettings | None = None,
    ) -> None:
        super().__init__()
        if not losses:
            raise ConfigError("a training module needs at least one (loss, weight) in losses.")
        weights = [float(w) for _, w in losses]
        if any(w < 0 or not math.isfinite(w) for w in weights) or not any(w > 0 for w in weights):
            raise ConfigError(
                f"loss weights must be finite, >= 0 and not all 0; got {weights}. "
                f"Fix: train.stages.<stage>.losses[*].weight."
            )
        if not 0 <= warmup_ratio < 1:
            raise ConfigError(f"expected 0 <= warmup_ratio < 1, got {warmup_ratio}.")
        self.model = model.train()  # from_pretrained returns eval mode (dropout off)
        self.losses = nn.ModuleList([loss for loss, _ in losses])
        self.loss_weights = weights
        self.optimizer_factory: Optimizer = optimizer or _adamw
        self.warmup_ratio = warmup_ratio
        self.warmup_steps = warmup_steps
        self.tokenizer = tokenizer
        self.inference = inference or InferenceSettings(show_progress=False)
        self._batch_start = 0.0
        self._dev_truncation_logged = False
        self.pairs_seen = 0
        self.train_seconds = 0.0

    # -- what a kind defines --------------------------------------------------------------------

    def batch_scores(self, batch: RerankBatch) -> tuple[Tensor, Tensor, Tensor]:
        """``(scores, labels, group_scores)``: the matrix label losses see with its targets, and
        the ``[n_queries, n_docs]`` scores of each query's own group (what distillation sees)."""
        raise NotImplementedError

    def score_dev(self, queries: Sequence[str], docs: Sequence[str]) -> np.ndarray:
        """Scores of aligned (query, document) pairs by the model as it is now (validation): in
        eval mode (dropout off), on the device it trains on, then back to its previous mode.

        The dev pairs are the same at every validation, so their truncation is logged once.
        """
        if not queries:
            return np.zeros(0, dtype=np.float32)
        was_training = self.model.training
        self.model.eval()
        truncation = TruncationTally()
        try:
            scores = self._score(queries, docs, self._eval_settings(), truncation)
        finally:
            self.model.train(was_training)
        if not self._dev_truncation_logged:
            log.info("validation: %s", truncation.describe())
            self._dev_truncation_logged = True
        return scores

    def _score(
        self,
        queries: Sequence[str],
        docs: Sequence[str],
        settings: InferenceSettings,
        truncation: TruncationTally,
    ) -> np.ndarray:
        raise NotImplementedError

    # -- training -------------------------------------------------------------------------------

    def training_step(self, batch: RerankBatch, batch_idx: int) -> Tensor:
        """Weighted sum of the losses over the batch.

        Raises:
            ConfigError: a distillation loss without teacher scores in the batch.
            NonFiniteLossError: the loss is NaN or infinite (the model is not updated).
        """
        scores, labels, group_scores = self.batch_scores(batch)
        total = scores.new_zeros(())
        for loss, weight in zip(self.losses, self.loss_weights, strict=True):
            name = type(loss).__name__
            if getattr(loss, "uses_teacher_scores", False):
                if batch.teacher_scores is None:
                    raise ConfigError(
                        f"{name} distils a teacher's scores, but the batch has none. "
                        f"Fix: set the stage's teacher, or choose another loss."
                    )
                value = loss(group_scores, batch.teacher_scores.to(scores.device))
            else:
                value = loss(scores, labels.to(scores.device))
            if len(self.losses) > 1:  # one loss is train/loss itself: no second spelling
                self.log(f"train/{name}", value.detach(), on_step=True, prog_bar=False)
            total = total + weight * value
        if not torch.isfinite(total):
            raise NonFiniteLossError(
                f"training loss is {float(total.detach())} at step {self.global_step} "
                f"(epoch {self.current_epoch}, batch {batch_idx}, queries "
                f"{', '.join(batch.query_ids[:5])}); stopped before updating the model. Fix: "
                f"lower the optimizer's lr, keep gradient clipping on, or use precision 32-true."
            )
        self.log("train/loss", total.detach(), on_step=True, prog_bar=True, sync_dist=True)
        optimizer = self.trainer.optimizers[0] if self._trainer is not None else None
        if optimizer is not None:
            self.log("train/lr", optimizer.param_groups[0]["lr"], on_step=True)
        return total

    def on_train_start(self) -> None:
        """Put the model in training mode (``from_pretrained`` returns it in eval mode)."""
        self.model.train()

    def on_train_batch_start(self, batch: Any, batch_idx: int) -> None:
        """Start the throughput clock."""
        self._batch_start = time.perf_counter()

    def on_train_batch_end(self, outputs: Any, batch: RerankBatch, batch_idx: int) -> None:
        """Log training inputs per second (forward, backward and optimiser step)."""
        seconds = time.perf_counter() - self._batch_start
        self.pairs_seen += batch.n_pairs
        self.train_seconds += seconds
        if seconds > 0:
            self.log("train/pairs_per_s", batch.n_pairs / seconds, on_step=True)

    def configure_optimizers(self) -> Any:
        """The configured optimiser with linear warm-up then linear decay, stepped every step."""
        from transformers import get_linear_schedule_with_warmup

        no_decay = ("bias", "LayerNorm.weight", "layer_norm.weight", "LayerNorm.bias")
        decay: list[nn.Parameter] = []
        plain: list[nn.Parameter] = []
        for name, param in self.model.named_parameters():
            if param.requires_grad:
                (plain if name.endswith(no_decay) else decay).append(param)
        optimizer = self.optimizer_factory(
            [{"params": decay}, {"params": plain, "weight_decay": 0.0}]
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

    def _eval_settings(self) -> InferenceSettings:
        return replace(self.inference, device=str(next(self.model.parameters()).device))


class RerankModule(RankingModule):
    """Fine-tune a cross-encoder: ``model(**pairs).logits[:, 0]`` scores each pair of a group."""

    def forward(self, features: dict[str, Tensor]) -> Tensor:
        """One relevance score per pair, shape ``[n_pairs]``."""
        logits = self.model(**features).logits
        return logits[:, 0] if logits.ndim == 2 else logits

    def batch_scores(self, batch: RerankBatch) -> tuple[Tensor, Tensor, Tensor]:
        """Group scores ``[n_queries, n_docs]``; labels and distillation see the same matrix."""
        scores = self(batch.features).float().view(batch.n_queries, batch.n_docs)
        return scores, batch.labels, scores

    def _score(
        self,
        queries: Sequence[str],
        docs: Sequence[str],
        settings: InferenceSettings,
        truncation: TruncationTally,
    ) -> np.ndarray:
        """Raw logits."""
        return score_pairs(self.model, self.tokenizer, queries, docs, settings, "none",
                           "validation", truncation)


class BiEncoderModule(RankingModule):
    """Fine-tune a bi-encoder (mean pooling, unit vectors) with in-batch negatives.

    Every query is scored against every document of the batch, ``scale * cos(q, d)``; its own
    group carries its labels, the other groups' documents are negatives, except the documents it
    has a label > 0 for (the same article is often the positive of two questions of a batch),
    which are masked out.

    Args:
        scale: multiplies the cosine (20, as sentence-transformers' MNRL).
        query_max_length: token budget of queries at dev scoring.
        Other arguments as :class:`RankingModule`.
    """

    def __init__(self, *args: Any, scale: float = 20.0, query_max_length: int | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.scale = float(scale)
        self.query_max_length = query_max_length or self.inference.max_length

    def _embed(self, features: dict[str, Tensor]) -> Tensor:
        from rerank_bench.inference import pool

        hidden = self.model(**features).last_hidden_state.float()
        return pool(hidden, features["attention_mask"], "mean", normalize=True)

    def batch_scores(self, batch: RerankBatch) -> tuple[Tensor, Tensor, Tensor]:
        """In-batch scores ``[n_queries, n_queries * n_docs]`` and the own-group block."""
        if batch.query_features is None:
            raise ConfigError("BiEncoderModule needs batches from SplitCollator (query_features).")
        queries = self._embed(batch.query_features)
        docs = self._embed(batch.features)
        scores = self.scale * queries @ docs.T
        n_q, n_d = batch.n_queries, batch.n_docs
        labels = torch.zeros_like(scores)
        flat_ids = [doc_id for group in batch.doc_ids for doc_id in group]
        mask = torch.zeros_like(scores, dtype=torch.bool)
        for i in range(n_q):
            own = slice(i * n_d, (i + 1) * n_d)
            labels[i, own] = batch.labels[i].to(scores.device)
            for j, doc_id in enumerate(flat_ids):
                if not own.start <= j < own.stop and doc_id in batch.labelled[i]:
                    mask[i, j] = True
        scores = scores.masked_fill(mask, _MASKED)
        rows = torch.arange(n_q, device=scores.device).unsqueeze(1)
        columns = rows * n_d + torch.arange(n_d, device=scores.device)
        return scores, labels, scores.gather(1, columns)

    def _score(
        self,
        queries: Sequence[str],
        docs: Sequence[str],
        settings: InferenceSettings,
        truncation: TruncationTally,
    ) -> np.ndarray:
        """Cosine of the separately embedded query and document of each pair."""
        unique_q, q_index = np.unique(np.asarray(queries, dtype=object), return_inverse=True)
        unique_d, d_index = np.unique(np.asarray(docs, dtype=object), return_inverse=True)
        q_settings = replace(settings, max_length=self.query_max_length, query_max_length=None)
        d_settings = replace(settings, query_max_length=None)
        q_vec = encode_texts(self.model, self.tokenizer, list(unique_q), q_settings,
                             truncation=truncation, side="query")
        d_vec = encode_texts(self.model, self.tokenizer, list(unique_d), d_settings,
                             truncation=truncation, side="doc")
        return np.einsum("ij,ij->i", q_vec[q_index], d_vec[d_index]).astype(np.float32)
