"""Re-rankers: scores equal the reference implementations, caching works, depth is respected."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from _neural_helpers import minilm_cross_encoder, minilm_path, tiny_bert
from sentence_transformers import CrossEncoder, SentenceTransformer
from transformers import AutoConfig, AutoModelForMaskedLM, AutoTokenizer

from rerank_bench.data.records import Corpus, Doc
from rerank_bench.errors import ConfigError
from rerank_bench.inference import InferenceSettings
from rerank_bench.models import resolve_model
from rerank_bench.reranking.bi_encoder import BiEncoderReranker
from rerank_bench.reranking.cross_encoder import CrossEncoderReranker, resolve_activation
from rerank_bench.reranking.splade import SpladeReranker

QUERIES = ["what causes rain", "vitamin d", "", "protein " * 300]
DOCS = ["Rain forms when vapour condenses.", "", "Sunlight makes vitamin D. " * 200, "Proteins."]
CPU = InferenceSettings(batch_tokens=4096, device="cpu", show_progress=False)
LONGEST_FIRST = replace(CPU, query_max_length=None)  # what sentence-transformers does


@pytest.fixture(scope="module")
def ce_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return minilm_cross_encoder(tmp_path_factory.mktemp("ce"), num_labels=1, seed=3)


def test_cross_encoder_equals_sentence_transformers_predict(ce_folder: Path) -> None:
    ours = CrossEncoderReranker(str(ce_folder), inference=replace(LONGEST_FIRST, batch_tokens=512))
    scores = ours.score(QUERIES, DOCS)
    reference = CrossEncoder(str(ce_folder), device="cpu", max_length=256).predict(
        list(zip(QUERIES, DOCS, strict=True)), batch_size=3
    )
    np.testing.assert_allclose(scores, reference, atol=1e-5, rtol=0)
    raw = CrossEncoderReranker(str(ce_folder), inference=LONGEST_FIRST,
                               activation="none").score(QUERIES, DOCS)
    np.testing.assert_allclose(1 / (1 + np.exp(-raw)), reference, atol=1e-5)


def test_two_class_cross_encoder_scores_are_log_odds(tmp_path: Path) -> None:
    folder = tiny_bert(tmp_path / "two", num_labels=2, seed=5)
    scores = CrossEncoderReranker(str(folder), inference=LONGEST_FIRST).score(QUERIES, DOCS)
    probs = CrossEncoder(str(folder), device="cpu", max_length=256).predict(
        list(zip(QUERIES, DOCS, strict=True)), apply_softmax=True
    )[:, 1]
    np.testing.assert_allclose(1 / (1 + np.exp(-scores)), probs, atol=1e-5)


def test_activation_follows_sentence_transformers_rules(ce_folder: Path) -> None:
    config = AutoConfig.from_pretrained(str(ce_folder))
    assert resolve_activation(config, "auto") == "sigmoid"
    config.sentence_transformers = {"activation_fn": "torch.nn.modules.linear.Identity"}
    assert resolve_activation(config, "auto") == "none"
    with pytest.raises(ConfigError, match="activation"):
        CrossEncoderReranker(str(ce_folder), activation="softmax")


def test_cross_encoder_cache_hit_needs_no_model_and_rerank_keeps_depth(
    ce_folder: Path, tmp_path: Path
) -> None:
    corpus = Corpus([Doc(f"d{i}", text) for i, text in enumerate(DOCS)])
    queries = {"q0": QUERIES[0], "q1": QUERIES[1]}
    run = {qid: {"d0": 4.0, "d1": 3.0, "d2": 2.0, "d3": 1.0} for qid in queries}
    first = CrossEncoderReranker(str(ce_folder), depth=2, cache_dir=tmp_path, inference=CPU)
    reranked = first.rerank(corpus, queries, run)
    for qid in queries:
        ranked = sorted(reranked[qid], key=lambda d: -reranked[qid][d])
        assert set(ranked[:2]) == {"d0", "d1"} and ranked[2:] == ["d2", "d3"]
    second = CrossEncoderReranker(str(ce_folder), depth=2, cache_dir=tmp_path, inference=CPU)
    assert second.rerank(corpus, queries, run) == reranked
    assert second.model._loaded is None  # every score came from the cache
    bf16 = CrossEncoderReranker(str(ce_folder), depth=2, cache_dir=tmp_path,
                                inference=replace(CPU, precision="bf16"))
    assert bf16.cache_key() != second.cache_key()


def _splade_reference(folder: Path, texts: list[str], max_length: int) -> np.ndarray:
    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    model = AutoModelForMaskedLM.from_pretrained(str(folder)).eval()
    rows = []
    with torch.no_grad():
        for text in texts:  # one at a time: no padding involved
            inputs = tokenizer(text, truncation=True, max_length=max_length, return_tensors="pt")
            logits = model(**inputs).logits[0]
            rows.append(torch.log1p(torch.relu(logits)).max(dim=0).values.numpy())
    return np.stack(rows)


def test_splade_equals_the_formula_and_is_batch_invariant() -> None:
    folder = resolve_model("splade-tiny").path
    small = replace(CPU, max_length=128, query_max_length=32, batch_tokens=256)
    scores = SpladeReranker("splade-tiny", inference=small).score(QUERIES, DOCS)
    q = _splade_reference(folder, QUERIES, 32)
    d = _splade_reference(folder, DOCS, 128)
    np.testing.assert_allclose(scores, np.einsum("ij,ij->i", q, d), rtol=1e-5, atol=1e-4)
    other = SpladeReranker("splade-tiny",
                           inference=replace(small, batch_tokens=4096, max_batch_size=2))
    np.testing.assert_allclose(other.score(QUERIES, DOCS), scores, rtol=1e-5, atol=1e-5)
    vectors = other.encode(["rain", ""], "query")
    assert vectors.shape == (2, 30522) and 0 < vectors[0].nnz < 30522


def test_bi_encoder_scores_are_sentence_transformers_cosines() -> None:
    model = SentenceTransformer(str(minilm_path()), device="cpu")
    queries = QUERIES[:3]  # within the 64-token query budget
    ours = BiEncoderReranker("minilm", inference=CPU).score(queries, DOCS[:3])
    q, d = model.encode(queries), model.encode(DOCS[:3])
    np.testing.assert_allclose(ours, np.einsum("ij,ij->i", q, d), atol=1e-5)
