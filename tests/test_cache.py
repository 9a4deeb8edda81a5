"""The checksummed cache: complete entries are reused, corrupt or partial ones rebuilt."""

from __future__ import annotations

from pathlib import Path

import pytest

from rerank_bench.cache import CacheDir, stable_hash


def test_entry_is_built_once_and_reused(tmp_path: Path) -> None:
    cache = CacheDir(tmp_path)
    builds: list[Path] = []

    def build(folder: Path) -> None:
        builds.append(folder)
        (folder / "data.txt").write_text("payload")

    first = cache.get_or_build("runs", {"k": 1}, build)
    second = cache.get_or_build("runs", {"k": 1}, build)
    assert first == second and len(builds) == 1
    assert (first / "data.txt").read_text() == "payload"
    assert cache.get_or_build("runs", {"k": 2}, build) != first


def test_corrupt_file_is_detected_and_rebuilt(tmp_path: Path) -> None:
    cache = CacheDir(tmp_path)
    folder = cache.get_or_build("runs", "key", lambda f: (f / "a.bin").write_bytes(b"12345"))
    (folder / "a.bin").write_bytes(b"12XYZ")  # same size, different content
    assert cache.lookup("runs", "key") is None
    rebuilt = cache.get_or_build("runs", "key", lambda f: (f / "a.bin").write_bytes(b"12345"))
    assert (rebuilt / "a.bin").read_bytes() == b"12345"


def test_failed_build_leaves_nothing(tmp_path: Path) -> None:
    cache = CacheDir(tmp_path)

    def crash(folder: Path) -> None:
        (folder / "half.txt").write_text("half")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        cache.get_or_build("runs", "key", crash)
    assert cache.lookup("runs", "key") is None
    assert list((tmp_path / "runs").iterdir()) == []


def test_stable_hash_ignores_key_order() -> None:
    assert stable_hash({"a": 1, "b": [1, 2]}) == stable_hash({"b": [1, 2], "a": 1})
    assert stable_hash({"a": 1}) != stable_hash({"a": 2})


def test_atomic_write_gives_normal_permissions(tmp_path: Path) -> None:
    import os

    from rerank_bench.data.io import atomic_write

    with atomic_write(tmp_path / "out.txt") as handle:
        handle.write("x")
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "out.txt").stat().st_mode & 0o777 == 0o666 & ~umask
