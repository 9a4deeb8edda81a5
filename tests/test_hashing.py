"""One hashing module: the same key names the same entry in every cache, and names stay put.

The pinned digests are what the package wrote before hashing moved into ``rerank_bench.hashing``:
cache folders, corpus and model fingerprints and query-set ids keep their names, so existing
caches and logged runs stay valid.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from rerank_bench import cache
from rerank_bench.cache import CacheDir
from rerank_bench.data.records import Corpus, Doc
from rerank_bench.evaluation import query_set_id
from rerank_bench.hashing import (
    HashingWriter,
    file_sha256,
    files_sha256,
    parts_sha256,
    stable_hash,
    text_blake2b,
    text_sha256,
)
from rerank_bench.inference import ScoreCache, embed_corpus

KEY = {"model": "m", "max_length": 256, "path": Path("/x")}


def test_every_cache_names_one_key_alike(tmp_path: Path) -> None:
    """CacheDir entries, score-cache namespaces and embedding files share one key function."""
    name = stable_hash(KEY)
    assert CacheDir(tmp_path).path_for("runs", KEY).name == name
    assert ScoreCache(tmp_path, KEY).folder == tmp_path / "scores" / name
    embed_corpus(tmp_path, KEY, 2, lambda a, b: ["t"] * (b - a), lambda t: np.ones((len(t), 3)), 3)
    assert (tmp_path / "embeddings" / f"{name}.npy").is_file()


def test_stable_hash_is_canonical_and_keeps_its_names() -> None:
    assert stable_hash(KEY) == "d17c6cdddf9dbf246e14"  # CacheDir entries keep their folders
    assert stable_hash({"b": [1, 2], "a": 1}) == stable_hash({"a": 1, "b": [1, 2]})
    assert len(stable_hash(KEY, 8)) == 8
    assert cache.stable_hash is stable_hash


def test_fingerprints_keep_their_values(tmp_path: Path) -> None:
    corpus = Corpus([Doc("d1", "text one", "T"), Doc("d2", "two")])
    assert corpus.fingerprint() == "83fc916215dcbffb"
    assert query_set_id(["q2", "q1"]) == "548668e92cb97abb"
    (tmp_path / "a.bin").write_bytes(b"weights")
    (tmp_path / "config.json").write_text("{}")
    model = files_sha256([tmp_path / "a.bin", tmp_path / "config.json"])
    assert f"sha256:{model[:24]}" == "sha256:0d7e9b41147df2cf23206cd0"  # resolve_model's form
    assert text_blake2b("q").hex() == "dfd90ccee3eb3928a24238ecf6cdc8fb"  # score-shard keys


def test_digests_of_texts_parts_and_files(tmp_path: Path) -> None:
    assert text_sha256("é") == hashlib.sha256("é".encode()).hexdigest()
    assert parts_sha256(["ab", "c"]) != parts_sha256(["a", "bc"])
    blob = bytes(range(256)) * 5000  # more than one read block
    path = tmp_path / "blob"
    with path.open("wb") as handle:
        writer = HashingWriter(handle)
        writer.write(blob[:1000])
        writer.write(memoryview(blob[1000:]))
    assert writer.size == len(blob)
    assert writer.hexdigest() == file_sha256(path) == hashlib.sha256(blob).hexdigest()
