"""The project's hash functions: how a key, a text or a file becomes a digest is decided here.

Why one module: a cache is only as good as its key. Two modules that hash the same kind of input
differently (JSON with and without spaces, say) name one set of settings by two keys, and a fix to
one rule misses the other. Every cache key, content fingerprint and checksum of the package comes
from these functions.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

__all__ = [
    "HashingWriter",
    "file_sha256",
    "files_sha256",
    "parts_sha256",
    "stable_hash",
    "text_blake2b",
    "text_sha256",
]

_BLOCK = 1 << 20


def stable_hash(obj: Any, length: int = 20) -> str:
    """Hex SHA-256 prefix of a JSON-serialisable object, independent of dict order.

    The object is written as canonical JSON (sorted keys, no spaces, ``str()`` for anything JSON
    lacks, such as paths), so equal settings give equal keys in every process and every module.
    """
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)
    return text_sha256(text)[:length]


def text_sha256(text: str) -> str:
    """Hex SHA-256 of a text's UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def text_blake2b(text: str) -> bytes:
    """16-byte BLAKE2b digest of a text's UTF-8 bytes.

    Fixed-width raw bytes, so two of them make a 32-byte (query, passage) key that a numpy
    record array stores compactly; the score cache keys millions of pairs this way.
    """
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


def parts_sha256(parts: Iterable[str]) -> str:
    """Hex SHA-256 of a sequence of texts, each followed by a NUL byte.

    The separator keeps ``("ab", "c")`` and ``("a", "bc")`` apart, and the parts are streamed, so
    a whole corpus is fingerprinted without joining it into one string.
    """
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()


def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes, read in blocks (files may be larger than memory)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(_BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


def files_sha256(paths: Iterable[str | Path]) -> str:
    """Hex SHA-256 over the name and the bytes of each file, in the order given.

    Names count because a folder of weights is the same model only if each file plays the same
    role (``model.safetensors`` vs ``optimizer.pt``); folders above the name do not, so a copied
    model folder keeps its fingerprint.
    """
    digest = hashlib.sha256()
    for path in map(Path, paths):
        digest.update(path.name.encode() + b"\x00")
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(_BLOCK), b""):
                digest.update(block)
    return digest.hexdigest()


class HashingWriter:
    """A binary file wrapper that hashes (SHA-256) and counts every byte written through it.

    Why: a checksum computed while writing costs no second read of a file that may be gigabytes
    (corpus embeddings).
    """

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.size = 0
        self._digest = hashlib.sha256()

    def write(self, data: bytes | memoryview) -> int:
        """Write ``data`` to the file and add it to the checksum."""
        self._digest.update(data)
        self.size += len(data)
        return self.handle.write(data)

    def hexdigest(self) -> str:
        """Hex SHA-256 of everything written so far."""
        return self._digest.hexdigest()
