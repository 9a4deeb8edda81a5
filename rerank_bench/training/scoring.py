"""Score (query, document) pairs with the model being trained (validation, interpolation).

Why a wrapper: the inference engine (:func:`rerank_bench.inference.score_pairs`) owns
tokenisation, batching and precision; a model in the middle of training additionally needs eval
mode (dropout off) for the call, its train mode back afterwards, and to be scored on the device it
is training on. No second copy of the batching code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from rerank_bench.inference import InferenceSettings
from rerank_bench.inference import score_pairs as _engine_score_pairs

__all__ = ["score_in_training"]


def score_in_training(
    model: Any,
    tokenizer: Any,
    queries: Sequence[str],
    docs: Sequence[str],
    settings: InferenceSettings,
) -> np.ndarray:
    """Raw logits (no activation) of ``model`` for aligned pairs, in eval mode on its own device.

    Args:
        model: a sequence-classification model (possibly in train mode).
        tokenizer: its tokenizer.
        queries: query texts.
        docs: document texts, aligned with ``queries``.
        settings: truncation and batching; the device is taken from the model.

    Returns:
        float32 scores, one per pair, in input order.
    """
    if not queries:
        return np.zeros(0, dtype=np.float32)
    device = str(next(model.parameters()).device)
    was_training = model.training
    model.eval()
    try:
        return _engine_score_pairs(
            model, tokenizer, queries, docs, replace(settings, device=device), "none", "validation"
        )
    finally:
        model.train(was_training)
