"""The simulated log: deterministic, reproduces the trap, and each label method vs the hidden truth.

A mini helpdesk is built here (ten needs, each with a lexically attractive but useless article, a
helpful one that shares fewer words, a partial one and campus fillers), so these tests run
whatever else exists; the same checks run on the built-in helpdesk dataset once it is installed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rerank_bench.data.records import Corpus, Dataset, Doc, Split
from rerank_bench.errors import ConfigError, DataFormatError
from rerank_bench.feedback import (
    LABEL_METHODS,
    FeedbackLabelSource,
    UserModel,
    estimate_position_bias,
    label_agreement,
    read_log,
    simulate_log,
)
from rerank_bench.feedback.simulate import noisy_variants

NEEDS = [
    ("ssh", "server", "dropping", "wifi"),
    ("printer", "queue", "stuck", "driver"),
    ("vpn", "client", "disconnecting", "certificate"),
    ("email", "inbox", "full", "quota"),
    ("laptop", "battery", "draining", "brightness"),
    ("moodle", "upload", "failing", "filesize"),
    ("password", "login", "rejected", "expiry"),
    ("zoom", "audio", "echoing", "headset"),
    ("library", "scanner", "blank", "glass"),
    ("matlab", "license", "expired", "renewal"),
]


def mini_helpdesk() -> Dataset:
    docs, queries, qrels = [], {}, {}
    for i, (a, b, c, d) in enumerate(NEEDS):
        docs += [
            Doc(f"trap{i}", f"how to set up {a} {b}: {a} {b} {c} steps for {a}", f"{a} {b} setup"),
            Doc(f"help{i}", f"if {a} keeps {c}, the {d} is usually the cause; fix the {d}", d),
            Doc(f"part{i}", f"about the {b} service and its {d}", f"{b} overview"),
            Doc(f"fill{i}", f"campus news about {NEEDS[(i + 1) % 10][3]} and more", "campus news"),
        ]
        queries[f"q{i}"] = f"Why is my campus {a} {b} {c} all the time?"
        qrels[f"q{i}"] = {f"trap{i}": 0, f"help{i}": 3, f"part{i}": 1}
    return Dataset(
        name="mini-helpdesk",
        corpus=Corpus(docs),
        splits={"train": Split("train", queries, qrels)},
    )


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return mini_helpdesk()


@pytest.fixture(scope="module")
def log_path(dataset: Dataset, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return simulate_log(dataset, 4000, seed=7, path=tmp_path_factory.mktemp("log") / "log.jsonl.gz")


def test_simulation_is_deterministic_and_seeded(dataset: Dataset, tmp_path: Path) -> None:
    a = simulate_log(dataset, 300, seed=1, path=tmp_path / "a.jsonl.gz").read_bytes()
    b = simulate_log(dataset, 300, seed=1, path=tmp_path / "b.jsonl.gz").read_bytes()
    c = simulate_log(dataset, 300, seed=2, path=tmp_path / "c.jsonl.gz").read_bytes()
    assert a == b and a != c
    assert len(list(read_log(tmp_path / "a.jsonl.gz"))) == 300


def test_noisy_variants_keep_the_original_first() -> None:
    variants = noisy_variants("Why is my VPN dropping?", 6, np.random.default_rng(0))
    assert variants[0] == "Why is my VPN dropping?" and len(variants) == 6
    assert len(set(variants)) > 1


def test_log_reproduces_the_trap(log_path: Path) -> None:
    """Attractive useless articles win clicks at the top; helpful ones win dwell and tickets."""
    clicks = {"trap": 0, "help": 0}
    long_dwell = {"trap": 0, "help": 0}
    resolved_on = {"trap": 0, "help": 0}
    trap_on_top = searches = 0
    for entry in read_log(log_path):
        searches += 1
        trap_on_top += entry.shown[0].startswith("trap")
        for click in entry.clicks:
            kind = click.doc_id[:4]
            if kind in clicks:
                clicks[kind] += 1
                long_dwell[kind] += (click.dwell_s or 0) >= 30
        if entry.feedback and entry.feedback.resolved and entry.clicks:
            kind = entry.clicks[-1].doc_id[:4]
            if kind in resolved_on:
                resolved_on[kind] += 1
    assert trap_on_top / searches > 0.8
    assert clicks["trap"] > clicks["help"]
    assert long_dwell["help"] > 3 * long_dwell["trap"]
    assert resolved_on["help"] > 3 * resolved_on["trap"]


def test_em_estimates_the_true_examination_curve(dataset: Dataset, log_path: Path) -> None:
    stats = FeedbackLabelSource(log=str(log_path)).stats(dataset, "train")
    assert stats.n_unmatched == 0 and stats.n_entries == 4000
    estimate = estimate_position_bias(stats)[1:5]
    truth = UserModel().examination(4)
    assert np.abs(estimate - truth).max() < 0.1


def test_each_method_vs_hidden_truth_and_debiasing_beats_ctr(
    dataset: Dataset, log_path: Path
) -> None:
    truth = dataset.split("train").qrels
    taus = {}
    for method in sorted(LABEL_METHODS):
        queries, labels = FeedbackLabelSource(log=str(log_path), method=method).load(
            dataset, "train"
        )
        assert set(queries) == set(truth) and set(labels) == set(truth)
        assert all(0 <= v <= 1 for docs in labels.values() for v in docs.values())
        taus[method] = label_agreement(labels, truth)
    print({m: round(a.tau_per_query, 3) for m, a in taus.items()})
    assert taus["debiased_ctr"].tau_per_query > taus["ctr"].tau_per_query
    assert taus["nrr"].tau_per_query > taus["debiased_ctr"].tau_per_query
    assert taus["explicit"].tau_per_query > 0.5


def test_label_source_errors(dataset: Dataset, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="ships no interaction log"):
        FeedbackLabelSource().load(dataset, "train")
    with pytest.raises(ConfigError, match="unknown label method"):
        FeedbackLabelSource(log="x", method="clicks")
    other = tmp_path / "other.jsonl"
    other.write_text(
        '{"session_id": "s", "query": "Why is my campus ssh server dropping", '
        '"shown": ["nope"], "clicks": []}\n'
    )
    with pytest.raises(DataFormatError, match="not in the corpus"):
        FeedbackLabelSource(log=str(other)).load(dataset, "train")
    unrelated = tmp_path / "unrelated.jsonl"
    unrelated.write_text(
        '{"session_id": "s", "query": "cafeteria menu", "shown": ["help1"], "clicks": []}\n'
    )
    with pytest.raises(ConfigError, match="matched a question"):
        FeedbackLabelSource(log=str(unrelated)).load(dataset, "train")


@pytest.mark.parametrize("method", sorted(LABEL_METHODS))
def test_label_configs_instantiate_and_load(
    method: str, dataset: Dataset, log_path: Path, repo_root: Path
) -> None:
    from hydra.utils import instantiate
    from omegaconf import OmegaConf

    cfg = OmegaConf.load(repo_root / "conf" / "labels" / f"{method}.yaml")
    source = instantiate(cfg.label_source, log=str(log_path))
    assert isinstance(source, FeedbackLabelSource) and source.method_name == method
    queries, labels = source.load(dataset, "train")
    assert len(queries) == len(labels) == 10
