"""Checksummed ``.npy`` files: written atomically, verified before use, memory-mapped when read.

Why: caches of scores and embeddings outlive the runs that wrote them. A truncated or bit-flipped
file must be detected and rebuilt, never silently fed into a result table; a sha256 sidecar
(``<file>.sha256.json``) written after the data gives that guarantee, and because the data is a
plain ``.npy`` it can still be memory-mapped, so a corpus matrix is never loaded whole.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from rerank_bench.data.io import atomic_write
from rerank_bench.hashing import HashingWriter, file_sha256

__all__ = ["NpyStreamWriter", "open_checked", "remove_checked", "save_checked"]

log = logging.getLogger(__name__)


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".sha256.json")


class NpyStreamWriter:
    """Write a 2-D ``.npy`` array row block by row block, then its checksum.

    Use :meth:`open` as a context manager; rows must be written in order and add up to ``shape[0]``.
    Nothing is visible at ``path`` until the block exits without error.
    """

    def __init__(self, writer: HashingWriter, shape: tuple[int, ...], dtype: np.dtype) -> None:
        self._writer = writer
        self.shape = shape
        self.dtype = dtype
        self.rows = 0

    @classmethod
    @contextlib.contextmanager
    def open(
        cls, path: str | Path, shape: tuple[int, ...], dtype: Any = np.float32
    ) -> Iterator[NpyStreamWriter]:
        """Open ``path`` for streaming ``shape``-shaped data of ``dtype``."""
        path = Path(path)
        dtype = np.dtype(dtype)
        with atomic_write(path, "wb") as handle:
            writer = HashingWriter(handle)
            header = {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False,
                      "shape": shape}
            np.lib.format.write_array_header_1_0(writer, header)
            stream = cls(writer, shape, dtype)
            yield stream
            if stream.rows != shape[0]:
                raise ValueError(f"{path}: wrote {stream.rows} rows, expected {shape[0]}")
        _write_sidecar(path, writer.hexdigest(), writer.size, shape, dtype)

    def write(self, rows: np.ndarray) -> None:
        """Append ``rows`` (cast to the file's dtype)."""
        block = np.ascontiguousarray(rows, dtype=self.dtype)
        if block.shape[1:] != self.shape[1:]:
            raise ValueError(f"rows of shape {block.shape[1:]}, expected {self.shape[1:]}")
        self._writer.write(block.tobytes())
        self.rows += block.shape[0]


def _write_sidecar(path: Path, sha256: str, size: int, shape: tuple[int, ...],
                   dtype: np.dtype) -> None:
    meta = {"sha256": sha256, "bytes": size, "shape": list(shape), "dtype": str(dtype)}
    with atomic_write(_sidecar(path)) as handle:
        json.dump(meta, handle)


def save_checked(path: str | Path, array: np.ndarray) -> None:
    """Write ``array`` to ``path`` (``.npy``) atomically, with its checksum sidecar."""
    path = Path(path)
    array = np.ascontiguousarray(array)
    with atomic_write(path, "wb") as handle:
        writer = HashingWriter(handle)
        np.lib.format.write_array(writer, array, allow_pickle=False)
    _write_sidecar(path, writer.hexdigest(), writer.size, array.shape, array.dtype)


def open_checked(path: str | Path, mmap: bool = True) -> np.ndarray | None:
    """Return the array at ``path`` if it exists and matches its checksum, else ``None``.

    A file that fails the check (or lacks its sidecar, i.e. a write that never finished) is
    deleted with a warning, so the caller rebuilds it.

    Args:
        path: the ``.npy`` file.
        mmap: memory-map read-only instead of loading.
    """
    path = Path(path)
    sidecar = _sidecar(path)
    if not path.exists() and not sidecar.exists():
        return None
    reason = _verify(path, sidecar)
    if reason is None:
        try:
            return np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)
        except (ValueError, OSError) as exc:
            reason = f"unreadable ({exc})"
    log.warning("cache file %s is corrupt (%s); deleting it, it will be rebuilt", path, reason)
    remove_checked(path)
    return None


def _verify(path: Path, sidecar: Path) -> str | None:
    if not path.exists():
        return "data file missing"
    try:
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
        expected, size = str(meta["sha256"]), int(meta["bytes"])
    except (OSError, ValueError, KeyError, TypeError):
        return "checksum sidecar missing or unreadable"
    if path.stat().st_size != size:
        return f"size {path.stat().st_size} bytes, expected {size}"
    if file_sha256(path) != expected:
        return "sha256 mismatch"
    return None


def remove_checked(path: str | Path) -> None:
    """Delete a checksummed file and its sidecar (missing files are fine)."""
    path = Path(path)
    for target in (path, _sidecar(path)):
        target.unlink(missing_ok=True)
