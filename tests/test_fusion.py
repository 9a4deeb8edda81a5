"""Run fusion: RRF and normalised weighted sums against values derived by hand."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hydra.utils import instantiate

from rerank_bench.config import config_composer
from rerank_bench.data.records import Corpus, Doc, Queries, Run, top
from rerank_bench.errors import ConfigError
from rerank_bench.retrieval.base import Retriever
from rerank_bench.retrieval.fusion import FusionRetriever, fuse_runs, normalize_scores, rrf

R1: Run = {"q": {"a": 3.0, "b": 2.0, "c": 1.0}}
R2: Run = {"q": {"b": 0.9, "d": 0.5, "a": 0.1}, "only2": {"x": 1.0}}


class StaticRetriever(Retriever):
    """A first stage that serves a fixed run (its top-k), as a run-file retriever does."""

    def __init__(self, run: Run, tag: str) -> None:
        self.run = run
        self.tag = tag
        self.asked: list[int] = []

    def retrieve(self, corpus: Corpus, queries: Queries, k: int) -> Run:
        self.asked.append(k)
        return {q: dict(top(self.run.get(q, {}), k)) for q in queries}

    def cache_key(self) -> dict[str, Any]:
        return {"type": "static", "tag": self.tag}


def test_rrf_by_hand() -> None:
    fused = rrf([R1, R2])
    assert fused["q"] == pytest.approx(
        {"a": 1 / 61 + 1 / 63, "b": 1 / 62 + 1 / 61, "c": 1 / 63, "d": 1 / 62}
    )
    assert fused["only2"] == pytest.approx({"x": 1 / 61})
    weighted = rrf([R1, R2], weights=[2, 1], k=0)
    assert weighted["q"] == pytest.approx({"a": 2 / 1 + 1 / 3, "b": 2 / 2 + 1 / 1,
                                           "c": 2 / 3, "d": 1 / 2})


def test_rrf_ties_break_by_doc_id_descending() -> None:
    """trec_eval's order: of two tied documents, the larger doc id is ranked first."""
    fused = rrf([{"q": {"a": 1.0, "b": 1.0}}])
    assert fused["q"] == pytest.approx({"b": 1 / 61, "a": 1 / 62})


def test_weighted_sum_with_minmax_and_zmuv_by_hand() -> None:
    minmax = fuse_runs([R1, R2], "wsum", weights=[0.7, 0.3], norm="minmax")
    assert minmax["q"] == pytest.approx({"a": 0.7, "b": 0.35 + 0.3, "c": 0.0, "d": 0.15})
    z = math.sqrt(1.5)  # (x - mean) / population sd for three evenly spaced scores
    zmuv = fuse_runs([R1, R2], "wsum", norm="zmuv")
    assert zmuv["q"] == pytest.approx({"a": 0.0, "b": z, "c": -z, "d": 0.0})
    assert normalize_scores({"a": 2.0, "b": 2.0}, "minmax") == {"a": 0.0, "b": 0.0}
    assert normalize_scores({"a": 2.0}, "none") == {"a": 2.0}


def test_bad_fusion_settings_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="weights"):
        rrf([R1, R2], weights=[1.0])
    with pytest.raises(ConfigError, match="method"):
        fuse_runs([R1], "max")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="two retrievers"):
        FusionRetriever([StaticRetriever(R1, "1")])


def test_fusion_retriever_fuses_depth_and_keeps_top_k() -> None:
    first, second = StaticRetriever(R1, "1"), StaticRetriever(R2, "2")
    fusion = FusionRetriever({"bm25": first, "dense": second}, method="rrf", depth=3)
    corpus = Corpus([Doc(d, d) for d in "abcdx"])
    run = fusion.retrieve(corpus, {"q": "query", "none": "nothing"}, k=2)
    assert first.asked == [3] and second.asked == [3]
    assert list(run["q"]) == ["b", "a"] and run["none"] == {}
    key = fusion.cache_key()
    assert [r["tag"] for r in key["retrievers"]] == ["1", "2"] and key["rrf_k"] == 60


def test_fusion_configs_compose_and_instantiate() -> None:
    with config_composer() as compose:
        for option, method in (("fusion_rrf", "rrf"), ("fusion_wsum", "wsum")):
            cfg = compose([f"retriever={option}"])
            fusion = instantiate(cfg.retriever)
            assert isinstance(fusion, FusionRetriever) and fusion.method == method
            assert [type(r).__name__ for r in fusion.retrievers] == ["BM25Retriever",
                                                                     "DenseRetriever"]
