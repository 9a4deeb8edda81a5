"""nDCG with float gains: continuous labels in [0, 1] scored exactly, not cast to grades.

Why: ranx casts qrels to integers (a 0.7 label becomes 0), pytrec_eval refuses floats and
trec_eval truncates them, so labels derived from a log (:mod:`rerank_bench.feedback.labels`) are
today quantised to grades before evaluation and lose their order within a grade. This computes
the same nDCG that :func:`~rerank_bench.evaluation.metrics.evaluate_run` asks ranx for
(trec_eval ``ndcg_cut``: linear gain = label, discount ``1 / log2(rank + 1)``), on the labels as
they are; on integer grades the two agree to rounding (tests/test_float_gain.py).

Conventions, those of :func:`~rerank_bench.evaluation.metrics.evaluate_run`:

* The run is read in :func:`~rerank_bench.data.records.ranking` order (score descending, ties by
  doc id descending, trec_eval's rule), which is the order ranx is given there.
* The ideal DCG comes from the query's judged labels, sorted, cut at ``k``: judged documents the
  run never retrieved still count.
* Only positive labels are gains, as ranx keeps grades >= 1 only: a zero or negative label adds
  nothing to DCG nor to the ideal, and a query without a positive label scores 0 (ranx turns its
  0 / 0 into 0), and still counts in the mean.
* Every judged query counts: one the run does not answer scores 0. Run queries without
  judgments are ignored.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from rerank_bench.data.records import Run, top
from rerank_bench.errors import EvaluationError

__all__ = ["FloatGainNDCG", "float_gain_ndcg"]

FloatLabels = Mapping[str, Mapping[str, float]]
"""query_id -> doc_id -> label; integer grades are float labels too."""


@dataclass(frozen=True)
class FloatGainNDCG:
    """nDCG@k of one run on float labels.

    Attributes:
        k: the cut-off (``None``: the whole ranking, ranx ``ndcg``).
        mean: mean over every judged query.
        per_query: query_id -> nDCG, for every judged query (0.0 where unanswered).
        n_unanswered: judged queries the run has no documents for (scored 0).
    """

    k: int | None
    mean: float
    per_query: dict[str, float]
    n_unanswered: int

    @property
    def metric(self) -> str:
        """The ranx name of the same metric on integer grades (``ndcg@10``)."""
        return "ndcg" if self.k is None else f"ndcg@{self.k}"


def float_gain_ndcg(
    labels: FloatLabels, run: Run, k: int | None = 10, *, judged_only: bool = False
) -> FloatGainNDCG:
    """nDCG@k of ``run`` with each judged document's label as its gain.

    Args:
        labels: judgments, float (``Labels``) or integer (``Qrels``); every query is evaluated.
        run: the ranking to score (not modified).
        k: cut-off of the ranking and of the ideal ranking; ``None`` scores the whole ranking.
        judged_only: drop unjudged documents from the run first (condensed lists).

    Returns:
        Per-query values and their mean.

    Raises:
        EvaluationError: no judged query, ``k < 1``, or a label that is not a finite number.
    """
    if not labels:
        raise EvaluationError("the labels are empty: nothing to evaluate against.")
    if k is not None and k < 1:
        raise EvaluationError(f"nDCG needs a cut-off k >= 1 (or None for all), got {k}.")
    per_query: dict[str, float] = {}
    unanswered = 0
    for qid in sorted(labels):
        judged = _checked(qid, labels[qid])
        docs = run.get(qid) or {}
        if judged_only:
            docs = {doc_id: score for doc_id, score in docs.items() if doc_id in judged}
        unanswered += not docs
        gains = [judged.get(doc_id, 0.0) for doc_id, _ in top(docs, k)]
        ideal = np.sort(np.fromiter(judged.values(), dtype=float))[::-1][:k]
        ideal_dcg = _dcg(ideal)
        per_query[qid] = _dcg(np.asarray(gains, dtype=float)) / ideal_dcg if ideal_dcg else 0.0
    return FloatGainNDCG(
        k=k,
        mean=float(np.mean(list(per_query.values()))),
        per_query=per_query,
        n_unanswered=unanswered,
    )


def _dcg(gains: np.ndarray) -> float:
    """Sum of positive gains over ``log2(rank + 1)``, ranks from 1."""
    discounts = np.log2(np.arange(2, gains.size + 2))
    return float(np.sum(np.maximum(gains, 0.0) / discounts))


def _checked(qid: str, judged: Mapping[str, float]) -> Mapping[str, float]:
    for doc_id, label in judged.items():
        number = isinstance(label, int | float | np.integer | np.floating)
        if isinstance(label, bool) or not number or not math.isfinite(label):
            raise EvaluationError(
                f"label of query {qid!r}, document {doc_id!r} is {label!r}; float-gain nDCG "
                "needs a finite number."
            )
    return judged
