"""Score (query, document) pairs with an in-memory cross-encoder (validation during training).

Why here: validation must score dev candidates with the model *as it is being trained* (in
memory, on the training device), with the same tokenisation and batching as inference. It reuses
the inference building blocks (:class:`TextEncoder`, token-budget batches) rather than copying
them; when the cross-encoder re-ranker exposes an equivalent in-memory scorer this delegates to it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from rerank_bench.inference.batching import pad_batch, token_budget_batches
from rerank_bench.inference.tokenize import TextEncoder

__all__ = ["score_pairs"]


@torch.no_grad()
def score_pairs(
    model: nn.Module,
    encoder: TextEncoder,
    queries: Sequence[str],
    docs: Sequence[str],
    batch_tokens: int = 16_384,
    max_batch_size: int = 128,
) -> np.ndarray:
    """Return ``logits[:, 0]`` of ``model`` for each aligned (query, document) pair.

    The model is put in eval mode for the call and restored to its previous mode afterwards.

    Args:
        model: a sequence-classification model.
        encoder: the pair tokeniser (same budgets as training).
        queries: query texts.
        docs: document texts, aligned with ``queries``.
        batch_tokens: padded tokens per batch.
        max_batch_size: pairs per batch at most.

    Returns:
        float32 scores, one per pair, in input order.
    """
    if not queries:
        return np.zeros(0, dtype=np.float32)
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    encoded = encoder.encode_pairs(queries, docs)
    scores = np.empty(len(queries), dtype=np.float32)
    try:
        for index in token_budget_batches(encoded.lengths(), batch_tokens, max_batch_size):
            features = {
                k: v.to(device) for k, v in pad_batch(encoded, index, encoder.pad_id).items()
            }
            logits = model(**features).logits
            logits = logits[:, 0] if logits.ndim == 2 else logits
            scores[index] = logits.float().cpu().numpy()
    finally:
        model.train(was_training)
    return scores
