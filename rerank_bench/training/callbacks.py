"""Validation as ranking, best-model selection, early stopping and a collapse detector.

Why callbacks: the number that matters is not the dev loss but the dev ranking quality, measured
exactly as the benchmark measures it (re-rank the first stage's candidates, nDCG@10 via
:func:`rerank_bench.evaluation.metrics.evaluate_run`). Computing it, keeping the best model as a
Hugging Face folder, stopping when it stops improving and shouting when training collapsed are
side effects, so they live here and the LightningModule stays a pure training step.
"""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytorch_lightning as pl
from pytorch_lightning.callbacks import Callback
from tqdm import tqdm

from rerank_bench.data.io import atomic_write
from rerank_bench.data.records import Run
from rerank_bench.errors import ConfigError
from rerank_bench.evaluation.calibration import plot_reliability
from rerank_bench.evaluation.metrics import evaluate_run, metric_key
from rerank_bench.library_noise import quiet_hf_progress
from rerank_bench.training.continuous import (
    METRICS,
    RELIABILITY_FILE,
    calibration_of,
    continuous_view,
)
from rerank_bench.training.datamodule import RerankDataModule

__all__ = [
    "RankingValidationCallback",
    "ValidationSummary",
    "detect_collapse",
    "run_spread",
    "save_hf_folder",
]

log = logging.getLogger(__name__)

SUMMARY_FILE = "summary.json"


@dataclass
class ValidationSummary:
    """What validation saw over a training run (written to ``summary.json`` by rank 0).

    Attributes:
        metric: the selection metric (ranx name).
        first_stage: the first stage's dev score (the bar a re-ranker must clear).
        best: the best dev score of the fine-tuned model, and ``best_step`` its step.
        history: ``[step, score, score_std]`` of every validation.
        collapsed: ``True`` when the collapse detector fired; ``collapse_reason`` says why.
        stopped_early: early stopping ended the run.
        seconds: wall-clock time of the stage (training and validation).
        truncation: what the token budgets cut of the training pairs (the fields of a
            :class:`~rerank_bench.inference.tokenize.TruncationTally`; empty for a memory).
        continuous: at the best step, when the dev judgments were cut from continuous labels:
            nDCG with the labels as gains (``ndcg_at_10_float``), the calibration of the scores'
            sigmoid against the labels (``ece``, ``brier``) and its reliability ``bins``.
    """

    metric: str
    first_stage: float | None = None
    best: float | None = None
    best_step: int | None = None
    history: list[list[float]] = field(default_factory=list)
    collapsed: bool = False
    collapse_reason: str = ""
    stopped_early: bool = False
    seconds: float = 0.0
    truncation: dict[str, Any] = field(default_factory=dict)
    continuous: dict[str, Any] = field(default_factory=dict)


def save_hf_folder(model: Any, tokenizer: Any, folder: Path, info: dict[str, Any]) -> None:
    """Save ``model`` and ``tokenizer`` as a Hugging Face folder, replacing ``folder`` atomically.

    The folder is written beside its destination and renamed into place, so a crash mid-save
    never leaves a half-written model where a reader expects a complete one.
    """
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.parent / f".{folder.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    with quiet_hf_progress():
        model.save_pretrained(str(tmp))
        tokenizer.save_pretrained(str(tmp))
    with atomic_write(tmp / "rerank_bench.json") as handle:
        json.dump(info, handle, indent=2, sort_keys=True)
    old = folder.parent / f".{folder.name}.old-{os.getpid()}"
    if folder.exists():
        os.replace(folder, old)
    os.replace(tmp, folder)
    shutil.rmtree(old, ignore_errors=True)


def detect_collapse(summary: ValidationSummary, min_score_std: float = 1e-4) -> None:
    """Mark ``summary`` collapsed, with a loud warning, when the model did not learn to rank.

    Collapse: the best dev score is not above the first stage's, or the last validation's scores
    have near-zero spread per query (a model that gives every document the same score).
    """
    reasons = []
    if summary.best is not None and summary.first_stage is not None:
        if summary.best <= summary.first_stage:
            reasons.append(
                f"best dev {summary.metric} {summary.best:.4f} is not above the first stage's "
                f"{summary.first_stage:.4f}"
            )
    if summary.history and summary.history[-1][2] < min_score_std:
        reasons.append(
            f"scores have near-zero spread (mean per-query std {summary.history[-1][2]:.2e} "
            f"< {min_score_std:g})"
        )
    if reasons:
        summary.collapsed = True
        summary.collapse_reason = "; ".join(reasons)
        banner = "!" * 78
        log.warning(
            "\n%s\nTRAINING COLLAPSE: %s.\nThe fine-tuned re-ranker is no better than its "
            "first stage on dev; its test numbers are not evidence for fine-tuning. Try a "
            "ranking-trained start (train=domain), more epochs or a lower lr.\n%s",
            banner,
            summary.collapse_reason,
            banner,
        )


def run_spread(run: Run) -> float:
    """Mean over queries of the standard deviation of their scores (0: a constant scorer)."""
    spreads = [float(np.std(list(docs.values()))) for docs in run.values() if len(docs) > 1]
    return float(np.mean(spreads)) if spreads else 0.0


class RankingValidationCallback(Callback):
    """Every ``every_n_steps`` optimiser steps, re-rank the dev candidates and score them.

    Logs ``val/ndcg_at_10`` and ``val/score_std`` (the MLflow-safe names; a chain's run holds them
    as ``<stage>/val/...``) and the first stage's dev score
    once; saves the model to ``best_dir`` whenever the score improves by more than ``min_delta``;
    stops training after ``patience`` validations without improvement; and at the end runs the
    collapse detector: the best dev score not above the first stage's, or scores with near-zero
    spread, are logged as a loud warning and recorded (``summary.json``, MLflow tag
    ``status_collapse=true`` set by the caller).

    Each validation logs one progress line (Lightning's bar is off: its refreshes flood logs),
    here wrapped::

        step 40/120 | loss 0.4212 | dev ndcg@10 0.7312 (best 0.7401 at step 20) | elapsed 01:05,
        ETA 02:10

    ``loss``: the module's ``train/loss``, averaged over the batches since the previous line;
    ``ETA``: the steps left at this process's pace so far, validations included (an upper bound
    when early stopping ends the stage sooner).

    Args:
        every_n_steps: validate every this many optimiser steps (and once at the end).
        best_dir: where the best model is saved as a Hugging Face folder.
        tokenizer: saved with the model.
        metric: the ranx metric that selects the model.
        rel_level: relevance threshold for binary metrics.
        patience: validations without improvement before stopping; ``None`` never stops early.
        min_delta: the smallest improvement that counts.
        validate_at_start: also score the model before the first step (the starting point).
        min_score_std: a score spread below this (per query, averaged) counts as collapse.
        info: extra fields written into the saved model's ``rerank_bench.json``.
    """

    def __init__(
        self,
        every_n_steps: int,
        best_dir: str | Path,
        tokenizer: Any,
        metric: str = "ndcg@10",
        rel_level: int = 1,
        patience: int | None = None,
        min_delta: float = 0.0,
        validate_at_start: bool = True,
        min_score_std: float = 1e-4,
        info: dict[str, Any] | None = None,
    ) -> None:
        if every_n_steps < 1:
            raise ConfigError(f"train.val_every_n_steps must be >= 1, got {every_n_steps}.")
        if patience is not None and patience < 1:
            raise ConfigError(f"train.patience must be >= 1 or null, got {patience}.")
        self.every_n_steps = every_n_steps
        self.best_dir = Path(best_dir)
        self.tokenizer = tokenizer
        self.metric = metric
        self.key = f"val/{metric_key(metric)}"
        self.rel_level = rel_level
        self.patience = patience
        self.min_delta = min_delta
        self.validate_at_start = validate_at_start
        self.min_score_std = min_score_std
        self.info = dict(info or {})
        self.summary = ValidationSummary(metric=metric)
        self._bad_rounds = 0
        self._last_step = -1
        self._datamodule: RerankDataModule | None = None
        self._losses: list[float] = []
        self._total_steps: float = math.inf
        self._clock = (0.0, 0)
        """(time, step) when this process started training: the pace the ETA assumes."""

    # -- state (resumable) ----------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        return {"summary": asdict(self.summary), "bad": self._bad_rounds, "last": self._last_step}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.summary = ValidationSummary(**state_dict["summary"])
        self._bad_rounds = int(state_dict["bad"])
        self._last_step = int(state_dict["last"])

    # -- hooks ----------------------------------------------------------------------------------

    def setup(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        """Check that the trainer has a :class:`RerankDataModule` with dev queries.

        Raises:
            ConfigError: misuse (another datamodule, or no dev queries).
        """
        datamodule = getattr(trainer, "datamodule", None)
        if not isinstance(datamodule, RerankDataModule):
            raise ConfigError(
                "RankingValidationCallback needs trainer.fit(..., datamodule=RerankDataModule); "
                f"got {type(datamodule).__name__}."
            )
        self._datamodule = datamodule

    def on_train_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._total_steps = trainer.estimated_stepping_batches
        self._clock = (time.perf_counter(), trainer.global_step)
        dm = self._require_dm()
        if not dm.dev_queries:
            raise ConfigError("no dev queries to validate on; set train.dev_fraction or dev_split.")
        if self.summary.first_stage is None:
            base = evaluate_run(
                dm.dev_qrels, dm.dev_candidates, [self.metric], rel_level=self.rel_level
            )
            self.summary.first_stage = base.mean[self.metric]
            self._log(
                trainer, {f"val/first_stage_{metric_key(self.metric)}": base.mean[self.metric]}
            )
            log.info(
                "dev: %d queries; first stage %s = %.4f",
                len(dm.dev_queries),
                self.metric,
                self.summary.first_stage,
            )
        if self.validate_at_start and trainer.global_step == 0 and self._last_step < 0:
            self._validate(trainer, pl_module)

    def on_train_batch_end(
        self,
        trainer: pl.Trainer,
        pl_module: pl.LightningModule,
        outputs: Any,
        batch: Any,
        batch_idx: int,
    ) -> None:
        loss = trainer.callback_metrics.get("train/loss")
        if loss is not None:
            self._losses.append(float(loss))
        step = trainer.global_step
        if step > 0 and step % self.every_n_steps == 0 and step != self._last_step:
            self._validate(trainer, pl_module)

    def on_train_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if trainer.global_step != self._last_step:
            self._validate(trainer, pl_module)
        self._detect_collapse()
        if trainer.is_global_zero:
            with atomic_write(self.best_dir.parent / SUMMARY_FILE) as handle:
                json.dump(asdict(self.summary), handle, indent=2)
            if self.summary.continuous:
                plot_reliability(calibration_of(self.summary.continuous),
                                 self.best_dir.parent / RELIABILITY_FILE,
                                 f"dev, step {self.summary.best_step}")

    # -- work -----------------------------------------------------------------------------------

    def _require_dm(self) -> RerankDataModule:
        if self._datamodule is None:
            raise ConfigError("RankingValidationCallback used before setup().")
        return self._datamodule

    def _validate(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        step = trainer.global_step
        self._last_step = step
        score, spread, continuous = 0.0, 0.0, dict[str, Any]()
        if trainer.is_global_zero:
            score, spread, continuous = self._score(pl_module)
        score, spread, continuous = trainer.strategy.broadcast((score, spread, continuous), src=0)
        self.summary.history.append([step, score, spread])
        self._log(trainer, {self.key: score, "val/score_std": spread,
                            **{f"val/{k}": continuous[k] for k in METRICS if k in continuous}})
        best = self.summary.best
        if best is None or score > best + self.min_delta:
            self.summary.best, self.summary.best_step = score, step
            self.summary.continuous = continuous
            self._bad_rounds = 0
            if trainer.is_global_zero:
                info = {**self.info, "step": step, f"dev_{self.metric}": score}
                save_hf_folder(pl_module.model, self.tokenizer, self.best_dir, info)
        else:
            self._bad_rounds += 1
            if self.patience is not None and self._bad_rounds >= self.patience and step > 0:
                log.info(
                    "early stopping at step %d: dev %s has not improved on %.4f (step %s) for %d "
                    "validations",
                    step,
                    self.metric,
                    best,
                    self.summary.best_step,
                    self._bad_rounds,
                )
                self.summary.stopped_early = True
                trainer.should_stop = True
        trainer.strategy.barrier("rerank_bench_validation")
        if trainer.is_global_zero:
            log.info("%s", self._progress_line(step, score))
        self._losses.clear()

    def _progress_line(self, step: int, score: float) -> str:
        """The line each validation logs (see the class docstring)."""
        total = "?" if math.isinf(self._total_steps) else str(int(self._total_steps))
        parts = [f"step {step}/{total}"]
        if self._losses:
            parts.append(f"loss {np.mean(self._losses):.4f}")
        parts.append(f"dev {self.metric} {score:.4f} (best {self.summary.best:.4f} at step "
                     f"{self.summary.best_step})")
        started, first_step = self._clock
        elapsed = time.perf_counter() - started
        timing = f"elapsed {tqdm.format_interval(elapsed)}"
        if step > first_step and math.isfinite(self._total_steps):
            left = (self._total_steps - step) * elapsed / (step - first_step)
            timing += f", ETA {tqdm.format_interval(left)}"
        parts.append(timing)
        return " | ".join(parts)

    def _score(self, pl_module: pl.LightningModule) -> tuple[float, float, dict[str, Any]]:
        dm = self._require_dm()
        qids, dids = [], []
        for qid, docs in dm.dev_candidates.items():
            for doc_id in docs:
                qids.append(qid)
                dids.append(doc_id)
        scores = pl_module.score_dev(  # type: ignore[operator]
            [dm.dev_queries[q] for q in qids], dm.corpus.texts(dids)
        )
        run: Run = {}
        for qid, doc_id, value in zip(qids, dids, scores, strict=True):
            run.setdefault(qid, {})[doc_id] = float(value)
        evaluation = evaluate_run(dm.dev_qrels, run, [self.metric], rel_level=self.rel_level)
        return evaluation.mean[self.metric], run_spread(run), continuous_view(dm.dev_labels, run)

    def _detect_collapse(self) -> None:
        detect_collapse(self.summary, self.min_score_std)

    @staticmethod
    def _log(trainer: pl.Trainer, metrics: dict[str, float]) -> None:
        for logger in trainer.loggers:
            logger.log_metrics(metrics, step=trainer.global_step)
