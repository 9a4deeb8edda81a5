"""A content-addressed, checksummed on-disk cache for expensive artefacts.

An entry is a folder named by the hash of everything that determines its content (dataset
fingerprint, stage settings, model fingerprint). It is built in a temporary folder and renamed
into place only when complete, with a manifest of SHA-256 checksums; an entry whose files no longer
match their checksums is treated as absent and rebuilt, so a crashed or corrupted build is never
used and a crashed sweep resumes from the entries that did complete.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rerank_bench.hashing import file_sha256, stable_hash

# stable_hash is re-exported: code that names CacheDir entries imports the key function with it.
__all__ = ["MANIFEST", "CacheDir", "check_manifest", "stable_hash", "write_manifest"]

log = logging.getLogger(__name__)
MANIFEST = "MANIFEST.json"
"""The checksums of a folder's files (a cache entry, a finished training stage)."""


def write_manifest(folder: Path, extra: dict[str, Any] | None = None) -> None:
    """Write ``folder/MANIFEST.json``: the SHA-256 of every file below ``folder`` (and ``extra``
    fields, e.g. the entry's key), so a later reader can tell an intact folder from a changed one.
    """
    files = {
        str(p.relative_to(folder)): file_sha256(p)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }
    manifest = {**(extra or {}), "files": files}
    text = json.dumps(manifest, default=str, indent=1)
    tmp = folder / f".{MANIFEST}.tmp"
    tmp.write_text(text, "utf-8")
    os.replace(tmp, folder / MANIFEST)


def check_manifest(folder: Path, verify: bool = True) -> str | None:
    """What is wrong with ``folder`` against its manifest (``None``: intact).

    Args:
        folder: a folder with a ``MANIFEST.json``.
        verify: compare checksums (else only check that every listed file exists).
    """
    try:
        files = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError):
        return f"its {MANIFEST} is missing or unreadable"
    for name, checksum in files.items():
        target = folder / name
        if not target.is_file():
            return f"{target} is missing"
        if verify and file_sha256(target) != checksum:
            return f"{target} fails its checksum (changed or truncated after it was written)"
    return None


class CacheDir:
    """Folders of artefacts keyed by what made them.

    Args:
        root: where entries live; created on first write.
        verify: check every file's checksum when an entry is opened (cheap next to rebuilding).
    """

    def __init__(self, root: str | Path, verify: bool = True) -> None:
        self.root = Path(root)
        self.verify = verify

    def path_for(self, kind: str, key: Any) -> Path:
        """The folder an entry of ``kind`` with ``key`` lives in (whether or not it exists)."""
        return self.root / kind / stable_hash(key)

    def lookup(self, kind: str, key: Any) -> Path | None:
        """Return the entry's folder if it is complete and intact, else ``None``."""
        folder = self.path_for(kind, key)
        if not (folder / MANIFEST).is_file():
            return None
        problem = check_manifest(folder, self.verify)
        if problem is not None:
            log.warning("cache entry %s: %s; rebuilding the entry", folder, problem)
            return None
        return folder

    def get_or_build(self, kind: str, key: Any, build: Callable[[Path], None]) -> Path:
        """Return the entry's folder, built by ``build(tmp_folder)`` when missing or corrupt.

        ``build`` writes its files into the folder it is given; the folder is moved into place
        only after ``build`` returns and the manifest is written.
        """
        found = self.lookup(kind, key)
        if found is not None:
            return found
        folder = self.path_for(kind, key)
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
        try:
            build(tmp)
            write_manifest(tmp, {"key": key})
            if folder.exists():
                shutil.rmtree(folder)
            os.replace(tmp, folder)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return folder
