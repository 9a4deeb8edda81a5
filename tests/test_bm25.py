"""BM25 first stage: settings are validated and change the ranking's cache identity."""

from __future__ import annotations

from pathlib import Path

import bm25s
import numpy as np
import pytest

from rerank_bench.data.records import Corpus, Doc
from rerank_bench.data.sources import BeirSource
from rerank_bench.errors import ConfigError
from rerank_bench.retrieval.bm25 import BM25Retriever
from rerank_bench.retrieval.bm25_index import build_bm25_index

CORPUS = Corpus(
    [
        Doc("wifi", "Library WiFi drops: move away from the reading room or use a cable.", "WiFi"),
        Doc("ssh", "Connect to the cluster with SSH keys through the jump host.", "SSH setup"),
        Doc("print", "Top up your print quota in PaperCut.", "Printing"),
    ]
)


def test_ranks_lexical_matches_first(tmp_path: Path) -> None:
    run = BM25Retriever(cache_dir=str(tmp_path)).retrieve(
        CORPUS, {"q1": "ssh keeps dropping", "q2": "print quota"}, k=10
    )
    assert max(run["q1"], key=run["q1"].__getitem__) == "ssh"
    assert list(run["q2"]) == ["print"]  # documents without a matching term are not returned


def test_stemming_matches_inflections(tmp_path: Path) -> None:
    run = BM25Retriever(cache_dir=None).retrieve(CORPUS, {"q": "connecting clusters"}, k=3)
    assert "ssh" in run["q"]
    raw = BM25Retriever(stemmer=None, cache_dir=None).retrieve(CORPUS, {"q": "connecting"}, k=3)
    assert raw["q"] == {}


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ConfigError, match="method"):
        BM25Retriever(method="okapi++")
    with pytest.raises(ConfigError, match="0 <= b <= 1"):
        BM25Retriever(b=1.5)
    with pytest.raises(ConfigError, match="PyStemmer"):
        BM25Retriever(stemmer="klingon", cache_dir=None).retrieve(CORPUS, {"q": "x"}, k=1)


def test_cache_key_tracks_settings() -> None:
    assert BM25Retriever().cache_key() != BM25Retriever(k1=1.2).cache_key()
    assert BM25Retriever().cache_key() == BM25Retriever().cache_key()


@pytest.mark.parametrize("method", ["lucene", "robertson", "atire", "bm25l", "bm25+"])
def test_streamed_index_equals_bm25s_in_memory_index(
    data_root: Path, tmp_path: Path, method: str
) -> None:
    """The chunked builder gives bm25s' own index bit for bit, on a real corpus, over 6 chunks."""
    corpus = BeirSource(name="scifact", path=str(data_root / "scifact")).load().corpus
    texts = [corpus[d].default_text() for d in corpus]
    retriever = BM25Retriever(method=method, cache_dir=None)

    streamed = bm25s.BM25(k1=0.9, b=0.4, method=method)
    n_docs = build_bm25_index(texts, retriever._tokenizer(), streamed, tmp_path, chunk_docs=1000)
    assert n_docs == 5183

    tokenizer = retriever._tokenizer()
    reference = bm25s.BM25(k1=0.9, b=0.4, method=method)
    reference.index(tokenizer.tokenize(texts, return_as="tuple", show_progress=False),
                    show_progress=False)

    loaded = bm25s.BM25.load(tmp_path, show_progress=False)
    assert loaded.vocab_dict == reference.vocab_dict
    for key in ("data", "indices", "indptr"):
        np.testing.assert_array_equal(loaded.scores[key], reference.scores[key], err_msg=key)
    if method in ("bm25l", "bm25+"):
        np.testing.assert_array_equal(loaded.nonoccurrence_array, reference.nonoccurrence_array)
    queries = tokenizer.tokenize(["cancer risk of smoking", "vitamin d"], update_vocab=False,
                                 return_as="ids", show_progress=False)
    for a, b in zip(loaded.retrieve(queries, k=20, show_progress=False),
                    reference.retrieve(queries, k=20, show_progress=False), strict=True):
        np.testing.assert_array_equal(a, b)
