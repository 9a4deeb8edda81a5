"""``precision=int8-static``: calibration pairs, the OpenVINO int8 graph, its cache and its keys."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from _neural_helpers import minilm_cross_encoder, tiny_bert
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from rerank_bench.data.helpdesk import HelpdeskSource
from rerank_bench.errors import ConfigError, DataFormatError
from rerank_bench.inference import InferenceSettings, score_pairs
from rerank_bench.inference.calibration import (
    BUILTIN,
    CalibrationPairs,
    held_out_calibration,
    load_calibration,
    split_pairs,
    write_calibration,
)
from rerank_bench.inference.static_int8 import _compiled
from rerank_bench.reranking.splade import SPLADE_DEFAULTS, SpladeReranker

pytest.importorskip("openvino")
pytest.importorskip("nncf")


@pytest.fixture(scope="module")
def helpdesk():  # type: ignore[no-untyped-def]
    return HelpdeskSource().load()


@pytest.fixture(scope="module")
def calibration_file(helpdesk, tmp_path_factory: pytest.TempPathFactory) -> str:  # type: ignore[no-untyped-def]
    pairs = split_pairs(helpdesk, "train", count=64)
    return str(write_calibration(pairs, tmp_path_factory.mktemp("cal") / "pairs.jsonl"))


def _test_pairs(helpdesk) -> tuple[list[str], list[str]]:  # type: ignore[no-untyped-def]
    """Test questions with their judged and unjudged articles: never calibrated on."""
    pairs = split_pairs(helpdesk, "test", count=120)
    return list(pairs.queries), list(pairs.passages)


def test_split_pairs_alternate_judged_and_other_passages_deterministically(helpdesk) -> None:  # type: ignore[no-untyped-def]
    pairs = split_pairs(helpdesk, "train", count=40)
    assert len(pairs.queries) == 40 and pairs == split_pairs(helpdesk, "train", count=40)
    train = helpdesk.split("train")
    first = sorted(train.qrels)[0]
    judged = {helpdesk.corpus[d].default_text() for d in train.qrels[first]}
    assert pairs.queries[0] == train.queries[first] and pairs.passages[0] in judged
    assert pairs.passages[1] not in judged  # the second is a passage it was not judged on
    test_questions = set(helpdesk.split("test").queries.values())
    assert not test_questions & set(pairs.queries)
    assert pairs.fingerprint != split_pairs(helpdesk, "train", count=41).fingerprint


def test_calibration_files_round_trip_and_bad_lines_name_the_line(tmp_path: Path) -> None:
    pairs = CalibrationPairs(("q1", "q2"), ("p1", "p2"))
    path = write_calibration(pairs, tmp_path / "ok.jsonl")
    assert load_calibration(str(path)) == pairs
    assert load_calibration(str(path)).texts("query") == ["q1", "q2"]
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"query": "q", "passage": "p"}) + "\n" + '{"query": "q"}\n')
    with pytest.raises(DataFormatError, match=r"bad.jsonl:2: .*'passage'"):
        load_calibration(str(bad))
    (tmp_path / "empty.jsonl").write_text("\n")
    with pytest.raises(DataFormatError, match="no pair"):
        load_calibration(str(tmp_path / "empty.jsonl"))
    with pytest.raises(ConfigError, match="does not exist"):
        load_calibration(str(tmp_path / "missing.jsonl"))


def test_held_out_calibration_is_written_once_from_train_else_built_in(
    helpdesk, tmp_path: Path, caplog: pytest.LogCaptureFixture,  # type: ignore[no-untyped-def]
) -> None:
    path = held_out_calibration(helpdesk, (None, "dev"), tmp_path)
    assert path is not None and Path(path).name.startswith("helpdesk-dev-")
    mtime = Path(path).stat().st_mtime_ns
    assert held_out_calibration(helpdesk, (None, "dev"), tmp_path) == path
    assert Path(path).stat().st_mtime_ns == mtime  # reused, not rewritten
    assert load_calibration(path) == split_pairs(helpdesk, "dev")
    assert held_out_calibration(helpdesk, (None, None), tmp_path) is None
    assert "built-in helpdesk pairs" in caplog.text
    assert load_calibration(None) == load_calibration(BUILTIN)


def test_score_key_names_the_scheme_and_the_calibration(calibration_file: str) -> None:
    settings = InferenceSettings(precision="int8-static", calibration=calibration_file)
    key = settings.score_key()
    assert "openvino" in key["quantization"] and "nncf" in key["quantization"]
    assert key["calibration"] == load_calibration(calibration_file).fingerprint
    assert replace(settings, calibration=None).score_key()["calibration"] != key["calibration"]
    assert "calibration" not in replace(settings, precision="int8").score_key()


def test_int8_static_scores_track_fp32_and_convert_once(  # type: ignore[no-untyped-def]
    helpdesk, calibration_file: str, tmp_path: Path,
) -> None:
    folder = minilm_cross_encoder(tmp_path / "ce")  # a seeded head: its logits spread ~0.07
    model = AutoModelForSequenceClassification.from_pretrained(str(folder)).eval()
    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    queries, docs = _test_pairs(helpdesk)
    fp32 = InferenceSettings(max_length=128, device="cpu", show_progress=False)
    static = replace(fp32, precision="int8-static", calibration=calibration_file)
    reference = score_pairs(model, tokenizer, queries, docs, fp32, "none")
    first = score_pairs(model, tokenizer, queries[:60], docs[:60], static, "none")
    rest = score_pairs(model, tokenizer, queries[60:], docs[60:], static, "none")
    scores = np.concatenate([first, rest])
    assert len(_compiled[model]) == 1  # the second call reused the graph
    assert not np.array_equal(scores, reference)
    spread = reference.max() - reference.min()
    assert np.abs(scores - reference).mean() < 0.05 * spread
    assert np.corrcoef(scores, reference)[0, 1] > 0.98
    sigmoid = score_pairs(model, tokenizer, queries[:8], docs[:8], static, "sigmoid")
    assert len(_compiled[model]) == 2 and ((sigmoid > 0) & (sigmoid < 1)).all()


def test_int8_static_splade_vectors_track_fp32(helpdesk, calibration_file: str) -> None:  # type: ignore[no-untyped-def]
    queries, docs = _test_pairs(helpdesk)
    settings = replace(SPLADE_DEFAULTS, device="cpu", show_progress=False)
    fp32 = SpladeReranker("splade-tiny", inference=settings).score(queries, docs)
    static = SpladeReranker("splade-tiny", inference=replace(
        settings, precision="int8-static", calibration=calibration_file)).score(queries, docs)
    assert not np.array_equal(static, fp32)
    assert np.corrcoef(static, fp32)[0, 1] > 0.99


def test_int8_static_embeddings_track_fp32_on_each_side(helpdesk, calibration_file: str) -> None:  # type: ignore[no-untyped-def]
    from rerank_bench.retrieval.dense import DenseEncoder

    queries, docs = _test_pairs(helpdesk)
    settings = InferenceSettings(max_length=128, query_max_length=32, device="cpu",
                                 show_progress=False)
    fp32 = DenseEncoder("minilm", inference=settings)
    static = DenseEncoder("minilm", inference=replace(
        settings, precision="int8-static", calibration=calibration_file))
    for side, texts in (("query", sorted(set(queries))), ("doc", sorted(set(docs)))):
        exact, quantised = fp32.encode(texts, side), static.encode(texts, side)
        cosines = (exact * quantised).sum(axis=1)  # both L2-normalised
        # looser than a re-ranker's scores: a mean-pooled vector carries every token's error
        assert cosines.mean() > 0.98 and cosines.min() > 0.95
        assert not np.array_equal(exact, quantised)


def test_int8_static_refuses_a_stage_without_calibration_inputs(tmp_path: Path) -> None:
    from rerank_bench.inference.engine import run_batched
    from rerank_bench.inference.tokenize import TextEncoder

    folder = tiny_bert(tmp_path / "ce")
    model = AutoModelForSequenceClassification.from_pretrained(str(folder)).eval()
    encoder = TextEncoder(AutoTokenizer.from_pretrained(str(folder)), 32, None)
    settings = InferenceSettings(max_length=32, query_max_length=None, precision="int8-static",
                                 device="cpu", show_progress=False)
    with pytest.raises(ConfigError, match="calibration"):
        run_batched(model, lambda m, i: m(**i).logits, encoder.encode_texts(["a"]),
                    encoder.pad_id, settings, lambda i, v: None)
