"""Length-sorted batches under a token budget, padded only to their own longest input.

Why: a transformer spends the same FLOPs on a pad token as on a real one. Sorting by length and
padding each batch dynamically removes most padding; sizing batches by tokens (not items) keeps
memory flat, so short inputs travel in large batches and long ones in small.
"""

from __future__ import annotations

import numpy as np
import torch

from rerank_bench.inference.tokenize import Encoded

__all__ = ["pad_batch", "token_budget_batches"]


def token_budget_batches(
    lengths: np.ndarray, batch_tokens: int, max_batch_size: int
) -> list[np.ndarray]:
    """Split inputs into batches of similar length whose padded size fits ``batch_tokens``.

    Args:
        lengths: tokens per input.
        batch_tokens: most padded tokens (items x longest item) per batch.
        max_batch_size: most items per batch.

    Returns:
        Index arrays into ``lengths``, longest inputs first (so a batch that runs out of memory
        does so at once, not at the end); every input appears exactly once.
    """
    order = np.argsort(-lengths, kind="stable")
    batches: list[np.ndarray] = []
    start = 0
    while start < len(order):
        longest = max(int(lengths[order[start]]), 1)
        size = max(1, min(max_batch_size, batch_tokens // longest))
        batches.append(order[start : start + size])
        start += size
    return batches


def pad_batch(encoded: Encoded, index: np.ndarray, pad_id: int) -> dict[str, torch.Tensor]:
    """Right-pad the inputs ``index`` of ``encoded`` to their longest; return model inputs."""
    width = max(len(encoded.ids[i]) for i in index)
    ids = np.full((len(index), width), pad_id, dtype=np.int64)
    types = np.zeros((len(index), width), dtype=np.int64)
    mask = np.zeros((len(index), width), dtype=np.int64)
    for row, i in enumerate(index):
        n = len(encoded.ids[i])
        ids[row, :n] = encoded.ids[i]
        types[row, :n] = encoded.type_ids[i]
        mask[row, :n] = 1
    return {
        "input_ids": torch.from_numpy(ids),
        "attention_mask": torch.from_numpy(mask),
        "token_type_ids": torch.from_numpy(types),
    }
