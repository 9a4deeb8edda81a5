"""Label methods on a hand-made log with hand-computed values, and the EM position-bias estimate.

The hand log (one need, three articles A, B, C; satisfying = last click with dwell >= 30 s):

    search  shown    clicks (position: dwell)   feedback
    1       A B C    1: 5 s, 3: 120 s           resolved = true
    2       B A C    1: 40 s                    helpful = false
    3       A B C    -                          reformulated
    4       C A B    1: 200 s                   -

Impressions 4 each; clicks A 1 (pos 1), B 1 (pos 1), C 2 (pos 3 and 1).
Satisfying clicks: search 1 -> C at 3, search 2 -> B at 1, search 4 -> C at 1.
Reciprocal-rank mass shown: A 1 + 1/2 + 1 + 1/2 = 3, B 1/2 + 1 + 1/2 + 1/3 = 7/3, C 1/3 * 3 + 1 = 2.
Votes: resolved -> C +1; helpful = false -> B -1; the reformulated search has no click: no vote.
"""

from __future__ import annotations

import numpy as np
import pytest

from rerank_bench.errors import ConfigError
from rerank_bench.feedback import (
    Click,
    DebiasedCTRLabels,
    ExplicitFeedbackLabels,
    QueryGrouper,
    ReciprocalRankLabels,
    SearchFeedback,
    SearchLogEntry,
    SmoothedCTRLabels,
    binarise,
    collect_stats,
    estimate_position_bias,
    label_agreement,
    make_label_method,
    satisfying_click,
    to_grades,
)

QUERY = {"q1": "Wifi drops in the library"}
THETA = [1.0, 0.5, 0.25]


def _entry(
    shown: str, clicks: list[tuple[int, float | None]], **feedback: object
) -> SearchLogEntry:
    docs = tuple(shown)
    return SearchLogEntry(
        session_id="s",
        query="wifi drops in the library!",
        shown=docs,
        clicks=tuple(Click(docs[pos - 1], pos, None, dwell) for pos, dwell in clicks),
        feedback=SearchFeedback(**feedback) if feedback else None,  # type: ignore[arg-type]
    )


HAND_LOG = [
    _entry("ABC", [(1, 5.0), (3, 120.0)], resolved=True),
    _entry("BAC", [(1, 40.0)], helpful=False),
    _entry("ABC", [], reformulation="library wifi"),
    _entry("CAB", [(1, 200.0)]),
]


@pytest.fixture()
def stats():
    return collect_stats(HAND_LOG, QueryGrouper(QUERY))


def test_counts_of_the_hand_log(stats) -> None:
    assert stats.groups == ["q1"] and stats.docs == ["A", "B", "C"]
    assert stats.pair_sum(stats.cell_shown).tolist() == [4, 4, 4]
    assert stats.pair_sum(stats.cell_clicked).tolist() == [1, 1, 2]
    assert stats.pair_sum(stats.cell_sat).tolist() == [0, 1, 2]
    assert stats.pair_rr_shown == pytest.approx([3, 7 / 3, 2])
    assert stats.pair_rr_sat == pytest.approx([0, 1, 4 / 3])
    assert stats.pair_votes_pos.tolist() == [0, 0, 1]
    assert stats.pair_votes_neg.tolist() == [0, 1, 0]
    assert stats.n_entries == 4 and stats.n_unmatched == 0


def test_bounded_list_memory_gives_the_same_counts(stats) -> None:
    flushed = collect_stats(HAND_LOG * 3, QueryGrouper(QUERY), max_lists=1)
    assert flushed.pair_sum(flushed.cell_shown).tolist() == [12, 12, 12]
    assert flushed.pair_rr_shown == pytest.approx(3 * stats.pair_rr_shown)
    assert flushed.cell_clicked.tolist() == (3 * stats.cell_clicked).tolist()


def test_satisfying_click_rules() -> None:
    assert satisfying_click(HAND_LOG[0]).position == 3
    assert satisfying_click(HAND_LOG[2]) is None
    short = _entry("AB", [(1, 5.0), (2, 9.0)])
    assert satisfying_click(short) is None
    no_dwell = _entry("AB", [(1, None), (2, None)])
    assert satisfying_click(no_dwell).position == 2  # no dwell logged: the last click


def test_smoothed_ctr(stats) -> None:
    # Global CTR 4/12 = 1/3; prior_strength 3 -> a = 1, b = 2.
    assert SmoothedCTRLabels(prior_strength=0).derive(stats) == {
        "q1": {"A": 0.25, "B": 0.25, "C": 0.5}
    }
    smoothed = SmoothedCTRLabels(prior_strength=3).derive(stats)["q1"]
    assert smoothed == pytest.approx({"A": 2 / 7, "B": 2 / 7, "C": 3 / 7})


def test_debiased_ctr_with_a_known_curve(stats) -> None:
    # Weighted clicks: A 1/1, B 1/1, C 1/0.25 + 1/1 = 5.
    raw = DebiasedCTRLabels(prior_strength=0, position_bias=THETA).derive(stats)["q1"]
    assert raw == pytest.approx({"A": 0.25, "B": 0.25, "C": 1.0})  # 5/4 clipped to 1
    # Prior mean 7/12, strength 4 -> a = 7/3, b = 5/3.
    smoothed = DebiasedCTRLabels(prior_strength=4, position_bias=THETA).derive(stats)["q1"]
    assert smoothed == pytest.approx({"A": 5 / 12, "B": 5 / 12, "C": 11 / 12})
    floored = DebiasedCTRLabels(prior_strength=0, position_bias=THETA, min_propensity=0.5)
    assert floored.derive(stats)["q1"]["C"] == pytest.approx(0.75)  # (1/0.5 + 1) / 4


def test_normalised_reciprocal_rank(stats) -> None:
    labels = ReciprocalRankLabels(prior_strength=0).derive(stats)["q1"]
    assert labels == pytest.approx({"A": 0.0, "B": 3 / 7, "C": 2 / 3})
    # Prior mean (7/3) / (22/3) = 7/22; strength 22/7 -> a = 1, b = 15/7.
    smoothed = ReciprocalRankLabels(prior_strength=22 / 7).derive(stats)["q1"]
    assert smoothed["A"] == pytest.approx(1 / (3 + 22 / 7))
    assert smoothed["C"] == pytest.approx((4 / 3 + 1) / (2 + 22 / 7))


def test_explicit_feedback_combined_with_clicks(stats) -> None:
    # Satisfied clicks weighted: B 1/1, C 1/0.25 + 1/1 = 5; vote weight 2.
    method = ExplicitFeedbackLabels(prior_strength=0, position_bias=THETA, explicit_weight=2)
    labels = method.derive(stats)["q1"]
    assert labels == pytest.approx({"A": 0.0, "B": 1 / 6, "C": 1.0})
    no_votes = ExplicitFeedbackLabels(prior_strength=0, position_bias=THETA, explicit_weight=0)
    assert no_votes.derive(stats)["q1"]["B"] == pytest.approx(0.25)


def test_min_impressions_and_unmatched_queries() -> None:
    log = [*HAND_LOG, _entry("D", [(1, 50.0)]), _entry("AB", [])]
    log[-2] = SearchLogEntry("s", "printer", ("D",))
    stats = collect_stats(log, QueryGrouper(QUERY))
    assert stats.n_unmatched == 1
    labels = SmoothedCTRLabels(prior_strength=0, min_impressions=5).derive(stats)
    assert labels == {"q1": {"A": 1 / 5, "B": 1 / 5}}


def test_graded_and_binary_views() -> None:
    labels = {"q": {"a": 0.05, "b": 0.3, "c": 0.6, "d": 0.95}}
    assert to_grades(labels, [0.1, 0.5, 0.9]) == {"q": {"a": 0, "b": 1, "c": 2, "d": 3}}
    assert binarise(labels, 0.5) == {"q": {"a": 0, "b": 0, "c": 1, "d": 1}}
    assert SmoothedCTRLabels().grades(labels)["q"]["d"] == 3


def test_make_label_method_validates_names_and_options() -> None:
    assert isinstance(make_label_method("nrr", {"prior_strength": 1}), ReciprocalRankLabels)
    with pytest.raises(ConfigError, match="choose one of ctr, debiased_ctr, explicit, nrr"):
        make_label_method("dwell")
    with pytest.raises(ConfigError, match="labels.options"):
        make_label_method("ctr", {"min_propensity": 0.1})
    with pytest.raises(ConfigError, match="min_propensity"):
        DebiasedCTRLabels(min_propensity=0)
    with pytest.raises(ConfigError, match="position_bias"):
        DebiasedCTRLabels(position_bias=[1.0, 0.0])


def test_em_recovers_a_known_position_bias_from_varied_rankings() -> None:
    """PBM clicks on random permutations: the EM curve matches theta_k = k^-0.8 closely."""
    rng = np.random.default_rng(3)
    theta = np.arange(1, 7) ** -0.8
    docs = [f"d{i}" for i in range(6)]
    log = []
    for q in range(30):
        gamma = rng.uniform(0.05, 0.9, size=6)
        for _ in range(300):
            order = rng.permutation(6)
            clicked = (rng.random(6) < theta) & (rng.random(6) < gamma[order])
            shown = tuple(docs[i] for i in order)
            clicks = tuple(Click(shown[k], k + 1) for k in np.flatnonzero(clicked))
            log.append(SearchLogEntry("s", f"need {q}", shown, clicks))
    stats = collect_stats(log, QueryGrouper())
    estimate = estimate_position_bias(stats)
    assert estimate[1] == 1.0
    assert np.abs(estimate[1:] - theta).max() < 0.04


def test_label_agreement_per_query_and_pooled() -> None:
    truth = {"q": {"a": 2, "b": 1}, "r": {"x": 1}}
    perfect = {"q": {"a": 0.9, "b": 0.5, "c": 0.1}, "r": {"x": 0.8, "y": 0.2}, "z": {"d": 1.0}}
    agreement = label_agreement(perfect, truth)
    assert agreement.tau_per_query == pytest.approx(1.0)
    assert agreement.n_queries == 2 and agreement.n_pairs == 5  # "z" is unjudged: skipped
    assert agreement.top1 == 1.0
    reversed_q = {"q": {"a": 0.1, "b": 0.5, "c": 0.9}}
    assert label_agreement(reversed_q, truth).tau_per_query == pytest.approx(-1.0)
    assert label_agreement(reversed_q, truth).tau_pooled == pytest.approx(-1.0)
    assert label_agreement(reversed_q, truth).top1 == 0.0  # "c" (unjudged: grade 0) on top
