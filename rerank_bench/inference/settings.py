"""Inference settings shared by every neural stage, validated once.

Why a record: the same knobs (truncation budgets, token budget per batch, precision, device) drive
the cross-encoder, the bi-encoder and SPLADE, and the subset that changes scores must go into cache
keys and MLflow params verbatim; one dataclass keeps the two from drifting apart.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any, Literal, get_args

from rerank_bench.errors import ConfigError

__all__ = ["PRECISIONS", "RANKER_DEFAULTS", "InferenceSettings", "Precision", "Side"]

Precision = Literal["fp32", "bf16", "fp16", "int8", "int8-static"]
PRECISIONS: tuple[str, ...] = get_args(Precision)
Side = Literal["query", "doc"]

INT8_SCHEME = "dynamic, per-channel weights"
"""How ``precision=int8`` quantizes (``engine._quantized``); part of an int8 score's cache key, so
a change of scheme must change this name."""


@dataclass(frozen=True)
class InferenceSettings:
    """How to run a model over many inputs.

    Every neural stage takes one of these (the ``inference:`` node of its config), so the knobs are
    validated once and its cache keys come from :meth:`score_key` alone.

    Attributes:
        max_length: token budget of one input (query + passage + special tokens for pairs); for a
            two-tower model (bi-encoder, SPLADE), the budget of a document.
        query_max_length: token budget of the query inside a pair; the passage gets the rest. With
            ``None`` both are cut longest-first, exactly as Hugging Face tokenizers (and
            sentence-transformers) do. For a two-tower model, the budget of a query encoded alone
            (``None``: ``max_length``); see :meth:`for_side`.
        batch_tokens: padded tokens per batch (batch size x longest input); batches of short
            inputs hold more items.
        max_batch_size: upper bound on items per batch, whatever their length.
        precision: ``fp32``; ``bf16`` (a bf16 copy of the weights on the CPU, autocast on CUDA);
            ``fp16`` (autocast, CUDA only); ``int8`` (CPU only: dynamic int8 quantization of the
            linear layers, weights int8 per output channel and activations quantized per batch);
            ``int8-static`` (CPU only, the fastest: the model and its scoring step as one
            OpenVINO graph, int8 with activation ranges fixed on ``calibration``; see
            :mod:`~rerank_bench.inference.static_int8`).
        device: ``auto`` (all visible GPUs, else CPU), ``cpu``, ``cuda`` (all GPUs), ``cuda:1``, or
            ``cuda:0,cuda:1``; several devices run one worker per device.
        calibration: the held-out (query, passage) pairs ``int8-static`` calibrates on: a JSONL
            file of ``{"query", "passage"}`` records, or ``None``: the pipeline fills in its
            dataset's train (else dev) split, and anything else uses the built-in helpdesk
            pairs (:mod:`~rerank_bench.inference.calibration`). Ignored by other precisions.
        show_progress: report each long stage (a re-ranking, a corpus encoding) as it runs: one
            bar for the whole stage with its rate and ETA, drawn only where stderr is a terminal,
            and one summary line in the log (:class:`~rerank_bench.progress.Progress`).
    """

    max_length: int = 256
    query_max_length: int | None = 64
    batch_tokens: int = 16_384
    max_batch_size: int = 256
    precision: Precision = "fp32"
    device: str = "auto"
    calibration: str | None = None
    show_progress: bool = True

    def __post_init__(self) -> None:
        if self.max_length < 4:
            raise ConfigError(f"max_length must be >= 4 tokens, got {self.max_length}.")
        if self.query_max_length is not None and not 1 <= self.query_max_length < self.max_length:
            raise ConfigError(
                f"query_max_length must be in [1, max_length={self.max_length}) or null, got "
                f"{self.query_max_length}. Fix: lower it or raise max_length."
            )
        if self.batch_tokens < self.max_length:
            raise ConfigError(
                f"batch_tokens ({self.batch_tokens}) must be >= max_length ({self.max_length}) so "
                f"that the longest input fits in a batch. Fix: raise batch_tokens."
            )
        if self.max_batch_size < 1:
            raise ConfigError(f"max_batch_size must be >= 1, got {self.max_batch_size}.")
        if self.precision not in PRECISIONS:
            raise ConfigError(
                f"precision must be one of {', '.join(PRECISIONS)}; got {self.precision!r}."
            )

    def score_key(self) -> dict[str, Any]:
        """The settings that change scores (cache keys, MLflow); batching and device do not."""
        key: dict[str, Any] = {
            "max_length": self.max_length,
            "query_max_length": self.query_max_length,
            "precision": self.precision,
        }
        if self.precision == "int8":  # the scheme is part of what an int8 score means
            key["quantization"] = INT8_SCHEME
        if self.precision == "int8-static":  # so are the calibration pairs
            from rerank_bench.inference.calibration import load_calibration
            from rerank_bench.inference.static_int8 import scheme

            key["quantization"] = scheme()
            key["calibration"] = load_calibration(self.calibration).fingerprint
        return key

    def for_side(self, side: Side) -> InferenceSettings:
        """The settings of one side of a two-tower model, which encodes each text alone.

        Documents get ``max_length``, queries ``query_max_length`` (``None``: ``max_length``); the
        result has no pair budget, so one settings object carries both budgets of a bi-encoder.
        """
        budget = (self.query_max_length or self.max_length) if side == "query" else self.max_length
        return replace(self, max_length=budget, query_max_length=None)

    def as_dict(self) -> dict[str, Any]:
        """All settings, for logging."""
        return asdict(self)


RANKER_DEFAULTS = InferenceSettings(batch_tokens=4096)
"""What a ranker built in Python (not from a config) runs with: 4,096 padded tokens per batch was
fastest on the CPUs measured (benchmarks/README.md); configs state their own values."""
