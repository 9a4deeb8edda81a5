"""Config checks: what Hydra composes but the pipeline could not build is named before it runs.

Real configs composed from conf/ with real overrides; the classes are imported, never built.
"""

from __future__ import annotations

import pytest
from hydra.errors import InstantiationException
from hydra.utils import instantiate

from rerank_bench.config import config_composer
from rerank_bench.config_checks import check_targets, composition_fix, config_error
from rerank_bench.errors import ConfigError


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        (["+retriever.k=1"], ["retriever.k", "BM25Retriever", "k1, b,", "use k=1"]),
        (["+retriever.nam=bm25"], ["retriever.nam", "Use retriever.name=bm25"]),
        (["retriever=run_file"], ["retriever.path has no value", "set retriever.path="]),
        (
            ["reranker=cross_encoder", "reranker.model=x", "+reranker.inference.batch_token=8"],
            ["reranker.inference.batch_token ", "InferenceSettings", "inference.batch_tokens=8"],
        ),
    ],
)
def test_what_the_pipeline_could_not_build_is_named(overrides: list[str], words: list[str]) -> None:
    with config_composer() as compose:
        cfg = compose(overrides)
    with pytest.raises(ConfigError) as info:
        check_targets(cfg, overrides)
    for word in words:
        assert word in str(info.value)
    assert "Fix:" in str(info.value)


def test_the_default_config_and_a_given_value_pass() -> None:
    with config_composer() as compose:
        check_targets(compose([]))
        check_targets(compose(["retriever=run_file", "retriever.path=run.trec"]))


@pytest.mark.parametrize(
    ("overrides", "fix"),
    [
        (["retriever.nam=bm25"], "did you mean retriever.name? Use retriever.name=bm25."),
        (["retriever.k=20"], "k is a top-level setting: use k=20."),
        (["nope=1"], "remove nope=1"),
    ],
)
def test_composition_fix_names_the_key_meant(overrides: list[str], fix: str) -> None:
    with config_composer() as compose:
        with pytest.raises(Exception) as info:
            compose(overrides)
        message = composition_fix(info.value, compose, overrides)
    assert message is not None and fix in message
    assert message.startswith(repr(overrides[0]))


def test_composition_fix_leaves_other_errors_to_hydra() -> None:
    with config_composer() as compose:
        for overrides in (["retriever=bm26"], ["k=1=2"]):
            with pytest.raises(Exception) as info:
                compose(overrides)
            assert composition_fix(info.value, compose, overrides) is None


def test_a_config_error_hydra_wrapped_is_unwrapped() -> None:
    with config_composer() as compose:
        cfg = compose(["retriever.method=foo"])
    with pytest.raises(InstantiationException) as info:
        instantiate(cfg.retriever)
    error = config_error(info.value, cfg)
    assert isinstance(error, ConfigError) and "retriever.method='foo'" in str(error)
