"""Fine-tune a cross-encoder on a dataset's training split: one call from the pipeline.

Why one function: the pipeline (and a researcher in a notebook) should not wire a model,
datamodule, module, callbacks, loggers and a Trainer by hand. :func:`fit_cross_encoder` builds them
from :class:`TrainSettings`, trains with Lightning (devices, DDP, bf16, accumulation), resumes an
interrupted run from its last checkpoint, logs curves into the pipeline's own MLflow run and
returns the best model as a standard Hugging Face folder.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any

import pytorch_lightning as pl
from pytorch_lightning.callbacks import ModelCheckpoint
from pytorch_lightning.loggers import CSVLogger, Logger, MLFlowLogger
from torch import nn

from rerank_bench.distributed import PARENT_RUN_ENV
from rerank_bench.errors import ConfigError, DdpWorkerDone, ModelResolutionError
from rerank_bench.inference import InferenceSettings
from rerank_bench.models.loading import load_tokenizer
from rerank_bench.models.resolve import ResolvedModel, resolve_model
from rerank_bench.reranking.base import FitContext
from rerank_bench.training.callbacks import (
    SUMMARY_FILE,
    RankingValidationCallback,
    ValidationSummary,
)
from rerank_bench.training.datamodule import RerankDataModule
from rerank_bench.training.labels import LabelSource
from rerank_bench.training.losses import LocalizedContrastiveLoss
from rerank_bench.training.mining import NegativeSampling
from rerank_bench.training.module import NonFiniteLossError, RerankModule

__all__ = [
    "TrainSettings",
    "fit_cross_encoder",
    "load_cross_encoder",
    "training_datamodule",
]

log = logging.getLogger(__name__)


@dataclass
class TrainSettings:
    """How to fine-tune (the ``train`` config group).

    Attributes:
        base_model: the starting checkpoint: an alias (``minilm``, ``splade-tiny``), a folder
            (e.g. a model this tool trained earlier: two-stage fine-tuning) or a hub id.
        losses: ``[{loss: <RankingLoss>, weight: float}, ...]`` (or ``(loss, weight)`` tuples).
        sampling: negative mining rules.
        max_length: token budget of a (query, document) pair.
        query_max_length: token budget of the query inside a pair.
        batch_size: groups (queries) per batch; pairs per batch = batch_size x (1 + negatives).
        accumulate_grad_batches: batches per optimiser step.
        lr: peak learning rate; ``weight_decay``, ``warmup_ratio``: AdamW and schedule.
        max_epochs: epochs; ``max_steps``: optimiser steps (-1: no limit).
        gradient_clip_val: gradient norm clipping (``None``: off).
        val_every_n_steps: validation (dev re-ranking) interval in optimiser steps.
        patience: validations without improvement before early stopping (``None``: off).
        validate_at_start: score the starting model on dev before training.
        dev_fraction, max_dev_queries, dev_depth: the held-out dev set (when the dataset has no
            dev split) and how many first-stage candidates per dev query validation re-ranks.
        max_train_queries: cap on training queries (demos, tests).
        label_source: labels other than the qrels (e.g. from interaction logs).
        min_positive_label: labels at or above this are positives (``None``: any > 0).
        max_positives: keep each query's this many highest-labelled positives (``None``: all);
            click-derived labels are > 0 for every document shown, so this bounds the groups.
        dev_from_labels: judge dev with the training labels on held-out training queries
            (``True``) or with the dataset's dev split (``False``); ``None``: ``True`` exactly
            when labels come from a label source (e.g. a log). Log-judged dev inherits the
            logged ranker's exposure bias: on the helpdesk it scores BM25 0.90 and prefers it.
        teacher: scorer with ``score(queries, docs)`` for distillation losses.
        accelerator, devices, num_nodes, strategy, precision: passed to the Lightning Trainer
            (``strategy: ddp`` / ``ddp_spawn``; ``precision: bf16-mixed`` on GPU).
        resume: continue from ``last.ckpt`` in the output folder when there is one.
        seed: overrides the experiment seed when set.
        num_workers: DataLoader workers.
        shuffle: shuffle training groups each epoch (off: a fixed order, e.g. to compare DDP).
        fast_dev_run: Lightning's smoke test (a few batches, no checkpoints).
        log_every_n_steps: logging interval of training curves.
        progress_bar: show Lightning's progress bar.
    """

    base_model: str = "minilm"
    losses: Any = None
    sampling: NegativeSampling = field(default_factory=NegativeSampling)
    max_length: int = 256
    query_max_length: int | None = 64
    batch_size: int = 4
    accumulate_grad_batches: int = 1
    lr: float = 5e-5
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    max_epochs: int = 1
    max_steps: int = -1
    gradient_clip_val: float | None = 1.0
    val_every_n_steps: int = 100
    patience: int | None = 3
    validate_at_start: bool = True
    dev_fraction: float = 0.1
    max_dev_queries: int | None = 100
    dev_depth: int = 50
    max_train_queries: int | None = None
    label_source: LabelSource | None = None
    min_positive_label: float | None = None
    max_positives: int | None = None
    dev_from_labels: bool | None = None
    teacher: Any | None = None
    accelerator: str = "auto"
    devices: int | str | list[int] = 1
    num_nodes: int = 1
    strategy: str = "auto"
    precision: str = "32-true"
    resume: bool = True
    seed: int | None = None
    num_workers: int = 0
    shuffle: bool = True
    fast_dev_run: bool | int = False
    log_every_n_steps: int = 10
    progress_bar: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.sampling, Mapping):
            self.sampling = NegativeSampling(**self.sampling)
        if self.max_epochs < 1 and self.max_steps < 1:
            raise ConfigError("train.max_epochs or train.max_steps must be >= 1.")
        self.loss_pairs()  # validate early

    def loss_pairs(self) -> list[tuple[nn.Module, float]]:
        """The configured losses as ``(module, weight)``; default: listwise LCE alone.

        Raises:
            ConfigError: an entry that is neither a loss module nor ``{loss, weight}``.
        """
        if self.losses is None:
            return [(LocalizedContrastiveLoss(), 1.0)]
        entries = [self.losses] if isinstance(self.losses, nn.Module | Mapping) else self.losses
        pairs: list[tuple[nn.Module, float]] = []
        for entry in entries:
            if isinstance(entry, nn.Module):
                pairs.append((entry, 1.0))
            elif isinstance(entry, Mapping) and isinstance(entry.get("loss"), nn.Module):
                pairs.append((entry["loss"], float(entry.get("weight", 1.0))))
            elif (
                isinstance(entry, Sequence) and len(entry) == 2 and isinstance(entry[0], nn.Module)
            ):
                pairs.append((entry[0], float(entry[1])))
            else:
                raise ConfigError(
                    f"train.losses entry {entry!r} is not a loss; expected "
                    f"{{loss: {{_target_: rerank_bench.training.losses.<Name>}}, weight: 1.0}}."
                )
        return pairs

    def fingerprint(self) -> dict[str, Any]:
        """Every setting that shapes the trained model, JSON-ready: the training cache key.

        Losses contribute their class and scalar settings (temperature, margin...), the label
        source and teacher their ``cache_key()`` or ``repr``; logging and resuming do not count.
        """
        ignored = {"resume", "progress_bar", "log_every_n_steps", "num_workers"}
        return {
            name: _plain(getattr(self, name))
            for name in (f.name for f in fields(self))
            if name not in ignored
        }

    def describe(self) -> dict[str, Any]:
        """JSON-friendly summary (saved with the model)."""
        return {
            "base_model": self.base_model,
            "losses": [[type(loss).__name__, w] for loss, w in self.loss_pairs()],
            "sampling": asdict(self.sampling),
            "max_length": self.max_length,
            "query_max_length": self.query_max_length,
            "batch_size": self.batch_size,
            "accumulate_grad_batches": self.accumulate_grad_batches,
            "lr": self.lr,
            "max_epochs": self.max_epochs,
            "max_steps": self.max_steps,
        }


def _plain(value: Any) -> Any:
    """``value`` as JSON-ready data for a fingerprint (modules by class and scalar settings)."""
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, nn.Module):
        scalars = {
            k: v
            for k, v in vars(value).items()
            if not k.startswith("_") and k != "training" and isinstance(v, str | int | float | bool)
        }
        return {"class": type(value).__name__, **scalars}
    if is_dataclass(value) and not isinstance(value, type):
        return {"class": type(value).__name__, **_plain(asdict(value))}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    cache_key = getattr(value, "cache_key", None)
    return _plain(cache_key()) if callable(cache_key) else repr(value)


def load_cross_encoder(name: str) -> tuple[Any, Any, ResolvedModel]:
    """Load ``name`` as a one-logit sequence-classification model, with its tokenizer.

    A checkpoint without such a head (a bi-encoder, SPLADE's masked-LM) gets a freshly
    initialised one; the created weights are logged so nobody mistakes them for trained ones.

    Raises:
        ModelResolutionError: the model cannot be found or built.
    """
    from transformers import AutoModelForSequenceClassification

    resolved = resolve_model(name)
    tokenizer = load_tokenizer(resolved)
    try:
        model, info = AutoModelForSequenceClassification.from_pretrained(
            str(resolved.path), num_labels=1, output_loading_info=True, ignore_mismatched_sizes=True
        )
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        raise ModelResolutionError(
            f"cannot build a cross-encoder from {resolved.name!r} ({resolved.path}): {exc}. "
            f"Fix: use an encoder checkpoint (BERT-like) or a sequence-classification model."
        ) from exc
    created = sorted(
        set(info.get("missing_keys", []))
        | {k[0] if isinstance(k, tuple) else k for k in info.get("mismatched_keys", [])}
    )
    if created:
        log.warning(
            "%s has no trained one-logit classification head; created new weights: %s",
            resolved.name,
            ", ".join(created),
        )
    return model, tokenizer, resolved


class _AttachedMLFlowLogger(MLFlowLogger):
    """MLFlowLogger for a run owned by someone else: logs metrics, never ends the run.

    The pipeline logs the resolved config as params and ends its run itself; Lightning's logger
    would otherwise mark the run FINISHED (or FAILED) when training ends, and log hyper-parameters
    that clash with the pipeline's.

    A resumed training replays the steps between its last checkpoint and the moment the killed
    job stopped; their metrics are already in the run. Those steps are not logged again, so each
    curve keeps one point per step (MLflow cannot delete metric values).
    """

    def __init__(self, tracking_uri: str | None, run_id: str, resumed: bool) -> None:
        super().__init__(tracking_uri=tracking_uri, run_id=run_id)
        self._logged_until = _last_logged_steps(tracking_uri, run_id) if resumed else {}

    def log_hyperparams(self, params: Any) -> None:
        return None

    def log_metrics(self, metrics: Mapping[str, float], step: int | None = None) -> None:
        if step is not None and self._logged_until:
            metrics = {k: v for k, v in metrics.items() if step > self._logged_until.get(k, -1)}
            if not metrics:
                return
        super().log_metrics(metrics, step)

    def finalize(self, status: str = "success") -> None:
        return None


def _last_logged_steps(tracking_uri: str | None, run_id: str) -> dict[str, int]:
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=tracking_uri)
    return {
        key: max(m.step for m in client.get_metric_history(run_id, key))
        for key in client.get_run(run_id).data.metrics
    }


def _loggers(context: FitContext, out: Path, resumed: bool) -> list[Logger]:
    curves = CSVLogger(str(out), name="curves", version="")
    if context.mlflow_run_id is None:
        return [curves]
    attached = _AttachedMLFlowLogger(context.tracking_uri, context.mlflow_run_id, resumed)
    return [attached, curves]


def training_datamodule(
    context: FitContext, settings: TrainSettings, tokenizer: Any, **changes: Any
) -> RerankDataModule:
    """The training groups and dev set that ``settings`` define on ``context``'s data.

    One constructor for training and for anything that must see the same dev set afterwards
    (tuning the interpolation weight); ``changes`` override single arguments (e.g. ``dev_depth``).
    """
    arguments: dict[str, Any] = {
        "dataset": context.dataset,
        "tokenizer": tokenizer,
        "train_split": context.train_split,
        "dev_split": context.dev_split,
        "first_stage": context.first_stage,
        "sampling": settings.sampling,
        "label_source": settings.label_source,
        "min_positive_label": settings.min_positive_label,
        "max_positives": settings.max_positives,
        "dev_from_labels": settings.dev_from_labels,
        "teacher": settings.teacher,
        "batch_size": settings.batch_size,
        "max_length": settings.max_length,
        "query_max_length": settings.query_max_length,
        "dev_fraction": settings.dev_fraction,
        "max_dev_queries": settings.max_dev_queries,
        "dev_depth": settings.dev_depth,
        "max_train_queries": settings.max_train_queries,
        "num_workers": settings.num_workers,
        "shuffle": settings.shuffle,
        "seed": settings.seed if settings.seed is not None else context.seed,
    }
    return RerankDataModule(**{**arguments, **changes})


def fit_cross_encoder(context: FitContext, settings: TrainSettings) -> Path:
    """Fine-tune ``settings.base_model`` on ``context``'s training split; return the best model.

    Layout under ``context.output_dir / "training"``: ``checkpoints/last.ckpt`` (resumable),
    ``model/`` (the best model by dev nDCG@10, a Hugging Face folder loadable by transformers and
    sentence-transformers' ``CrossEncoder``), ``summary.json`` (validation history, collapse flag)
    and ``curves/metrics.csv``. A finished training in the same folder is reused, not repeated.

    Args:
        context: what the pipeline provides (dataset, splits, first stage, run id, folders).
        settings: the training recipe.

    Returns:
        The folder of the best model.

    Raises:
        NonFiniteLossError: the loss became NaN/inf; the message names the last good checkpoint.
        DdpWorkerDone: in a ``ddp`` worker process (rank > 0) once training ends.
        ConfigError, ModelResolutionError, DataFormatError: bad settings or data.
    """
    out = Path(context.output_dir) / "training"
    best_dir, ckpt_dir = out / "model", out / "checkpoints"
    summary_path = out / SUMMARY_FILE
    if settings.resume and summary_path.is_file() and (best_dir / "config.json").is_file():
        log.info("training in %s already finished; reusing %s", out, best_dir)
        _report(context, best_dir, summary_path)
        return best_dir
    seed = settings.seed if settings.seed is not None else context.seed
    pl.seed_everything(seed, workers=True, verbose=False)
    model, tokenizer, resolved = load_cross_encoder(settings.base_model)
    datamodule = training_datamodule(context, settings, tokenizer)
    module = RerankModule(
        model,
        settings.loss_pairs(),
        lr=settings.lr,
        weight_decay=settings.weight_decay,
        warmup_ratio=settings.warmup_ratio,
    )
    info = {
        "base_model": resolved.name,
        "base_fingerprint": resolved.fingerprint,
        "dataset": context.dataset.name,
        "train_split": context.train_split,
        "seed": seed,
        "mlflow_run_id": context.mlflow_run_id,
        "recipe": settings.describe(),
    }
    validation = RankingValidationCallback(
        every_n_steps=settings.val_every_n_steps,
        best_dir=best_dir,
        tokenizer=tokenizer,
        inference=InferenceSettings(
            max_length=settings.max_length,
            query_max_length=settings.query_max_length,
            show_progress=False,
        ),
        rel_level=context.dataset.rel_level,
        patience=settings.patience,
        validate_at_start=settings.validate_at_start,
        info=info,
    )
    checkpoint = ModelCheckpoint(
        dirpath=str(ckpt_dir),
        save_last=True,
        save_top_k=0,
        every_n_train_steps=settings.val_every_n_steps,
        save_on_train_epoch_end=True,
    )
    last = ckpt_dir / "last.ckpt"
    ckpt_path = str(last) if settings.resume and last.is_file() else None
    trainer = pl.Trainer(
        accelerator=settings.accelerator,
        devices=settings.devices,
        num_nodes=settings.num_nodes,
        strategy=settings.strategy,
        precision=settings.precision,  # type: ignore[arg-type]
        max_epochs=settings.max_epochs,
        max_steps=settings.max_steps,
        accumulate_grad_batches=settings.accumulate_grad_batches,
        gradient_clip_val=settings.gradient_clip_val,
        logger=_loggers(context, out, resumed=ckpt_path is not None),
        callbacks=[validation, checkpoint],
        default_root_dir=str(out),
        reload_dataloaders_every_n_epochs=1,
        use_distributed_sampler=False,  # RerankDataModule shards itself (seeded, order kept)
        limit_val_batches=0,
        num_sanity_val_steps=0,
        fast_dev_run=settings.fast_dev_run,
        log_every_n_steps=settings.log_every_n_steps,
        enable_progress_bar=settings.progress_bar,
        enable_model_summary=False,
    )
    if ckpt_path:
        log.info("resuming training from %s", ckpt_path)
    if context.mlflow_run_id is not None:
        os.environ[PARENT_RUN_ENV] = context.mlflow_run_id
    try:
        trainer.fit(module, datamodule=datamodule, ckpt_path=ckpt_path)
    except NonFiniteLossError as exc:
        kept = [str(p) for p in (last, best_dir) if p.exists()]
        raise NonFiniteLossError(
            f"{exc} Last good state kept: {', '.join(kept) or 'none (no checkpoint yet)'}."
        ) from exc
    if trainer.global_rank > 0:  # a `ddp` worker: rank 0 saves, reports and evaluates
        raise DdpWorkerDone(f"DDP worker rank {trainer.global_rank} finished training")
    if not (best_dir / "config.json").is_file():  # fast_dev_run skips callbacks' saving
        from rerank_bench.training.callbacks import save_hf_folder

        save_hf_folder(module.model, tokenizer, best_dir, {**info, "step": trainer.global_step})
    if summary_path.is_file():
        _report(context, best_dir, summary_path)
    return best_dir


def _report(context: FitContext, best_dir: Path, summary_path: Path) -> None:
    """Log the collapse flag, best dev score and the model folder into the pipeline's run."""
    summary = ValidationSummary(**json.loads(summary_path.read_text("utf-8")))
    if context.mlflow_run_id is None:
        return
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=context.tracking_uri)
    run_id = context.mlflow_run_id
    client.set_tag(run_id, "status_collapse", str(summary.collapsed).lower())
    if summary.collapse_reason:
        client.set_tag(run_id, "collapse_reason", summary.collapse_reason[:5000])
    if summary.best is not None:
        client.log_metric(run_id, "train_best_val_ndcg_at_10", summary.best)
    if summary.first_stage is not None:
        client.log_metric(run_id, "train_first_stage_val_ndcg_at_10", summary.first_stage)
    info_path = best_dir / "rerank_bench.json"
    info = json.loads(info_path.read_text("utf-8")) if info_path.is_file() else {}
    trained_in = info.get("mlflow_run_id")
    if trained_in and trained_in != run_id:
        client.set_tag(run_id, "trained_in_run", trained_in)  # its curves are in that run
    client.log_artifacts(run_id, str(best_dir), "model")
