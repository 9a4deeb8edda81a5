"""A persistent, shareable cache of API embeddings and rerank scores (sqlite, WAL mode).

Paid API calls must never be paid twice: every vector is stored under (provider, model,
input_type, dimensions, dtype, truncation, sha256(text)) as soon as its batch returns, one
transaction per batch, so a crashed or interrupted run resumes where it stopped and a sweep over
re-rankers embeds the corpus once. sqlite is in the standard library, survives crashes, lets
several processes read while one writes (WAL), and the whole cache is one file that
:meth:`ApiCache.export` and :meth:`ApiCache.import_from` hand between researchers. Keys and
base URLs are never stored.
"""

from __future__ import annotations

import contextlib
import sqlite3
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rerank_bench.data.io import atomic_write
from rerank_bench.errors import DataFormatError

__all__ = ["ApiCache", "EmbeddingSpace", "RerankSpace"]

SCHEMA_VERSION = "1"
_CHUNK = 500
_DAMAGED = frozenset({"SQLITE_CORRUPT", "SQLITE_NOTADB"})
"""sqlite's answers for a file that is not (or no longer) a whole database; "locked", "read-only"
or "disk full" are other problems, with other fixes, and pass through unchanged."""
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS embeddings (
    provider TEXT NOT NULL, model TEXT NOT NULL, input_type TEXT NOT NULL,
    dimensions INTEGER NOT NULL, dtype TEXT NOT NULL, truncation TEXT NOT NULL,
    text_sha256 TEXT NOT NULL, dim INTEGER NOT NULL, vector BLOB NOT NULL,
    PRIMARY KEY (provider, model, input_type, dimensions, dtype, truncation, text_sha256)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rerank_scores (
    provider TEXT NOT NULL, model TEXT NOT NULL, truncation TEXT NOT NULL,
    query_sha256 TEXT NOT NULL, doc_sha256 TEXT NOT NULL, score REAL NOT NULL,
    PRIMARY KEY (provider, model, truncation, query_sha256, doc_sha256)
) WITHOUT ROWID;
"""


@dataclass(frozen=True, slots=True)
class EmbeddingSpace:
    """Everything that determines an embedding besides the text.

    Attributes:
        provider: ``openai``, ``cohere``, ``voyage``.
        model: the provider's model name.
        input_type: the wire input type (``search_query``, ``document``...), ``none`` if unused.
        dimensions: requested output dimensions, 0 for the model's native size.
        dtype: ``float``, ``int8``, ``uint8``.
        truncation: the provider's normalised truncation setting.
    """

    provider: str
    model: str
    input_type: str
    dimensions: int
    dtype: str
    truncation: str

    def as_row(self) -> tuple[str, str, str, int, str, str]:
        """The key columns, in table order."""
        return (
            self.provider,
            self.model,
            self.input_type,
            self.dimensions,
            self.dtype,
            self.truncation,
        )


@dataclass(frozen=True, slots=True)
class RerankSpace:
    """Everything that determines a rerank score besides the query and document texts."""

    provider: str
    model: str
    truncation: str


class ApiCache:
    """The sqlite cache. Opens (and creates) its file on first use; safe to share across threads.

    Args:
        path: the database file, e.g. ``${paths.cache}/api_embeddings.sqlite``.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"ApiCache(path={str(self.path)!r})"

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, check_same_thread=False, timeout=60.0)
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                with conn:
                    conn.executescript(_SCHEMA)
                    conn.execute(
                        "INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,)
                    )
            except BaseException:
                conn.close()
                raise
            self._conn = conn
        return self._conn

    @contextlib.contextmanager
    def _session(self) -> Iterator[sqlite3.Connection]:
        """The open database, under the lock, with damage reported as a :class:`DataFormatError`.

        A truncated or overwritten file fails at whichever page a statement first reads (often the
        open, sometimes a later look-up), so every use goes through here rather than the open
        alone. The connection is dropped, so that once the file is deleted the next use creates a
        fresh cache.
        """
        with self._lock:
            try:
                yield self._db()
            except sqlite3.DatabaseError as exc:
                if getattr(exc, "sqlite_errorname", "") not in _DAMAGED:
                    raise
                self._drop()
                name = self.path.name
                raise DataFormatError(
                    self.path,
                    None,
                    f"not a valid SQLite database ({exc}); truncated or overwritten?",
                    f"delete {name} (and any {name}-wal / {name}-shm next to it): it is only a "
                    "cache, so the embeddings and rerank scores it held are fetched again, which "
                    "costs API calls; or restore it from a backup, or from a colleague's "
                    "`rerank-bench api-cache export` (after deleting it, `rerank-bench api-cache "
                    f"import FILE --cache {self.path}`).",
                ) from None

    def close(self) -> None:
        """Close the connection (it reopens on next use)."""
        with self._lock:
            self._drop()

    def _drop(self) -> None:
        """Close the connection; the caller holds the lock."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def get_embeddings(self, space: EmbeddingSpace, hashes: Iterable[str]) -> dict[str, np.ndarray]:
        """Cached vectors of ``hashes`` in ``space``: ``{sha256: float32 vector}`` (hits only)."""
        wanted = list(dict.fromkeys(hashes))
        found: dict[str, np.ndarray] = {}
        with self._session() as db:
            for start in range(0, len(wanted), _CHUNK):
                chunk = wanted[start : start + _CHUNK]
                marks = ",".join("?" * len(chunk))
                rows = db.execute(
                    "SELECT text_sha256, dim, vector FROM embeddings WHERE provider=? AND model=? "
                    "AND input_type=? AND dimensions=? AND dtype=? AND truncation=? "
                    f"AND text_sha256 IN ({marks})",
                    (*space.as_row(), *chunk),
                )
                for sha, dim, blob in rows:
                    vector = np.frombuffer(blob, dtype=np.float32)
                    if vector.shape[0] != dim:
                        raise DataFormatError(
                            self.path,
                            None,
                            f"cached vector {sha[:12]} has {vector.shape[0]} "
                            f"values, expected {dim}.",
                            "delete the cache file; it is corrupt.",
                        )
                    found[sha] = vector
        return found

    def put_embeddings(
        self, space: EmbeddingSpace, items: Sequence[tuple[str, np.ndarray]]
    ) -> None:
        """Store ``(sha256, vector)`` pairs in one transaction (one API batch = one commit)."""
        rows = []
        for sha, vector in items:
            flat = np.ascontiguousarray(vector, dtype=np.float32).reshape(-1)
            rows.append((*space.as_row(), sha, int(flat.shape[0]), flat.tobytes()))
        with self._session() as db:
            with db:
                db.executemany(
                    "INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
                )

    def get_scores(
        self, space: RerankSpace, query_sha: str, doc_hashes: Iterable[str]
    ) -> dict[str, float]:
        """Cached rerank scores of one query: ``{doc sha256: score}`` (hits only)."""
        wanted = list(dict.fromkeys(doc_hashes))
        found: dict[str, float] = {}
        with self._session() as db:
            for start in range(0, len(wanted), _CHUNK):
                chunk = wanted[start : start + _CHUNK]
                marks = ",".join("?" * len(chunk))
                rows = db.execute(
                    "SELECT doc_sha256, score FROM rerank_scores WHERE provider=? AND model=? "
                    f"AND truncation=? AND query_sha256=? AND doc_sha256 IN ({marks})",
                    (space.provider, space.model, space.truncation, query_sha, *chunk),
                )
                found.update({sha: float(score) for sha, score in rows})
        return found

    def put_scores(self, space: RerankSpace, query_sha: str, scores: Mapping[str, float]) -> None:
        """Store one query's ``{doc sha256: score}`` in one transaction."""
        rows = [
            (space.provider, space.model, space.truncation, query_sha, sha, float(score))
            for sha, score in scores.items()
        ]
        with self._session() as db:
            with db:
                db.executemany(
                    "INSERT OR REPLACE INTO rerank_scores VALUES (?, ?, ?, ?, ?, ?)", rows
                )

    def count(self) -> dict[str, int]:
        """Rows per table: ``{"embeddings": n, "rerank_scores": m}``."""
        with self._session() as db:
            return {
                table: int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
                for table in ("embeddings", "rerank_scores")
            }

    def export(
        self, path: str | Path, provider: str | None = None, model: str | None = None
    ) -> int:
        """Write a standalone copy of the cache (optionally one provider/model) to ``path``.

        The copy is a sqlite file with the same schema, written atomically; send it to a colleague
        who runs :meth:`import_from`.

        Returns:
            The number of embeddings and scores exported.
        """
        with tempfile.TemporaryDirectory(prefix="api-cache-export-") as tmp:
            copy = Path(tmp) / "export.sqlite"
            with self._session() as db:
                target = sqlite3.connect(copy)
                try:
                    db.backup(target)
                finally:
                    target.close()
            target = sqlite3.connect(copy)
            try:
                with target:
                    for table in ("embeddings", "rerank_scores"):
                        if provider is not None:
                            target.execute(f"DELETE FROM {table} WHERE provider != ?", (provider,))
                        if model is not None:
                            target.execute(f"DELETE FROM {table} WHERE model != ?", (model,))
                target.execute("PRAGMA journal_mode=DELETE")
                target.execute("VACUUM")
                exported = sum(
                    int(target.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0])
                    for t in ("embeddings", "rerank_scores")
                )
            finally:
                target.close()
            with atomic_write(path, "wb") as handle:
                handle.write(copy.read_bytes())
        return exported

    def import_from(self, path: str | Path) -> int:
        """Merge an exported cache file into this one; existing entries are kept.

        Returns:
            The number of new embeddings and scores added.

        Raises:
            DataFormatError: ``path`` is not a rerank-bench API cache of a known schema version.
        """
        path = Path(path)
        if not path.is_file():
            raise DataFormatError(path, None, "file not found.", "check the path of the export.")
        try:
            source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                row = source.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
                # Read all of it now: damage found later, during the merge, would blame this cache.
                check = source.execute("PRAGMA quick_check").fetchone()[0]
            finally:
                source.close()
        except sqlite3.DatabaseError as exc:
            raise DataFormatError(
                path,
                None,
                f"not a rerank-bench API cache ({exc}).",
                "import a file written by ApiCache.export.",
            ) from None
        if check != "ok":
            raise DataFormatError(
                path, None, f"the export is damaged ({check}).", "export it again and re-send it."
            )
        if row is None or row[0] != SCHEMA_VERSION:
            raise DataFormatError(
                path,
                None,
                f"cache schema version {row[0] if row else None!r}, expected {SCHEMA_VERSION!r}.",
                "export it again with this version of rerank-bench.",
            )
        with self._session() as db:
            before = self._total(db)
            db.execute("ATTACH DATABASE ? AS other", (str(path),))
            try:
                with db:
                    db.execute("INSERT OR IGNORE INTO embeddings SELECT * FROM other.embeddings")
                    db.execute(
                        "INSERT OR IGNORE INTO rerank_scores SELECT * FROM other.rerank_scores"
                    )
            finally:
                db.execute("DETACH DATABASE other")
            return self._total(db) - before

    @staticmethod
    def _total(db: sqlite3.Connection) -> int:
        return sum(
            int(db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0])
            for t in ("embeddings", "rerank_scores")
        )
