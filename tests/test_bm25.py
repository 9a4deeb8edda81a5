"""BM25 first stage: settings are validated and change the ranking's cache identity."""

from __future__ import annotations

from pathlib import Path

import pytest

from rerank_bench.data.records import Corpus, Doc
from rerank_bench.errors import ConfigError
from rerank_bench.retrieval.bm25 import BM25Retriever

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
