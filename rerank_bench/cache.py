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
__all__ = ["CacheDir", "stable_hash"]

log = logging.getLogger(__name__)
_MANIFEST = "MANIFEST.json"


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
        manifest = folder / _MANIFEST
        if not manifest.is_file():
            return None
        try:
            files = json.loads(manifest.read_text(encoding="utf-8"))["files"]
        except (OSError, ValueError, KeyError):
            log.warning("cache entry %s has an unreadable manifest; rebuilding it", folder)
            return None
        if self.verify:
            for name, checksum in files.items():
                target = folder / name
                if not target.is_file() or file_sha256(target) != checksum:
                    log.warning("cache file %s fails its checksum; rebuilding the entry", target)
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
            files = {
                str(p.relative_to(tmp)): file_sha256(p)
                for p in sorted(tmp.rglob("*"))
                if p.is_file()
            }
            manifest = {"key": key, "files": files}
            (tmp / _MANIFEST).write_text(json.dumps(manifest, default=str, indent=1), "utf-8")
            if folder.exists():
                shutil.rmtree(folder)
            os.replace(tmp, folder)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return folder
