"""What a training chain is made of: stages, their settings, and the settings they share.

Why records: a recipe (the ``train`` config group) is data. A :class:`TrainChain` names its stages
in order (a domain-adaptive stage, then the stage on the domain's labels...); each
:class:`StageSettings` says what one stage fits (a cross-encoder, a bi-encoder, a log memory),
from what, with which losses and optimiser; the chain holds what every stage shares (where the
labels come from, the dev set, the hardware). Every setting that shapes a model enters its stage's
fingerprint, which is the training cache key.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from typing import Any, Literal

from torch import nn

from rerank_bench.errors import ConfigError
from rerank_bench.inference.device import training_precision
from rerank_bench.training.labels import LabelSource
from rerank_bench.training.losses import LocalizedContrastiveLoss
from rerank_bench.training.mining import NegativeSampling

__all__ = [
    "STAGE_REFERENCE",
    "StageKind",
    "StageSettings",
    "TrainChain",
    "TrainerSettings",
    "plain",
    "stage_reference",
]

StageKind = Literal["cross_encoder", "bi_encoder", "memory"]
"""What a stage fits: a cross-encoder, a bi-encoder, or a memory of labelled questions."""

STAGE_REFERENCE = "@"
"""``base_model: "@adapt"`` starts from stage ``adapt``'s model; ``teacher: "@adapt"`` distils
it."""


def stage_reference(value: Any) -> str | None:
    """The stage a setting refers to (``"@adapt"`` -> ``"adapt"``), or ``None``."""
    if isinstance(value, str) and value.startswith(STAGE_REFERENCE):
        return value[len(STAGE_REFERENCE) :]
    return None


@dataclass(frozen=True)
class TrainerSettings:
    """The hardware side of every stage, passed to the Lightning ``Trainer``.

    Attributes:
        accelerator: ``auto``, ``cpu``, ``gpu``...
        devices: devices per node (``2`` with ``strategy: ddp`` trains on two GPUs or CPU procs).
        num_nodes: machines.
        strategy: ``auto``, ``ddp``, ``ddp_spawn``...
        precision: ``32-true``, ``bf16-mixed`` (1.6x faster training on a CPU with AMX, 14x
            slower on one without native bf16)..., or ``auto``: bf16-mixed where bf16 is native,
            else 32-true (:func:`~rerank_bench.inference.device.training_precision`).
    """

    accelerator: str = "auto"
    devices: int | str | list[int] = 1
    num_nodes: int = 1
    strategy: str = "auto"
    precision: str = "32-true"


@dataclass
class StageSettings:
    """One stage of a chain: what it fits, from what, and how.

    Attributes:
        kind: ``cross_encoder`` (reads query and document together), ``bi_encoder`` (embeds
            them apart, trained with in-batch negatives) or ``memory`` (no gradient: remembers
            the labels of the training questions, found again by an encoder's nearest neighbours).
        base_model: the start: an alias (``minilm``, ``splade-tiny``), a folder, a hub id, or
            ``@<stage>`` for an earlier stage's model (a memory's encoder).
        head: a cross-encoder's score: ``cls`` (a linear layer over the first token, new weights
            unless the base has them) or ``segment_cosine`` (the cosine of the contextualised
            query and document halves times ``scale``: from a bi-encoder's weights, step 0
            already ranks, where a fresh ``cls`` head starts at random).
        scale: the similarity scale of ``bi_encoder`` and ``segment_cosine`` scores (20: the
            inverse temperature of sentence-transformers' MultipleNegativesRankingLoss).
        data: a dataset source to train on instead of the experiment's training labels (weak
            supervision from the corpus itself, e.g. ``TitleQueriesSource``); its own dev split
            validates the stage.
        losses: ``[{loss: <RankingLoss>, weight: float}, ...]``; default: listwise LCE (for a
            bi-encoder over every document of the batch: in-batch negatives).
        sampling: negative mining rules (a bi-encoder may use ``negatives: 0``: in-batch only).
        negatives_from: a retriever that mines negatives and nothing else (e.g. BM25 fused with a
            bi-encoder); ``None``: the experiment's first stage.
        teacher: a scorer (``score(queries, docs)``) or ``@<stage>``, for distillation losses.
        max_positives: each query's this many best-labelled positives (``None``: the chain's).
        max_length: token budget of a pair (cross-encoder) or of a document (bi-encoder).
        query_max_length: token budget of the query.
        batch_size: groups (queries) per batch.
        accumulate_grad_batches: batches per optimiser step.
        optimizer: a partial optimiser (``params -> Optimizer``, Hydra ``_partial_: true``);
            ``None``: AdamW(lr 5e-5, weight decay 0.01). Biases and LayerNorm weights get no decay.
        warmup_ratio: share of steps warming up linearly, then linear decay to 0.
        max_epochs, max_steps: when to stop (``max_steps: -1``: no step limit).
        gradient_clip_val: gradient norm clipping (``None``: off).
        val_every_n_steps: dev validation interval (optimiser steps).
        patience: validations without improvement before early stopping (``None``: off).
        validate_at_start: score the starting model on dev first.
        neighbours: a memory's k nearest training questions.
    """

    kind: StageKind = "cross_encoder"
    base_model: str = "minilm"
    head: Literal["cls", "segment_cosine"] = "cls"
    scale: float = 20.0
    data: Any | None = None
    losses: Any = None
    sampling: NegativeSampling = field(default_factory=NegativeSampling)
    negatives_from: Any | None = None
    teacher: Any | None = None
    max_positives: int | None = None
    max_length: int = 256
    query_max_length: int | None = 64
    batch_size: int = 4
    accumulate_grad_batches: int = 1
    optimizer: Callable[..., Any] | None = None
    warmup_ratio: float = 0.1
    max_epochs: int = 1
    max_steps: int = -1
    gradient_clip_val: float | None = 1.0
    val_every_n_steps: int = 100
    patience: int | None = 3
    validate_at_start: bool = True
    neighbours: int = 5

    def __post_init__(self) -> None:
        if isinstance(self.sampling, Mapping):
            self.sampling = NegativeSampling(**self.sampling)
        if self.kind not in ("cross_encoder", "bi_encoder", "memory"):
            raise ConfigError(
                f"train stage kind must be cross_encoder, bi_encoder or memory; got {self.kind!r}."
            )
        if self.head not in ("cls", "segment_cosine"):
            raise ConfigError(f"train stage head must be cls or segment_cosine, got {self.head!r}.")
        if self.kind == "cross_encoder" and self.sampling.negatives < 1:
            raise ConfigError("a cross_encoder stage needs sampling.negatives >= 1.")
        if self.max_epochs < 1 and self.max_steps < 1:
            raise ConfigError("a train stage needs max_epochs or max_steps >= 1.")
        if self.neighbours < 1:
            raise ConfigError(f"train stage neighbours must be >= 1, got {self.neighbours}.")
        self.loss_pairs()  # validate early

    def loss_pairs(self) -> list[tuple[nn.Module, float]]:
        """The configured losses as ``(module, weight)``, or the kind's default.

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

    def references(self) -> list[str]:
        """The earlier stages this one starts from or learns from."""
        return [r for r in (stage_reference(self.base_model), stage_reference(self.teacher)) if r]

    def fingerprint(self) -> dict[str, Any]:
        """Every setting that shapes the stage's model, JSON-ready."""
        return {f.name: plain(getattr(self, f.name)) for f in fields(self)}

    def describe(self) -> dict[str, Any]:
        """A short JSON summary (saved with the model and logged)."""
        return {
            "kind": self.kind,
            "base_model": self.base_model,
            "head": self.head,
            "losses": [[type(loss).__name__, w] for loss, w in self.loss_pairs()],
            "max_length": self.max_length,
            "batch_size": self.batch_size,
            "max_epochs": self.max_epochs,
            "max_steps": self.max_steps,
        }


@dataclass
class TrainChain:
    """A training recipe: stages run in order, each cached and resumable on its own.

    Attributes:
        stages: stage name -> settings, in order; the re-ranker scores with the last stage's
            model unless it names another.
        label_source: the training labels (e.g. a search log, ``labels=<method>``); ``None``:
            the training split's qrels divided by the top grade.
        min_positive_label: labels at or above this are positives (``None``: any > 0).
        max_positives: each query's this many highest-labelled positives (``None``: all).
        dev_from_labels: judge dev with the training labels on held-out training queries
            (``True``) or with the dataset's dev split (``False``); ``None``: ``True`` exactly when
            labels come from a label source. A log-judged dev inherits the logged ranker's
            exposure bias: on the helpdesk it scores BM25 0.90 and prefers it.
        dev_fraction, max_dev_queries, dev_depth: the dev set (held out of training when the
            dataset has no dev split) and how many first-stage candidates per dev query.
        max_train_queries: cap on training queries (demos, tests).
        train_fraction: share of the training queries to train on, a seeded sample (learning
            curves); ``None``: all.
        trainer: the Lightning hardware settings of every stage.
        seed: overrides the experiment seed when set.
        resume: continue a stage from its ``last.ckpt`` and reuse finished stages.
        num_workers: DataLoader workers.
        shuffle: shuffle training groups each epoch.
        fast_dev_run: Lightning's smoke test (a few batches, no checkpoints).
        log_every_n_steps: interval of training curves.
        progress_bar: Lightning's progress bar.
    """

    stages: dict[str, StageSettings] = field(
        default_factory=lambda: {"rank": StageSettings()}
    )
    label_source: LabelSource | None = None
    min_positive_label: float | None = None
    max_positives: int | None = None
    dev_from_labels: bool | None = None
    dev_fraction: float = 0.1
    max_dev_queries: int | None = 100
    dev_depth: int = 50
    max_train_queries: int | None = None
    train_fraction: float | None = None
    trainer: TrainerSettings = field(default_factory=TrainerSettings)
    seed: int | None = None
    resume: bool = True
    num_workers: int = 0
    shuffle: bool = True
    fast_dev_run: bool | int = False
    log_every_n_steps: int = 10
    progress_bar: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.trainer, Mapping):
            self.trainer = TrainerSettings(**self.trainer)
        self.stages = {
            name: StageSettings(**stage) if isinstance(stage, Mapping) else stage
            for name, stage in self.stages.items()
            if stage is not None  # a recipe drops an inherited stage by setting it to null
        }
        if not self.stages:
            raise ConfigError("a train recipe needs at least one stage (train.stages).")
        seen: list[str] = []
        for name, stage in self.stages.items():
            for ref in stage.references():
                if ref not in seen:
                    raise ConfigError(
                        f"train stage {name!r} refers to @{ref}, which is not an earlier stage "
                        f"(earlier: {', '.join(seen) or 'none'}). Fix: name an earlier stage."
                    )
            seen.append(name)

    @property
    def last(self) -> str:
        """The name of the final stage."""
        return list(self.stages)[-1]

    def data_fingerprint(self) -> dict[str, Any]:
        """The chain-level settings that shape every stage's training data."""
        ignored = {"stages", "trainer", "resume", "num_workers", "progress_bar",
                   "log_every_n_steps"}
        data = {f.name: plain(getattr(self, f.name)) for f in fields(self) if f.name not in ignored}
        # bf16 training changes the weights: the precision used on this machine, not "auto"
        data["precision"] = training_precision(self.trainer.precision, self.trainer.accelerator)
        if self.train_fraction is None:  # added later: at its default, earlier caches stay valid
            del data["train_fraction"]
        return data


def plain(value: Any) -> Any:
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
        return {"class": type(value).__name__, **plain(asdict(value))}
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    func = getattr(value, "func", None)  # functools.partial (Hydra `_partial_: true`)
    if func is not None:
        return {"partial": f"{func.__module__}.{func.__qualname__}",
                "args": plain(list(value.args)), "kwargs": plain(dict(value.keywords))}
    cache_key = getattr(value, "cache_key", None)
    return plain(cache_key()) if callable(cache_key) else repr(value)
