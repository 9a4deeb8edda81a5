"""Dense retrieval: our encoder equals sentence-transformers, search is exact, embeddings cached."""

from __future__ import annotations

import importlib.util
import logging
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from _neural_helpers import minilm_path
from sentence_transformers import SentenceTransformer

from rerank_bench.data.records import Corpus, Doc
from rerank_bench.errors import ConfigError
from rerank_bench.inference import InferenceSettings
from rerank_bench.retrieval.dense import DenseEncoder, DenseRetriever
from rerank_bench.retrieval.search import exact_topk

TEXTS = [
    "Vitamin D supplementation and cancer incidence in older adults.",
    "",
    "Protein misfolding causes aggregation " * 120,  # far beyond 256 tokens
    "a",
]

DOCS = [
    Doc("d1", "Rain forms when water vapour condenses into droplets.", "Rain"),
    Doc("d2", "Vitamin D is made in the skin under sunlight.", "Vitamin D"),
    Doc("d3", "Proteins fold into three-dimensional structures.", ""),
    Doc("d4", "", "Empty body"),
    Doc("d5", "The stock market fell sharply on Monday. " * 80, "Markets"),
    Doc("d6", "Cats sleep for most of the day.", "Cats"),
]
CPU = InferenceSettings(batch_tokens=4096, device="cpu", show_progress=False)


@pytest.fixture(scope="module")
def st_model() -> SentenceTransformer:
    return SentenceTransformer(str(minilm_path()), device="cpu")


def test_embeddings_equal_sentence_transformers(st_model: SentenceTransformer) -> None:
    encoder = DenseEncoder("minilm", inference=CPU)
    ours = encoder.encode(TEXTS, "doc")
    reference = st_model.encode(TEXTS, batch_size=2)
    assert st_model.max_seq_length == 256
    np.testing.assert_allclose(ours, reference, atol=1e-5, rtol=0)
    bf16 = DenseEncoder("minilm", inference=replace(CPU, precision="bf16")).encode(TEXTS, "doc")
    assert (np.einsum("ij,ij->i", bf16, reference) > 0.99).all()


def test_pooling_and_prefixes_change_vectors_and_keys() -> None:
    mean = DenseEncoder("minilm", inference=CPU)
    cls = DenseEncoder("minilm", inference=CPU, pooling="cls", query_prefix="query: ")
    assert mean.cache_key() != cls.cache_key()
    assert mean.key("doc")["model"]["fingerprint"] == cls.key("doc")["model"]["fingerprint"]
    a, b = mean.encode(["rain"], "query"), cls.encode(["rain"], "query")
    assert not np.allclose(a, b)
    np.testing.assert_allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-5)
    with pytest.raises(ConfigError, match="pooling"):
        DenseEncoder("minilm", pooling="max")  # type: ignore[arg-type]


def test_exact_topk_in_blocks_equals_a_full_sort() -> None:
    rng = np.random.default_rng(0)
    docs = rng.standard_normal((1000, 16)).astype(np.float32)
    queries = rng.standard_normal((7, 16)).astype(np.float32)
    index, scores = exact_topk(queries, docs, 10, block_size=64)
    full = queries @ docs.T
    expected = np.argsort(-full, axis=1, kind="stable")[:, :10]
    assert np.array_equal(index, expected)
    np.testing.assert_allclose(scores, np.take_along_axis(full, expected, 1), rtol=1e-6)


def test_retriever_ranks_by_cosine_and_reuses_cached_embeddings(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    corpus = Corpus(DOCS, name="toy")
    queries = {"q1": "how does rain form", "q2": "vitamin d sunlight", "q3": ""}
    retriever = DenseRetriever("minilm", inference=CPU, cache_dir=tmp_path, block_size=2,
                               chunk_docs=4)
    run = retriever.retrieve(corpus, queries, k=3)
    assert [next(iter(run[q])) for q in ("q1", "q2")] == ["d1", "d2"]
    assert all(len(docs) == 3 for docs in run.values())
    encoder = retriever.encoder
    docs = encoder.encode(corpus.texts(list(corpus)), "doc")
    vector = encoder.encode([queries["q1"]], "query")[0]
    expected = sorted(zip(list(corpus), docs @ vector, strict=True), key=lambda x: -x[1])[:3]
    assert [d for d, _ in expected] == list(run["q1"])
    np.testing.assert_allclose(list(run["q1"].values()), [s for _, s in expected], atol=1e-5)
    files = sorted((tmp_path / "embeddings").iterdir())
    assert [f.suffix for f in files] == [".json", ".npy", ".json"]  # key, data, checksum
    stamp = files[1].stat().st_mtime_ns
    again = DenseRetriever("minilm", inference=CPU, cache_dir=tmp_path)
    with caplog.at_level(logging.INFO, logger="rerank_bench"):
        rerun = again.retrieve(corpus, queries, k=3)
    for qid, docs_scores in run.items():
        assert rerun[qid] == pytest.approx(docs_scores, abs=1e-6)
    assert "cache hit" in caplog.text and files[1].stat().st_mtime_ns == stamp
    assert retriever.cache_key() == again.cache_key()
    shorter = DenseRetriever("minilm", inference=replace(CPU, max_length=128))
    assert shorter.cache_key() != retriever.cache_key()
    # the corpus embeddings depend on the document side only: a new query budget reuses them
    other_queries = DenseRetriever("minilm", inference=replace(CPU, query_max_length=16))
    assert other_queries.encoder.key("doc") == retriever.encoder.key("doc")
    assert other_queries.cache_key() != retriever.cache_key()


def test_retriever_edge_cases(tmp_path: Path) -> None:
    retriever = DenseRetriever("minilm", inference=CPU)
    assert retriever.retrieve(Corpus(DOCS), {}, k=5) == {}
    with pytest.raises(ConfigError, match="k must be"):
        retriever.retrieve(Corpus(DOCS), {"q": "x"}, k=0)
    run = retriever.retrieve(Corpus(DOCS[:2]), {"q": "rain"}, k=10)
    assert len(run["q"]) == 2
    if importlib.util.find_spec("faiss") is None:
        with pytest.raises(ConfigError, match="faiss"):
            DenseRetriever("minilm", use_faiss=True)
