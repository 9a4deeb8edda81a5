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
from rerank_bench.progress import Progress

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
    progress: Progress | None = None,
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
        progress: the display of the encoding, opened here for the documents still to encode
            (one display for all chunks); ``encode`` hands it to the engine. ``None``: none.

    Returns:
        A read-only memmap when cached, else an in-memory array.
    """
    display = progress or Progress("encoding", "doc", enabled=False)
    spans = [(start, min(start + chunk_docs, n_docs)) for start in range(0, n_docs, chunk_docs)]
    if cache_dir is None:
        out = np.zeros((n_docs, dim), dtype=np.float32)
        with display.stage(n_docs) as stage:
            for start, stop in spans:
                with stage.chunk(stop - start):
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
    part_paths = [parts / f"part-{number:06d}.npy" for number in range(len(spans))]
    missing = [
        (part, start, stop)
        for part, (start, stop) in zip(part_paths, spans, strict=True)
        if not _finished(part, (stop - start, dim))
    ]
    with display.stage(sum(stop - start for _, start, stop in missing)) as stage:
        for part, start, stop in missing:
            with stage.chunk(stop - start):
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


def _finished(part: Path, shape: tuple[int, int]) -> bool:
    """Whether a chunk of an interrupted build is on disk, whole (checksum) and of ``shape``."""
    block = open_checked(part)
    return block is not None and block.shape == shape
