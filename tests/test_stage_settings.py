"""Settings travel as objects: every stage's inference or API-client knobs are one nested node.

Why: the same knobs used to be flat arguments copied between six constructors, and the cache keys
drifted (two of them forgot the int8 scheme). These tests pin the contract: each config builds
its settings object, each neural cache key comes from ``InferenceSettings.score_key()``, and the
budgets a config leaves null are the trained ones.
"""

from __future__ import annotations

from dataclasses import fields, replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hydra.utils import instantiate
from omegaconf import DictConfig

from rerank_bench.config import compose_config
from rerank_bench.inference import InferenceSettings
from rerank_bench.inference.settings import INT8_SCHEME
from rerank_bench.pipeline import _reranker, _Training
from rerank_bench.reranking.bi_encoder import BiEncoderReranker
from rerank_bench.reranking.cross_encoder import CrossEncoderReranker
from rerank_bench.reranking.memory import LogMemoryReranker, Memory
from rerank_bench.reranking.splade import SpladeReranker
from rerank_bench.reranking.trained import reranker_for
from rerank_bench.retrieval.api.client import ClientSettings
from rerank_bench.retrieval.dense import DenseRetriever

CONF = Path(__file__).resolve().parents[1] / "conf"
INT8 = InferenceSettings(precision="int8", device="cpu", show_progress=False)


def _compose(overrides: list[str]) -> DictConfig:
    return compose_config(overrides)


@pytest.fixture
def memory(tmp_path: Path) -> Path:
    Memory("minilm", 1, 32, ["q1"], ["wifi drops"], [{"d1": 1.0}]).save(tmp_path)
    return tmp_path


def _neural_keys(settings: InferenceSettings, memory: Path) -> dict[str, dict[str, Any]]:
    """Every cache key of every neural stage run with ``settings``."""
    dense = DenseRetriever("minilm", inference=settings)
    return {
        "cross_encoder": CrossEncoderReranker("minilm", inference=settings,
                                              activation="none").cache_key(),
        "bi_encoder": BiEncoderReranker("minilm", inference=settings).cache_key(),
        "splade": SpladeReranker("splade-tiny", inference=settings).cache_key(),
        "dense": dense.cache_key(),
        "dense corpus embeddings": dense.encoder.key("doc"),
        "log_memory": LogMemoryReranker(str(memory), inference=settings).cache_key(),
    }


def _settings_parts(key: dict[str, Any]) -> list[dict[str, Any]]:
    """The (nested) parts of a cache key that hold inference settings."""
    parts = [key] if "precision" in key else []
    return parts + [p for v in key.values() if isinstance(v, dict) for p in _settings_parts(v)]


def test_every_neural_cache_key_holds_the_int8_scheme(memory: Path) -> None:
    fp32 = _neural_keys(replace(INT8, precision="fp32"), memory)
    for stage, key in _neural_keys(INT8, memory).items():
        parts = _settings_parts(key)
        assert parts, f"{stage}: no inference settings in its cache key"
        for part in parts:  # made by score_key(): all its fields, the scheme included
            assert set(INT8.score_key()) <= set(part), stage
            assert part["precision"] == "int8" and part["quantization"] == INT8_SCHEME, stage
        assert key != fp32[stage] and INT8_SCHEME not in str(fp32[stage]), stage


def test_two_tower_sides_get_their_own_budget() -> None:
    settings = InferenceSettings(max_length=128, query_max_length=32, batch_tokens=1024)
    query, doc = settings.for_side("query"), settings.for_side("doc")
    assert (query.max_length, doc.max_length) == (32, 128)
    assert query.query_max_length is None and doc.query_max_length is None
    assert query.batch_tokens == doc.batch_tokens == 1024
    assert replace(settings, query_max_length=None).for_side("query").max_length == 128


@pytest.mark.parametrize("group", ["reranker", "retriever"])
def test_every_stage_config_builds_its_settings_objects(group: str) -> None:
    """Neural stages get an InferenceSettings, API stages a ClientSettings; no knob is flat."""
    inference_knobs = {f.name for f in fields(InferenceSettings)}
    client_knobs = {f.name for f in fields(ClientSettings)}
    for path in sorted((CONF / group).glob("*.yaml")):
        node = _compose([f"{group}={path.stem}"])[group]
        assert not (inference_knobs | client_knobs) & set(node), path.stem
        if "inference" in node and node.inference.get("max_length", 0) is not None:  # null: trained
            assert isinstance(instantiate(node.inference), InferenceSettings), path.stem
        if "client" in node:
            client = instantiate(node.client)
            assert isinstance(client, ClientSettings) and client.api_key_env, path.stem
            assert str(client.cache_path).endswith("api_embeddings.sqlite"), path.stem


def test_short_overrides_reach_the_nested_nodes() -> None:
    cfg = _compose(["reranker=splade", "reranker.inference.precision=int8",
                    "retriever=openai-3-small", "retriever.client.concurrency=8"])
    reranker, retriever = instantiate(cfg.reranker), instantiate(cfg.retriever)
    assert reranker.inference.precision == "int8" and reranker.inference.batch_tokens == 2048
    assert retriever.connection.settings.concurrency == 8
    assert retriever.connection.base_url == "https://api.openai.com/v1"


def _settings(reranker: Any) -> InferenceSettings:
    encoder = getattr(reranker, "encoder", None)
    return encoder.inference if encoder is not None else reranker.inference


def _budgets(reranker: Any) -> tuple[int, int | None]:
    settings = _settings(reranker)
    return settings.max_length, settings.query_max_length


@pytest.mark.parametrize(
    ("choice", "kind", "budgets", "expected"),
    [
        ("finetuned", "cross_encoder", (64, 24), (64, 24)),
        ("finetuned_bi", "bi_encoder", (128, 32), (128, 32)),
        ("finetuned_bi", "bi_encoder", (128, None), (128, None)),
        ("finetuned_bi", "bi_encoder", (32, 32), (32, None)),  # queries as long as documents
        ("finetuned_bi", "bi_encoder", (32, 64), (32, None)),  # longer: cut, with a warning
    ],
)
def test_null_budgets_of_a_trained_reranker_are_the_trained_ones(
    choice: str, kind: str, budgets: tuple[int, int | None], expected: tuple[int, int | None],
    tmp_path: Path,
) -> None:
    cfg = _compose([f"reranker={choice}", "reranker.inference.precision=bf16"])
    scored = SimpleNamespace(path=tmp_path, kind=kind, max_length=budgets[0],
                             query_max_length=budgets[1])
    training = _Training(result=None, scored=scored, precision="32-true")
    reranker = _reranker(cfg, training, tmp_path, "unused")
    assert _budgets(reranker) == expected
    assert _settings(reranker).precision == "bf16"  # the rest of the node is kept
    member = reranker_for(kind, str(tmp_path), *budgets)  # a fused member or a teacher
    assert _budgets(member) == expected


def test_a_memory_keeps_its_own_budget(memory: Path, tmp_path: Path) -> None:
    cfg = _compose(["reranker=log_memory"])
    scored = SimpleNamespace(path=memory, kind="memory", max_length=64, query_max_length=64)
    training = _Training(result=None, scored=scored, precision="32-true")
    reranker = _reranker(cfg, training, tmp_path, "unused")
    assert isinstance(reranker, LogMemoryReranker) and _budgets(reranker) == (32, None)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ([], (64, 24)),  # null: as the folder records
        (["reranker.inference.max_length=128"], (128, 24)),  # a set budget is kept
        (["reranker.inference.query_max_length=shared"], (64, None)),  # longest-first
        (["reranker.inference.query_max_length=8"], (64, 8)),
    ],
)
def test_a_model_folder_is_scored_with_the_budgets_it_records(
    overrides: list[str], expected: tuple[int, int | None], tmp_path: Path
) -> None:
    import json

    from _neural_helpers import tiny_bert

    folder = tiny_bert(tmp_path / "model")
    (folder / "rerank_bench.json").write_text(json.dumps({"max_length": 64,
                                                          "query_max_length": 24}))
    cfg = _compose(["reranker=cross_encoder", f"reranker.model={folder}", *overrides])
    assert _budgets(_reranker(cfg, None, tmp_path, "unused")) == expected
    unrecorded = tiny_bert(tmp_path / "plain")  # a hub model or an older folder: the defaults
    cfg = _compose(["reranker=cross_encoder", f"reranker.model={unrecorded}"])
    assert _budgets(_reranker(cfg, None, tmp_path, "unused")) == (256, 64)


def test_auto_precision_is_what_this_machine_trains_in_and_keys_the_cache() -> None:
    """``precision: auto`` resolves once per machine (bf16 only where it is native: emulated
    bf16 trains ~14x slower than fp32) and the resolved value, not "auto", keys the cache."""
    from rerank_bench.inference.device import native_bf16, training_precision

    resolved = "bf16-mixed" if native_bf16("cpu") else "32-true"
    assert training_precision("auto", "cpu") == resolved
    assert training_precision("bf16-mixed", "cpu") == "bf16-mixed"  # as asked: never overruled
    chains = {
        value: instantiate(_compose(["train=bi_encoder", f"train.trainer.precision={value}"])
                           .train)
        for value in ("auto", resolved)
    }
    assert chains["auto"].trainer.precision == "auto"
    assert chains["auto"].data_fingerprint() == chains[resolved].data_fingerprint()
