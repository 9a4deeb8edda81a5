"""How well derived labels agree with graded truth: Kendall's tau, per query and pooled.

A label method is only as good as the order it puts documents in for a need, so the headline is
the mean per-query tau-b (ties in the grades are common and tau-b accounts for them); the pooled
tau over all (query, document) pairs is reported beside it, because it also rewards labels that
are comparable across queries, which pointwise training losses rely on. ``top1`` asks the
question a user asks: does the document with the highest label have the query's highest grade?
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import kendalltau

from rerank_bench.data.records import Labels, Qrels

__all__ = ["LabelAgreement", "label_agreement"]


@dataclass(frozen=True, slots=True)
class LabelAgreement:
    """Agreement of labels with truth.

    Attributes:
        tau_per_query: mean Kendall tau-b over queries whose labels and grades both vary.
        tau_pooled: Kendall tau-b over every labelled (query, document) pair.
        top1: share of judged queries whose highest-labelled document (ties: smallest id) has
            the highest grade among the labelled documents.
        n_queries: queries that entered the per-query mean.
        n_pairs: labelled pairs compared (unjudged documents count as grade 0).
    """

    tau_per_query: float
    tau_pooled: float
    top1: float
    n_queries: int
    n_pairs: int


def label_agreement(labels: Labels, truth: Qrels) -> LabelAgreement:
    """Compare ``labels`` with graded ``truth`` on the labelled pairs of judged queries.

    Documents labelled but not judged count as grade 0 (as in evaluation); queries that have no
    judgments at all are skipped.
    """
    taus: list[float] = []
    all_labels: list[float] = []
    all_grades: list[int] = []
    top_hits = top_total = 0
    for qid, docs in labels.items():
        judged = truth.get(qid)
        if not judged:
            continue
        values = list(docs.values())
        grades = [judged.get(doc, 0) for doc in docs]
        all_labels.extend(values)
        all_grades.extend(grades)
        if docs:
            best = min(docs, key=lambda doc: (-docs[doc], doc))
            top_hits += judged.get(best, 0) == max(grades)
            top_total += 1
        if len(set(values)) > 1 and len(set(grades)) > 1:
            tau = kendalltau(values, grades).statistic
            if not math.isnan(tau):
                taus.append(float(tau))
    pooled = (
        float(kendalltau(all_labels, all_grades).statistic) if len(all_labels) > 1 else math.nan
    )
    return LabelAgreement(
        tau_per_query=float(np.mean(taus)) if taus else math.nan,
        tau_pooled=pooled,
        top1=top_hits / top_total if top_total else math.nan,
        n_queries=len(taus),
        n_pairs=len(all_labels),
    )
