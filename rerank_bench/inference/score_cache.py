"""A persistent cache of pair scores, so a sweep never scores the same (query, passage) twice.

Why keyed by text hashes and not ids: two datasets, two first stages or two runs of a sweep that
meet the same pair reuse its score, and an edited document can never get a stale one. The
namespace (model fingerprint + the settings that change scores) is a folder; each scoring call
appends one checksummed shard, so a crash loses at most the chunk in flight and a corrupt shard is
dropped (and its pairs re-scored), never used.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import numpy as np

from rerank_bench.data.io import atomic_write
from rerank_bench.hashing import stable_hash, text_blake2b
from rerank_bench.inference.arrays import open_checked, remove_checked, save_checked
from rerank_bench.progress import Progress

__all__ = ["ScoreCache", "bypassed", "cached_scores"]

log = logging.getLogger(__name__)

_BYPASSED: ContextVar[bool] = ContextVar("score_cache_bypassed", default=False)


@contextmanager
def bypassed() -> Iterator[None]:
    """Within the block, :func:`cached_scores` computes every pair and reads or stores nothing.

    Why: the serving cost of a re-ranker (its latency per query) is the model's, not the cache's;
    a run whose pairs were scored before would otherwise time a dictionary look-up.
    """
    token = _BYPASSED.set(True)
    try:
        yield
    finally:
        _BYPASSED.reset(token)

_SHARD_DTYPE = np.dtype([("key", "V32"), ("score", "<f4")])
_MAX_SHARDS = 32


class ScoreCache:
    """Scores of text pairs for one namespace, in memory and (with ``root``) on disk.

    Args:
        root: cache folder (``<root>/scores/<namespace hash>/``), or ``None`` for memory only.
        namespace: what determines a score besides the two texts: model fingerprint, truncation,
            precision, scoring function.
    """

    def __init__(self, root: str | Path | None, namespace: dict[str, Any]) -> None:
        self.namespace = namespace
        self.folder = Path(root) / "scores" / stable_hash(namespace) if root else None
        self._scores: dict[bytes, float] = {}
        self.hits = 0
        """Distinct pairs found in the cache by :func:`cached_scores` calls."""
        self.computed = 0
        """Distinct pairs scored (not found) by :func:`cached_scores` calls."""
        if self.folder is not None:
            self._load()

    def __len__(self) -> int:
        return len(self._scores)

    def _shards(self) -> list[Path]:
        return sorted(self.folder.glob("shard-*.npy")) if self.folder else []

    def _load(self) -> None:
        if self.folder is None:
            return
        meta = self.folder / "namespace.json"
        if not meta.exists():
            with atomic_write(meta) as handle:
                json.dump(self.namespace, handle, indent=1, sort_keys=True, default=str)
        shards = self._shards()
        for shard in shards:
            table = open_checked(shard, mmap=False)
            if table is None or table.dtype != _SHARD_DTYPE:
                continue
            self._scores.update(zip(map(bytes, table["key"]), table["score"].tolist(), strict=True))
        if len(shards) > _MAX_SHARDS:
            self._compact(shards)

    def _compact(self, shards: list[Path]) -> None:
        self._write_shard(list(self._scores), list(self._scores.values()))
        for shard in shards:
            remove_checked(shard)

    def _write_shard(self, keys: Sequence[bytes], scores: Sequence[float]) -> None:
        if self.folder is None or not keys:
            return
        table = np.empty(len(keys), dtype=_SHARD_DTYPE)
        table["key"] = np.frombuffer(b"".join(keys), dtype="V32")
        table["score"] = scores
        name = f"shard-{time.time_ns():020d}-{os.getpid()}.npy"
        save_checked(self.folder / name, table)

    def get(self, key: bytes) -> float | None:
        """The cached score of a pair key, or ``None``."""
        return self._scores.get(key)

    def add(self, keys: Sequence[bytes], scores: Sequence[float] | np.ndarray) -> None:
        """Remember scores (and persist them as one shard)."""
        values = np.asarray(scores, dtype=np.float32).tolist()
        self._scores.update(zip(keys, values, strict=True))
        self._write_shard(keys, values)


def cached_scores(
    cache: ScoreCache,
    queries: Sequence[str],
    docs: Sequence[str],
    compute: Callable[[list[str], list[str]], np.ndarray],
    chunk_pairs: int = 16_384,
    progress: Progress | None = None,
) -> np.ndarray:
    """Scores of aligned pairs, computing only the pairs ``cache`` has not seen.

    Duplicate pairs are scored once. Missing pairs are computed ``chunk_pairs`` at a time and each
    chunk is persisted before the next starts, so an interrupted run resumes where it stopped.

    Args:
        cache: the namespace's cache.
        queries: query texts.
        docs: passage texts, aligned.
        compute: scores a list of pairs (queries, docs) in order.
        chunk_pairs: pairs per persisted chunk.
        progress: the stage's display, opened here for the pairs to compute (one display for
            all chunks); ``compute`` hands it to the engine, which advances it. ``None``: none.

    Returns:
        float32 scores in input order.
    """
    if _BYPASSED.get():
        return np.asarray(compute(list(queries), list(docs)), dtype=np.float32)
    q_hash = {text: text_blake2b(text) for text in set(queries)}
    d_hash = {text: text_blake2b(text) for text in set(docs)}
    keys = [q_hash[q] + d_hash[d] for q, d in zip(queries, docs, strict=True)]
    todo: dict[bytes, tuple[str, str]] = {}
    for key, query, doc in zip(keys, queries, docs, strict=True):
        if key not in todo and cache.get(key) is None:
            todo[key] = (query, doc)
    hits = len(set(keys)) - len(todo)
    cache.hits += hits
    cache.computed += len(todo)
    log.info("score cache: %d of %d distinct pairs cached, %d to score", hits, hits + len(todo),
             len(todo))
    pending = list(todo.items())
    with (progress or Progress("scoring", enabled=False)).stage(len(pending)) as stage:
        for start in range(0, len(pending), chunk_pairs):
            chunk = pending[start : start + chunk_pairs]
            with stage.chunk(len(chunk)):
                scores = compute([q for _, (q, _) in chunk], [d for _, (_, d) in chunk])
            cache.add([key for key, _ in chunk], scores)
    return np.fromiter((cache.get(key) for key in keys), dtype=np.float32, count=len(keys))
