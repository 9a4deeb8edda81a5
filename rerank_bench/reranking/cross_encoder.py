"""Cross-encoder re-ranking with any sequence-classification model, fast and cached.

Why this is more than ``CrossEncoder.predict``: scores must be identical to it (a test checks
1e-5) while costing less. Pairs are tokenised once under an explicit truncation policy, batched by
length under a token budget, run in fp32 or bf16, and every score is cached by (model fingerprint,
settings, query text, passage text), so a sweep over first stages or datasets never scores a pair
twice. The engine (:func:`rerank_bench.inference.score_pairs`) also serves fine-tuned models held
in memory by the training code.

Score semantics (documented because they change numbers, not rankings): a one-logit model scores
``sigmoid(logit)`` with ``activation="auto"`` (sentence-transformers' default for such models,
or the activation saved in the model's config) or the raw logit with ``"none"``; a two-class model
scores ``logit[1] - logit[0]``, the log-odds of ``softmax(logits)[1]`` (same order as
``predict(apply_softmax=True)[:, 1]``, without float32 saturation ties).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

from rerank_bench.errors import ConfigError
from rerank_bench.inference import (
    RANKER_DEFAULTS,
    InferenceSettings,
    ScoreCache,
    cached_scores,
    score_pairs,
)
from rerank_bench.inference.tokenize import CountsTruncation
from rerank_bench.models import LazyModel
from rerank_bench.progress import Progress
from rerank_bench.reranking.base import Reranker

__all__ = ["CrossEncoderReranker", "resolve_activation"]

_IDENTITY = {"torch.nn.modules.linear.Identity", "torch.nn.Identity"}


def resolve_activation(config: Any, activation: str) -> Literal["none", "sigmoid"]:
    """Map ``auto|sigmoid|none`` to what :func:`score_pairs` applies, for a model config.

    ``auto`` follows sentence-transformers: the ``activation_fn`` saved under the config's
    ``sentence_transformers`` key if it is Identity or Sigmoid, else sigmoid for one-logit models.
    """
    if activation in ("none", "sigmoid"):
        return activation  # type: ignore[return-value]
    if activation != "auto":
        raise ConfigError(f"activation must be auto, sigmoid or none; got {activation!r}.")
    saved = (getattr(config, "sentence_transformers", None) or {}).get("activation_fn")
    return "none" if saved in _IDENTITY else "sigmoid"


class CrossEncoderReranker(CountsTruncation, Reranker):
    """Re-rank the top ``depth`` with a cross-encoder.

    Each :meth:`score` call logs one truncation line; :meth:`truncation_summary` has the totals.

    Args:
        model: folder, package alias or hub id of an ``AutoModelForSequenceClassification`` with
            1 logit or 2 classes (``cross-encoder/ms-marco-MiniLM-L6-v2`` on a connected machine).
        depth: documents re-ranked per query.
        inference: budgets (``max_length`` per pair, special tokens included;
            ``query_max_length`` inside it, ``None`` for longest-first as sentence-transformers),
            batching, precision (``fp32``, ``bf16``, ``fp16`` on CUDA, ``int8`` and
            ``int8-static`` on the CPU), device and progress bar.
        cache_dir: score cache root (``${paths.cache}``); ``None`` = in memory only.
        activation: ``auto``, ``sigmoid`` or ``none`` (see the module docstring).
        name: system name in tables.
        revision: hub revision for hub ids.
    """

    name = "cross_encoder"
    model_kind = "cross_encoder"
    """The kind of trained model this re-ranker scores with (``reranker.model: null``)."""

    def __init__(
        self,
        model: str,
        *,
        depth: int = 100,
        inference: InferenceSettings = RANKER_DEFAULTS,
        cache_dir: str | Path | None = None,
        activation: str = "auto",
        name: str = "cross_encoder",
        revision: str | None = None,
    ) -> None:
        super().__init__(depth)
        if activation not in ("auto", "sigmoid", "none"):
            raise ConfigError(f"activation must be auto, sigmoid or none; got {activation!r}.")
        self.model = LazyModel(model, "sequence-classification", revision)
        self.inference = inference
        self.activation = activation
        self.cache_dir = cache_dir
        self.name = name
        self._cache: ScoreCache | None = None

    def _activation(self) -> Literal["none", "sigmoid"]:
        if self.activation != "auto":
            return self.activation  # type: ignore[return-value]
        from transformers import AutoConfig

        return resolve_activation(AutoConfig.from_pretrained(self.model.resolved.path), "auto")

    def cache_key(self) -> dict[str, Any]:
        """Model fingerprint, truncation, precision and activation."""
        return {
            "type": "cross_encoder",
            "model": self.model.key(),
            **self.inference.score_key(),
            "activation": self._activation(),
            "depth": self.depth,
        }

    def _score_cache(self) -> ScoreCache:
        if self._cache is None:
            namespace = {k: v for k, v in self.cache_key().items() if k != "depth"}
            namespace["model"] = self.model.resolved.fingerprint
            self._cache = ScoreCache(self.cache_dir, namespace)
        return self._cache

    def score(self, queries: Sequence[str], docs: Sequence[str]) -> np.ndarray:
        """Scores of aligned pairs; cached pairs are not recomputed (one progress display
        covers the pairs to compute, whatever their chunks)."""
        activation = self._activation()
        progress = Progress(self.name, "pair", self.inference.show_progress)
        with self._counting_truncation(self.name) as truncation:

            def compute(qs: list[str], ds: list[str]) -> np.ndarray:
                model, tokenizer = self.model.load()
                return score_pairs(model, tokenizer, qs, ds, self.inference, activation,
                                   truncation=truncation, progress=progress)

            return cached_scores(self._score_cache(), queries, docs, compute, progress=progress)
