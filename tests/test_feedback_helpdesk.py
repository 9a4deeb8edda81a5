"""The shipped simulated log of the built-in helpdesk: current, and each method vs the truth.

The log's hidden truth is the helpdesk's graded judgments of the train questions. The figures the
feedback issue reports come from here (run with ``-s`` to see them): Kendall tau per method and
the share of questions whose top-labelled article is the one that solves them, on trap questions
(the words match another article) and on the others.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rerank_bench.data.helpdesk import HELPDESK_DIR, HelpdeskSource
from rerank_bench.data.records import Dataset
from rerank_bench.feedback import (
    LABEL_METHODS,
    FeedbackLabelSource,
    LabelAgreement,
    UserModel,
    estimate_position_bias,
    label_agreement,
    make_label_method,
)
from rerank_bench.feedback.default_log import default_log_path, write_default_log

LOG = "pkg:rerank_bench.data/helpdesk/logs/train.jsonl.gz"


@pytest.fixture(scope="module")
def helpdesk() -> Dataset:
    return HelpdeskSource().load()


@pytest.fixture(scope="module")
def agreements(helpdesk: Dataset) -> dict[str, dict[str, LabelAgreement]]:
    stats = FeedbackLabelSource(log=LOG).stats(helpdesk, "train")
    truth = helpdesk.split("train").qrels
    with (HELPDESK_DIR / "queries.jsonl").open(encoding="utf-8") as handle:
        trap = {row["_id"]: row["metadata"]["trap"] for row in map(json.loads, handle)}
    subsets = {
        "all": truth,
        "trap": {q: d for q, d in truth.items() if trap[q]},
        "other": {q: d for q, d in truth.items() if not trap[q]},
    }
    out = {}
    for method in sorted(LABEL_METHODS):
        labels = make_label_method(method).derive(stats)
        out[method] = {name: label_agreement(labels, qrels) for name, qrels in subsets.items()}
    return out


def test_shipped_log_is_what_the_simulator_makes_today(helpdesk: Dataset, tmp_path: Path) -> None:
    """If the dataset or the user model changes, regenerate: python -m ...feedback.default_log."""
    shipped = default_log_path()
    assert shipped.is_file() and shipped.stat().st_size < 2 * 2**20
    fresh = write_default_log(helpdesk, tmp_path / "train.jsonl.gz")
    assert fresh.read_bytes() == shipped.read_bytes()


def test_every_search_maps_to_a_train_question_and_em_finds_the_users_curve(
    helpdesk: Dataset,
) -> None:
    stats = FeedbackLabelSource(log=LOG).stats(helpdesk, "train")
    assert stats.n_entries == 30_000 and stats.n_unmatched <= 10
    theta = estimate_position_bias(stats)[1:]
    assert np.abs(theta - UserModel().examination(len(theta))).max() < 0.08


def test_methods_vs_hidden_truth(agreements: dict[str, dict[str, LabelAgreement]]) -> None:
    for method, by_subset in agreements.items():
        print(
            f"{method:13s} tau/query {by_subset['all'].tau_per_query:.3f} "
            f"pooled {by_subset['all'].tau_pooled:.3f} top1=solving article: "
            f"trap {by_subset['trap'].top1:.2f} other {by_subset['other'].top1:.2f}"
        )
    tau = {m: a["all"].tau_per_query for m, a in agreements.items()}
    trap_top1 = {m: a["trap"].top1 for m, a in agreements.items()}
    assert tau["debiased_ctr"] > tau["ctr"]
    assert tau["explicit"] > max(tau["ctr"], tau["debiased_ctr"], tau["nrr"])
    # The trap: raw clicks crown the lexically attractive article; evidence of satisfaction
    # crowns the one that solves the problem.
    assert trap_top1["ctr"] < 0.5  # wrong on most trap questions
    assert trap_top1["ctr"] < trap_top1["debiased_ctr"] < trap_top1["nrr"] < trap_top1["explicit"]
    assert trap_top1["explicit"] > 0.75
