"""Corpus embeddings, encoded in streamed chunks into a checksummed, memory-mapped file.

Why: encoding a corpus is the most expensive step of dense retrieval and its result depends only on
the model, the encoding settings and the corpus content, so it is cached under those (model
fingerprint + settings + ``Corpus.fingerprint()``) and shared by every run and sweep. Chunks are
encoded and persisted one at a time (memory stays at one chunk, an interrupted build resumes at the
first missing chunk), then streamed into one ``.npy`` that searches memory-map.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rerank_bench.data.io import atomic_write
from rerank_bench.errors import RerankBenchError
from rerank_bench.hashing import stable_hash
from rerank_bench.inference.arrays import NpyStreamWriter, open_checked, save_checked

__all__ = ["embed_corpus"]

log = logging.getLogger(__name__)


def embed_corpus(
    cache_dir: str | Path | None,
    key: dict[str, Any],
    n_docs: int,
    texts: Callable[[int, int], Sequence[str]],
    encode: Callable[[Sequence[str]], np.ndarray],
    dim: int,
    chunk_docs: int = 8192,
) -> np.ndarray:
    """Return the ``[n_docs, dim]`` float32 embeddings of a corpus, from cache when valid.

    Args:
        cache_dir: cache root (file ``<cache_dir>/embeddings/<hash>.npy``), or ``None`` to encode
            into memory without caching.
        key: everything the embeddings depend on (model fingerprint, settings, corpus
            fingerprint); hashed into the file name and written beside it as JSON.
        n_docs: corpus size.
        texts: ``texts(start, stop)`` gives the texts of documents ``start..stop-1`` in corpus
            order.
        encode: embeds a list of texts into ``[len, dim]`` float32.
        dim: embedding width.
        chunk_docs: documents encoded and persisted per step.

    Returns:
        A read-only memmap when cached, else an in-memory array.
    """
    if cache_dir is None:
        out = np.zeros((n_docs, dim), dtype=np.float32)
        for start in range(0, n_docs, chunk_docs):
            stop = min(start + chunk_docs, n_docs)
            out[start:stop] = encode(texts(start, stop))
        return out
    folder = Path(cache_dir) / "embeddings"
    name = stable_hash(key)
    path = folder / f"{name}.npy"
    cached = open_checked(path)
    if cached is not None and cached.shape == (n_docs, dim):
        log.info("corpus embeddings: cache hit %s", path)
        return cached
    log.info("corpus embeddings: building %s (%d docs)", path, n_docs)
    with atomic_write(folder / f"{name}.json") as handle:
        json.dump(key, handle, indent=1, sort_keys=True, default=str)
    parts = folder / f"{name}.parts"
    part_paths: list[Path] = []
    for number, start in enumerate(range(0, n_docs, chunk_docs)):
        stop = min(start + chunk_docs, n_docs)
        part = parts / f"part-{number:06d}.npy"
        part_paths.append(part)
        done = open_checked(part)
        if done is not None and done.shape == (stop - start, dim):
            continue
        save_checked(part, encode(texts(start, stop)))
    with NpyStreamWriter.open(path, (n_docs, dim), np.float32) as writer:
        for part in part_paths:
            block = open_checked(part)
            if block is None:  # deleted or corrupted between the two loops: start over
                raise RerankBenchError(f"embedding chunk {part} vanished while assembling {path}")
            writer.write(block)
    shutil.rmtree(parts, ignore_errors=True)
    result = open_checked(path)
    if result is None:
        raise RerankBenchError(f"corpus embeddings {path} failed their checksum after writing")
    return result
