"""Exact top-k search over dense vectors in bounded memory.

Scores are computed one block of documents at a time and merged into a running top-k, so memory is
O(queries x (k + block)) whatever the corpus size, and the corpus matrix can be a read-only
``numpy.memmap`` that is never loaded whole.
"""

from __future__ import annotations

import numpy as np

__all__ = ["exact_topk"]


def exact_topk(
    queries: np.ndarray, docs: np.ndarray, k: int, block_size: int = 65_536
) -> tuple[np.ndarray, np.ndarray]:
    """Return the ``k`` highest inner products of each query against ``docs``.

    Args:
        queries: ``[n_queries, dim]`` float array.
        docs: ``[n_docs, dim]`` float array (may be a memmap).
        k: results per query (capped at ``n_docs``).
        block_size: documents scored per step; bounds memory.

    Returns:
        ``(indices, scores)``, both ``[n_queries, k]``, each row sorted by descending score
        (ties broken by the lower document index, so results are deterministic).
    """
    n_docs = docs.shape[0]
    k = min(k, n_docs)
    n_queries = queries.shape[0]
    best_scores = np.full((n_queries, 0), -np.inf, dtype=np.float32)
    best_index = np.zeros((n_queries, 0), dtype=np.int64)
    q = np.ascontiguousarray(queries, dtype=np.float32)
    for start in range(0, n_docs, block_size):
        block = np.asarray(docs[start : start + block_size], dtype=np.float32)
        scores = q @ block.T
        index = np.broadcast_to(np.arange(start, start + block.shape[0]), scores.shape)
        scores = np.concatenate([best_scores, scores], axis=1)
        index = np.concatenate([best_index, index], axis=1)
        if scores.shape[1] > k:
            keep = np.argpartition(-scores, k - 1, axis=1)[:, :k]
            scores = np.take_along_axis(scores, keep, axis=1)
            index = np.take_along_axis(index, keep, axis=1)
        best_scores, best_index = scores, index
    order = np.lexsort((best_index, -best_scores), axis=1)
    return np.take_along_axis(best_index, order, axis=1), np.take_along_axis(
        best_scores, order, axis=1
    )
