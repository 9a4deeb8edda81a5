"""The inference engine: truncation policy, batching, precision, and the two caches."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
import torch
from _neural_helpers import minilm_path, tiny_bert
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from rerank_bench.errors import ConfigError
from rerank_bench.inference import (
    InferenceSettings,
    NpyStreamWriter,
    ScoreCache,
    TextEncoder,
    cached_scores,
    embed_corpus,
    open_checked,
    save_checked,
    score_pairs,
)
from rerank_bench.inference.batching import token_budget_batches
from rerank_bench.inference.device import autocast, resolve_devices
from rerank_bench.inference.tokenize import longest_first

QUERIES = ["what causes rain", "", "protein folding " * 200, "x"]
DOCS = ["Rain forms when water vapour condenses.", "Short.", "", "long passage text " * 400]


@pytest.fixture(scope="module")
def tokenizer():  # type: ignore[no-untyped-def]
    return AutoTokenizer.from_pretrained(str(minilm_path()))


@pytest.fixture(scope="module")
def tiny_ce(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    folder = tiny_bert(tmp_path_factory.mktemp("ce"), num_labels=1)
    return AutoModelForSequenceClassification.from_pretrained(str(folder)).eval()


@pytest.mark.parametrize("max_length", [8, 17, 64])
def test_longest_first_pairs_equal_the_tokenizer(tokenizer, max_length: int) -> None:  # type: ignore[no-untyped-def]
    encoded = TextEncoder(tokenizer, max_length, None).encode_pairs(QUERIES, DOCS)
    reference = tokenizer(QUERIES, DOCS, truncation="longest_first", max_length=max_length)
    assert [e.tolist() for e in encoded.ids] == reference["input_ids"]
    assert [t.tolist() for t in encoded.type_ids] == reference["token_type_ids"]
    assert longest_first(3, 10, 8) == (3, 5) and longest_first(10, 10, 7) == (3, 4)


def test_query_budget_policy_keeps_the_passage(tokenizer) -> None:  # type: ignore[no-untyped-def]
    encoder = TextEncoder(tokenizer, 64, query_max_length=8)
    encoded = encoder.encode_pairs(["word " * 50], ["passage " * 100])
    ids = encoded.ids[0]
    assert len(ids) == 64
    sep = tokenizer.sep_token_id
    assert ids.tolist().index(sep) == 1 + 8  # [CLS] + 8 query tokens, then [SEP]
    assert encoded.stats.truncated_queries == 1 and encoded.stats.truncated_docs == 1
    assert "query <= 8 tokens" in encoded.stats.describe()


def test_single_texts_equal_the_tokenizer_including_empty(tokenizer) -> None:  # type: ignore[no-untyped-def]
    encoded = TextEncoder(tokenizer, 32, None).encode_texts(QUERIES)
    reference = tokenizer(QUERIES, truncation=True, max_length=32)["input_ids"]
    assert [e.tolist() for e in encoded.ids] == reference
    assert encoded.ids[1].tolist() == [tokenizer.cls_token_id, tokenizer.sep_token_id]


def test_token_budget_batches_cover_every_input_once_within_budget() -> None:
    rng = np.random.default_rng(0)
    lengths = rng.integers(1, 300, size=1000)
    batches = token_budget_batches(lengths, batch_tokens=2048, max_batch_size=64)
    seen = np.sort(np.concatenate(batches))
    assert np.array_equal(seen, np.arange(1000))
    for batch in batches:
        assert len(batch) <= 64 and len(batch) * lengths[batch].max() <= 2048
    assert lengths[batches[0]].max() == lengths.max()  # longest first: fail fast on memory


def test_batch_size_does_not_change_scores(tiny_ce, tokenizer) -> None:  # type: ignore[no-untyped-def]
    queries = QUERIES * 5
    docs = DOCS[::-1] * 5
    runs = [
        score_pairs(tiny_ce, tokenizer, queries, docs,
                    InferenceSettings(max_length=128, batch_tokens=bt, max_batch_size=mb,
                                      device="cpu", show_progress=False))
        for bt, mb in [(128, 1), (512, 3), (100_000, 256)]
    ]
    for other in runs[1:]:
        np.testing.assert_allclose(other, runs[0], atol=1e-5, rtol=0)
    bf16 = score_pairs(tiny_ce, tokenizer, queries, docs,
                       InferenceSettings(max_length=128, precision="bf16", device="cpu",
                                         show_progress=False))
    assert np.abs(bf16 - runs[0]).max() < 0.05
    assert np.isfinite(runs[0]).all()
    int8 = score_pairs(tiny_ce, tokenizer, queries, docs,
                       InferenceSettings(max_length=128, precision="int8", device="cpu",
                                         show_progress=False))
    assert np.abs(int8 - runs[0]).max() < 0.05 and not np.array_equal(int8, runs[0])
    assert all(type(m).__name__ != "DynamicQuantizedLinear" for m in tiny_ce.modules())  # a copy


def test_settings_and_devices_reject_bad_values() -> None:
    with pytest.raises(ConfigError, match="query_max_length"):
        InferenceSettings(max_length=32, query_max_length=32)
    with pytest.raises(ConfigError, match="batch_tokens"):
        InferenceSettings(max_length=512, batch_tokens=256)
    with pytest.raises(ConfigError, match="precision"):
        InferenceSettings(precision="int3")  # type: ignore[arg-type]
    assert resolve_devices("cpu") == [torch.device("cpu")]
    if not torch.cuda.is_available():
        assert resolve_devices("auto") == [torch.device("cpu")]
        with pytest.raises(ConfigError, match="no CUDA"):
            resolve_devices("cuda")
    with pytest.raises(ConfigError, match="fp16"), autocast(torch.device("cpu"), "fp16"):
        pass


def test_score_cache_hits_on_second_call_and_persists(tmp_path: Path) -> None:
    computed: list[int] = []

    def compute(qs: list[str], ds: list[str]) -> np.ndarray:
        computed.append(len(qs))
        return np.array([len(q) * 1000 + len(d) for q, d in zip(qs, ds, strict=True)], np.float32)

    namespace = {"model": "sha256:abc", "max_length": 16}
    cache = ScoreCache(tmp_path, namespace)
    queries, docs = ["a", "a", "bb", "a"], ["x", "yy", "x", "x"]  # pair ("a", "x") twice
    first = cached_scores(cache, queries, docs, compute)
    assert first.tolist() == [1001, 1002, 2001, 1001] and computed == [3]
    again = cached_scores(ScoreCache(tmp_path, namespace), queries + ["c"], docs + ["z"], compute)
    assert again.tolist() == [1001, 1002, 2001, 1001, 1001] and computed == [3, 1]
    # another namespace (other model or settings) shares nothing
    cached_scores(ScoreCache(tmp_path, {**namespace, "max_length": 32}), queries, docs, compute)
    assert computed == [3, 1, 3]


def test_corrupt_score_shard_is_dropped_and_rescored(tmp_path: Path,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    calls: list[int] = []

    def compute(qs: list[str], ds: list[str]) -> np.ndarray:
        calls.append(len(qs))
        return np.ones(len(qs), np.float32)

    cache = ScoreCache(tmp_path, {"m": 1})
    cached_scores(cache, ["q"], ["d"], compute)
    shard = next(cache.folder.glob("shard-*.npy"))  # type: ignore[union-attr]
    raw = bytearray(shard.read_bytes())
    raw[-2] ^= 0xFF
    shard.write_bytes(bytes(raw))
    with caplog.at_level(logging.WARNING):
        assert cached_scores(ScoreCache(tmp_path, {"m": 1}), ["q"], ["d"], compute).tolist() == [1]
    assert calls == [1, 1] and "corrupt" in caplog.text


def test_checked_arrays_detect_truncation_and_stream(tmp_path: Path) -> None:
    data = np.arange(24, dtype=np.float32).reshape(6, 4)
    with NpyStreamWriter.open(tmp_path / "s.npy", (6, 4)) as writer:
        writer.write(data[:2])
        writer.write(data[2:])
    mapped = open_checked(tmp_path / "s.npy")
    assert isinstance(mapped, np.memmap) and np.array_equal(mapped, data)
    save_checked(tmp_path / "t.npy", data)
    path = tmp_path / "t.npy"
    path.write_bytes(path.read_bytes()[:-4])
    assert open_checked(path) is None and not path.exists()
    with pytest.raises(ValueError, match="rows"), NpyStreamWriter.open(tmp_path / "u.npy",
                                                                       (6, 4)) as writer:
        writer.write(data[:3])
    assert not (tmp_path / "u.npy").exists()


def test_embedding_cache_reuses_rebuilds_and_resumes(tmp_path: Path) -> None:
    texts = [f"doc {i}" for i in range(10)]
    encoded_chunks: list[int] = []

    def encode(batch: list[str]) -> np.ndarray:
        encoded_chunks.append(len(batch))
        return np.array([[float(t.split()[1]), 1.0] for t in batch], np.float32)

    def slice_texts(start: int, stop: int) -> list[str]:
        return texts[start:stop]

    key = {"model": "m", "corpus": "c"}
    mapped = embed_corpus(tmp_path, key, 10, slice_texts, encode, 2, chunk_docs=4)
    assert isinstance(mapped, np.memmap)
    first = np.array(mapped)
    assert first[:, 0].tolist() == list(range(10))
    assert encoded_chunks == [4, 4, 2]
    again = embed_corpus(tmp_path, key, 10, slice_texts, encode, 2, chunk_docs=4)
    assert encoded_chunks == [4, 4, 2] and np.array_equal(again, first)
    # flip a byte: detected by checksum and rebuilt, never used
    path = next((tmp_path / "embeddings").glob("*.npy"))
    raw = bytearray(path.read_bytes())
    raw[-1] ^= 0x01
    path.write_bytes(bytes(raw))
    rebuilt = embed_corpus(tmp_path, key, 10, slice_texts, encode, 2, chunk_docs=4)
    assert encoded_chunks == [4, 4, 2, 4, 4, 2] and np.array_equal(rebuilt, first)

    # an interrupted build resumes at the first missing chunk
    def failing(batch: list[str]) -> np.ndarray:
        if batch[0] == "doc 8":
            raise KeyboardInterrupt
        return encode(batch)

    other = {"model": "m", "corpus": "d"}
    with pytest.raises(KeyboardInterrupt):
        embed_corpus(tmp_path, other, 10, slice_texts, failing, 2, chunk_docs=4)
    encoded_chunks.clear()
    done = embed_corpus(tmp_path, other, 10, slice_texts, encode, 2, chunk_docs=4)
    assert encoded_chunks == [2] and np.array_equal(done, first)
