"""One training stage: fit a model in a folder, resumably, and return what it produced.

Why a stage and not a re-ranker: what a fine-tuned system learns (a cross-encoder, a bi-encoder, a
memory of labelled questions) is made once per recipe and data, and only then scored; the
pipeline hands the model to the plain re-ranker of its kind. A stage never talks to MLflow: it
writes its curves (``curves/metrics.csv``), its validation summary and its dev set into its folder,
and returns a :class:`TrainedModel` that the tracking writer logs.

Folder layout: ``model/`` (the best model by dev nDCG@10: a Hugging Face folder loadable by
transformers and sentence-transformers, or a memory), ``checkpoints/last.ckpt`` (resumable),
``summary.json`` (validation history, collapse flag, seconds), ``dev.json`` (the dev set it was
selected on, for tuning fusion weights later without rebuilding it), ``curves/metrics.csv``.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rerank_bench.cache import MANIFEST, check_manifest, write_manifest
from rerank_bench.data.io import atomic_write
from rerank_bench.data.records import Dataset, Qrels, Queries, Run
from rerank_bench.errors import ConfigError, ModelResolutionError
from rerank_bench.library_noise import quiet_hf_progress
from rerank_bench.models.loading import load_tokenizer
from rerank_bench.models.resolve import ResolvedModel, resolve_model
from rerank_bench.retrieval.base import Retriever
from rerank_bench.training.callbacks import SUMMARY_FILE, ValidationSummary
from rerank_bench.training.datamodule import RerankDataModule
from rerank_bench.training.labels import QrelsLabelSource
from rerank_bench.training.settings import StageSettings, TrainChain, stage_reference

__all__ = [
    "DEV_FILE",
    "DevSet",
    "TrainedModel",
    "TrainingData",
    "load_base_model",
    "train_stage",
]

log = logging.getLogger(__name__)

DEV_FILE = "dev.json"


@dataclass(frozen=True)
class TrainingData:
    """What the pipeline gives a training chain.

    Attributes:
        dataset: the loaded dataset.
        train_split: the split to train on.
        dev_split: the split to validate on, or ``None`` to hold queries out of train.
        first_stage: the experiment's first stage: dev candidates and (by default) negatives.
        seed: the experiment seed.
    """

    dataset: Dataset
    train_split: str
    dev_split: str | None
    first_stage: Retriever
    seed: int


@dataclass(frozen=True)
class DevSet:
    """The dev queries a stage was selected on, their judgments and first-stage candidates."""

    queries: Queries
    qrels: Qrels
    candidates: Run
    rel_level: int

    def save(self, path: Path) -> None:
        """Write atomically as JSON."""
        with atomic_write(path) as handle:
            json.dump(asdict(self), handle)

    @classmethod
    def load(cls, path: Path) -> DevSet:
        """Read a file written by :meth:`save`."""
        return cls(**json.loads(path.read_text("utf-8")))


@dataclass(frozen=True)
class TrainedModel:
    """What a finished stage produced.

    Attributes:
        stage: the stage's name in its chain.
        kind: ``cross_encoder``, ``bi_encoder`` or ``memory``.
        path: the model folder.
        folder: the stage's training folder (curves, checkpoints, summary).
        summary: what validation saw.
        dev: the dev set it was selected on.
        reused: ``True`` when an earlier job's finished training was reused.
        max_length, query_max_length: the token budgets it was trained with (scoring uses the
            same unless told otherwise).
    """

    stage: str
    kind: str
    path: Path
    folder: Path
    summary: ValidationSummary
    dev: DevSet
    reused: bool
    max_length: int
    query_max_length: int | None

    @property
    def curves(self) -> Path:
        """The stage's training curves (CSV, one row per logged step)."""
        return self.folder / "curves" / "metrics.csv"


def load_base_model(stage: StageSettings, resolved: ResolvedModel) -> tuple[Any, Any]:
    """The network a stage starts from, and its tokenizer.

    A cross-encoder with a ``cls`` head built from a checkpoint without one (a bi-encoder,
    SPLADE's masked-LM) gets a fresh head, logged so nobody mistakes it for a trained one.

    Raises:
        ModelResolutionError: the model cannot be built from the folder.
    """
    from transformers import AutoModel, AutoModelForSequenceClassification

    from rerank_bench.models.heads import SegmentCosineCrossEncoder

    tokenizer = load_tokenizer(resolved)
    try:
        with quiet_hf_progress():
            if stage.kind == "bi_encoder" or stage.kind == "memory":
                return AutoModel.from_pretrained(str(resolved.path)), tokenizer
            if stage.head == "segment_cosine":
                head = SegmentCosineCrossEncoder.from_pretrained(resolved.path, stage.scale)
                return head, tokenizer
            model, info = AutoModelForSequenceClassification.from_pretrained(
                str(resolved.path), num_labels=1, output_loading_info=True,
                ignore_mismatched_sizes=True,
            )
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        raise ModelResolutionError(
            f"cannot build a {stage.kind} from {resolved.name!r} ({resolved.path}): {exc}. "
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
    return model, tokenizer


def _finished(folder: Path) -> bool:
    return (folder / SUMMARY_FILE).is_file() and (folder / DEV_FILE).is_file() and (
        (folder / "model" / "config.json").is_file() or (folder / "model" / "memory.json").is_file()
    )


def _intact(name: str, folder: Path) -> bool:
    """Whether a finished stage's model still is the one its training wrote.

    The model folder's checksums are written when the stage finishes; a model changed or
    truncated since (a disk error, a copy cut short, an edit) would score silently wrong numbers,
    so it is trained again. A folder finished by an older version has no checksums: they are
    written now.
    """
    model = folder / "model"
    if not (model / MANIFEST).is_file():
        log.info("stage %s: %s has no checksums (finished by an older version); adding them",
                 name, model)
        write_manifest(model)
        return True
    problem = check_manifest(model)
    if problem is None:
        return True
    log.warning("stage %s: the finished model in %s is not the one training wrote: %s. "
                "Training the stage again.", name, folder, problem)
    return False


def _discard(folder: Path) -> None:
    """Remove a stage's results and checkpoints, so it trains from its start."""
    for name in ("model", "checkpoints", "curves"):
        shutil.rmtree(folder / name, ignore_errors=True)
    for name in (SUMMARY_FILE, DEV_FILE):
        (folder / name).unlink(missing_ok=True)


def _reference(value: Any, earlier: Mapping[str, TrainedModel], what: str) -> TrainedModel | None:
    name = stage_reference(value)
    if name is None:
        return None
    if name not in earlier:
        raise ConfigError(f"{what} @{name} names no finished earlier stage.")
    return earlier[name]


def _teacher(stage: StageSettings, earlier: Mapping[str, TrainedModel]) -> Any:
    """The stage's teacher as a scorer: a configured one, or an earlier stage's model."""
    source = _reference(stage.teacher, earlier, "teacher")
    if source is None:
        return stage.teacher
    from rerank_bench.reranking.trained import reranker_for

    return reranker_for(source.kind, str(source.path), source.max_length,
                        source.query_max_length)


def _datamodule(
    stage: StageSettings,
    chain: TrainChain,
    data: TrainingData,
    tokenizer: Any,
    teacher: Any,
) -> RerankDataModule:
    """The groups and dev set of ``stage``: the chain's labels, or the stage's own dataset."""
    dataset, train_split, dev_split = data.dataset, data.train_split, data.dev_split
    label_source, dev_from_labels = chain.label_source, chain.dev_from_labels
    if stage.data is not None:  # weak supervision: a dataset of its own, judged by its qrels
        dataset = stage.data.load()
        train_split, dev_split = stage.data.train_split, stage.data.dev_split
        label_source, dev_from_labels = QrelsLabelSource(), False
    return RerankDataModule(
        dataset=dataset,
        tokenizer=tokenizer,
        train_split=train_split,
        dev_split=dev_split,
        first_stage=data.first_stage,
        negatives_from=stage.negatives_from,
        sampling=stage.sampling,
        label_source=label_source,
        min_positive_label=chain.min_positive_label,
        max_positives=stage.max_positives or chain.max_positives,
        dev_from_labels=dev_from_labels,
        teacher=teacher,
        batch_size=stage.batch_size,
        max_length=stage.max_length,
        query_max_length=stage.query_max_length,
        dev_fraction=chain.dev_fraction,
        max_dev_queries=chain.max_dev_queries,
        dev_depth=chain.dev_depth,
        max_train_queries=chain.max_train_queries,
        train_fraction=chain.train_fraction,
        shuffle=chain.shuffle,
        num_workers=chain.num_workers,
        seed=chain.seed if chain.seed is not None else data.seed,
        pair_inputs=stage.kind == "cross_encoder",
    )


def _result(name: str, stage: StageSettings, folder: Path, reused: bool) -> TrainedModel:
    summary = ValidationSummary(**json.loads((folder / SUMMARY_FILE).read_text("utf-8")))
    return TrainedModel(
        stage=name,
        kind=stage.kind,
        path=folder / "model",
        folder=folder,
        summary=summary,
        dev=DevSet.load(folder / DEV_FILE),
        reused=reused,
        max_length=stage.max_length,
        query_max_length=stage.query_max_length,
    )


def train_stage(
    name: str,
    stage: StageSettings,
    chain: TrainChain,
    data: TrainingData,
    folder: Path,
    earlier: Mapping[str, TrainedModel],
) -> TrainedModel:
    """Fit ``stage`` in ``folder`` (or reuse the finished fit there) and return its model.

    Args:
        name: the stage's name (curves and summaries carry it).
        stage: what to fit.
        chain: the settings every stage shares (labels, dev set, hardware).
        data: the experiment's dataset, splits and first stage.
        folder: the stage's own folder (in the training cache: keyed by recipe and data).
        earlier: the chain's finished stages, for ``@<stage>`` references.

    Raises:
        NonFiniteLossError: the loss became NaN/inf; the message names the last good checkpoint.
        ConfigError, ModelResolutionError, DataFormatError: bad settings or data.
    """
    if chain.resume and _finished(folder):
        if _intact(name, folder):
            log.info("stage %s: training in %s already finished; reusing it", name, folder)
            return _result(name, stage, folder, reused=True)
        _discard(folder)
    base = _reference(stage.base_model, earlier, "base_model")
    resolved = resolve_model(str(base.path) if base is not None else stage.base_model)
    started = time.perf_counter()
    if stage.kind == "memory":
        from rerank_bench.training.memory import fit_memory

        tokenizer = load_tokenizer(resolved)
        dm = _datamodule(stage, chain, data, tokenizer, teacher=None)
        summary = fit_memory(stage, resolved, dm, folder / "model")
    else:
        from rerank_bench.training.fitting import fit

        model, tokenizer = load_base_model(stage, resolved)
        dm = _datamodule(stage, chain, data, tokenizer, _teacher(stage, earlier))
        info = {
            "stage": name,
            "base_model": resolved.name,
            "base_fingerprint": resolved.fingerprint,
            "dataset": dm.dataset.name,
            "train_split": dm.train_split,
            "recipe": stage.describe(),
            # what re-ranking with this folder defaults to (reranking.trained.recorded_budgets)
            "max_length": stage.max_length,
            "query_max_length": stage.query_max_length,
            "document_text": "title, then text",
        }
        truncation = dm.training_truncation()
        log.info("stage %s: training pairs' %s", name, truncation.describe())
        fitted = fit(stage, chain, model, tokenizer, dm, folder, info)
        if fitted is None:  # a DDP worker: rank 0 selects, saves and reports the model
            return TrainedModel(name, stage.kind, folder / "model", folder,
                                ValidationSummary(metric="ndcg@10"), DevSet({}, {}, {}, 1),
                                False, stage.max_length, stage.query_max_length)
        summary = fitted
        summary.truncation = asdict(truncation)
    summary.seconds = time.perf_counter() - started
    DevSet(dm.dev_queries, dm.dev_qrels, dm.dev_candidates, dm.dataset.rel_level).save(
        folder / DEV_FILE
    )
    with atomic_write(folder / SUMMARY_FILE) as handle:
        json.dump(asdict(summary), handle, indent=2)
    write_manifest(folder / "model")
    return _result(name, stage, folder, reused=False)
