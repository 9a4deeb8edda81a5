"""Domain relevance from user feedback: search logs in, training labels out.

Real domains rarely have graded judgments; they have search logs. This package reads a log
(:mod:`~rerank_bench.feedback.schema`), groups the many spellings of one need
(:mod:`~rerank_bench.feedback.normalize`), derives continuous labels with a documented method
(:mod:`~rerank_bench.feedback.labels`, position bias from :mod:`~rerank_bench.feedback.propensity`),
measures them against a truth (:mod:`~rerank_bench.feedback.agreement`), simulates a helpdesk log
whose truth is known (:mod:`~rerank_bench.feedback.simulate`), and hands labels to training
(:class:`FeedbackLabelSource`). Importing it reads nothing.
"""

from __future__ import annotations

from rerank_bench.feedback.agreement import LabelAgreement, label_agreement
from rerank_bench.feedback.labels import (
    LABEL_METHODS,
    DebiasedCTRLabels,
    ExplicitFeedbackLabels,
    LabelMethod,
    ReciprocalRankLabels,
    SmoothedCTRLabels,
    binarise,
    make_label_method,
    to_grades,
)
from rerank_bench.feedback.normalize import QueryGrouper, normalize_query
from rerank_bench.feedback.propensity import estimate_position_bias
from rerank_bench.feedback.schema import (
    Click,
    SearchFeedback,
    SearchLogEntry,
    read_log,
    write_log,
)
from rerank_bench.feedback.simulate import UserModel, simulate_entries, simulate_log
from rerank_bench.feedback.source import FeedbackLabelSource
from rerank_bench.feedback.stats import LogStats, collect_stats, satisfying_click

__all__ = [
    "LABEL_METHODS",
    "Click",
    "DebiasedCTRLabels",
    "ExplicitFeedbackLabels",
    "FeedbackLabelSource",
    "LabelAgreement",
    "LabelMethod",
    "LogStats",
    "QueryGrouper",
    "ReciprocalRankLabels",
    "SearchFeedback",
    "SearchLogEntry",
    "SmoothedCTRLabels",
    "UserModel",
    "binarise",
    "collect_stats",
    "estimate_position_bias",
    "label_agreement",
    "make_label_method",
    "normalize_query",
    "read_log",
    "satisfying_click",
    "simulate_entries",
    "simulate_log",
    "to_grades",
    "write_log",
]
