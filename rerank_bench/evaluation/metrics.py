"""The one door to ranx: evaluate a run against qrels with explicit conventions.

Conventions (logged with every result, never implicit):

* Metrics use ranx names (``ndcg@10``, ``mrr@10``, ``recall@100``, ``map@100``, ``precision@10``).
  nDCG uses the graded judgments with linear gains (trec_eval ``ndcg_cut``); binary metrics count a
  document as relevant when its grade is at least ``rel_level`` (DL uses 2, trec_eval ``-l 2``).
* Every judged query counts: a query without a retrieved list scores 0 on every metric, so a
  system cannot look better by failing to answer hard queries.
* Queries that the run answers but the qrels do not judge are dropped, and counted.
* ``judged_only`` removes unjudged documents from the run before scoring (condensed lists).

This is the only module that imports ranx (STYLE rule 6): ranx mutates runs it is given and
returns different types for one or several metrics, so everything else goes through
:func:`evaluate` (a split, at its own relevance level) or :func:`evaluate_run` (bare qrels, level
given explicitly), which always return the same :class:`Evaluation`.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from numba.core.errors import NumbaTypeSafetyWarning
from ranx import evaluate as _ranx_evaluate

from rerank_bench.data.records import Qrels, Run, Split, ranking
from rerank_bench.errors import EvaluationError
from rerank_bench.hashing import text_sha256

__all__ = [
    "DEFAULT_METRICS",
    "Evaluation",
    "evaluate",
    "evaluate_run",
    "metric_key",
    "query_set_id",
    "with_rel_level",
]

DEFAULT_METRICS: tuple[str, ...] = ("ndcg@10", "mrr@10", "recall@100", "map@100", "precision@10")
_BINARY = ("mrr", "recall", "map", "precision", "hit_rate", "hits", "r-precision", "f1", "bpref")
_METRIC_RE = re.compile(r"^(?P<name>[a-z_\-]+)(@(?P<k>\d+))?(-l(?P<level>\d+))?$")


@dataclass(frozen=True)
class Evaluation:
    """The result of evaluating one run.

    Attributes:
        metrics: the metric names as requested (ranx syntax).
        mean: metric -> mean over every judged query.
        per_query: metric -> query_id -> value, for every judged query (0.0 where unanswered).
        rel_level: grade threshold used by binary metrics.
        n_queries: judged queries evaluated.
        n_unanswered: judged queries the run has no documents for (scored 0).
        n_dropped: queries in the run without judgments (ignored).
    """

    metrics: tuple[str, ...]
    mean: dict[str, float]
    per_query: dict[str, dict[str, float]]
    rel_level: int
    n_queries: int
    n_unanswered: int = 0
    n_dropped: int = 0
    conventions: dict[str, str] = field(default_factory=dict)


def metric_key(name: str) -> str:
    """MLflow-safe key of a ranx metric name: ``ndcg@10`` -> ``ndcg_at_10``, ``-l2`` -> ``_l2``.

    MLflow rejects ``@`` in metric names; every place that logs or looks up a metric uses this one
    function so the same metric never ends up under two keys.
    """
    return name.replace("@", "_at_").replace("-l", "_l").replace("/", "_").replace("-", "_")


def with_rel_level(metric: str, rel_level: int) -> str:
    """Attach a relevance threshold to a binary metric that does not name one (``-l2``)."""
    match = _METRIC_RE.match(metric)
    if match is None:
        raise EvaluationError(
            f"metric {metric!r} is not of the form name[@k][-lN] (e.g. ndcg@10, recall@100-l2)."
        )
    if match["name"] in _BINARY and match["level"] is None and rel_level != 1:
        return f"{metric}-l{rel_level}"
    return metric


def query_set_id(query_ids: Iterable[str]) -> str:
    """A short hash of a set of query ids: runs with different ids must not be compared."""
    return text_sha256("\n".join(sorted(query_ids)))[:16]


def evaluate(
    split: Split,
    run: Run,
    metrics: Sequence[str] = DEFAULT_METRICS,
    *,
    judged_only: bool = False,
    rel_level: int | None = None,
) -> Evaluation:
    """Evaluate ``run`` on a split's judgments, at the split's relevance level.

    Why this is the door to use: what counts as relevant for binary metrics is a property of the
    judgments (DL and the helpdesk: grade >= 2), so it comes with the split and a caller cannot
    forget it.

    Args:
        split: the queries' judgments and their ``rel_level``.
        run: the ranking to score (not modified).
        metrics: ranx metric names; binary metrics without ``-lN`` get the relevance level.
        judged_only: drop unjudged documents from the run first.
        rel_level: overrides the split's level (an explicit ``eval.rel_level``).

    Returns:
        An :class:`Evaluation` keyed by the metric names as given.

    Raises:
        EvaluationError: as :func:`evaluate_run`.
    """
    level = split.rel_level if rel_level is None else rel_level
    return evaluate_run(split.qrels, run, metrics, rel_level=level, judged_only=judged_only)


def evaluate_run(
    qrels: Qrels,
    run: Run,
    metrics: Sequence[str] = DEFAULT_METRICS,
    *,
    rel_level: int,
    judged_only: bool = False,
) -> Evaluation:
    """Evaluate ``run`` on ``qrels``.

    ``rel_level`` has no default: bare qrels do not say which grade counts as relevant, and a
    silent 1 inflates binary metrics on graded collections. With a :class:`Split` at hand, use
    :func:`evaluate`.

    Args:
        qrels: graded judgments; every query in it is evaluated.
        run: the ranking to score (not modified).
        metrics: ranx metric names; binary metrics without ``-lN`` get ``rel_level``.
        rel_level: smallest grade that counts as relevant for binary metrics.
        judged_only: drop unjudged documents from the run first.

    Returns:
        An :class:`Evaluation` keyed by the metric names as given.

    Raises:
        EvaluationError: no judged query, a metric ranx does not know, or a non-integer grade.
    """
    if not qrels:
        raise EvaluationError("the qrels are empty: nothing to evaluate against.")
    names = tuple(metrics)
    resolved = {m: with_rel_level(m, rel_level) for m in names}
    judged = sorted(qrels)
    answered = [q for q in judged if run.get(q)]
    if judged_only:
        answered_run = {q: {d: s for d, s in run[q].items() if d in qrels[q]} for q in answered}
        answered = [q for q in answered if answered_run[q]]
    else:
        answered_run = {q: run[q] for q in answered}
    per_query: dict[str, dict[str, float]] = {m: dict.fromkeys(judged, 0.0) for m in names}
    if answered:
        sub_qrels = {q: _checked_grades(q, qrels[q]) for q in answered}
        # Rank-valued scores fix the order of ties as trec_eval does; ranx's own tie order differs.
        sub_run = {q: _rank_scores(answered_run[q]) for q in answered}
        try:
            with warnings.catch_warnings():
                # ranx's sort kernel warns about a uint64 -> int64 cast on every call; harmless.
                warnings.simplefilter("ignore", NumbaTypeSafetyWarning)
                # ranx returns a bare array, and for one metric fails on a rebound loop variable,
                # unless it is given several names: ask for at least two, always get a dict.
                asked = list(dict.fromkeys(resolved.values()))
                scores = _ranx_evaluate(
                    sub_qrels,
                    sub_run,
                    asked if len(asked) > 1 else asked * 2,
                    return_mean=False,
                    save_results_in_run=False,
                )
        except (ValueError, KeyError) as exc:
            raise EvaluationError(f"ranx could not evaluate {list(names)}: {exc}") from exc
        order = sorted(answered)  # ranx sorts plain dicts by query id
        for name, ranx_name in resolved.items():
            values = np.asarray(scores[ranx_name], dtype=float)
            for qid, value in zip(order, values, strict=True):
                per_query[name][qid] = float(value)
    mean = {m: float(np.mean(list(per_query[m].values()))) for m in names}
    return Evaluation(
        metrics=names,
        mean=mean,
        per_query=per_query,
        rel_level=rel_level,
        n_queries=len(judged),
        n_unanswered=len(judged) - len(answered),
        n_dropped=len(set(run) - set(qrels)),
        conventions={
            "gain": "linear (trec_eval ndcg_cut)",
            "binary_relevance": f"grade >= {rel_level}",
            "unanswered_queries": "score 0",
            "judged_only": str(judged_only).lower(),
        },
    )


def _rank_scores(docs: dict[str, float]) -> dict[str, float]:
    ordered = ranking(docs)
    return {doc_id: float(len(ordered) - i) for i, (doc_id, _) in enumerate(ordered)}


def _checked_grades(qid: str, judgments: dict[str, int]) -> dict[str, int]:
    for doc_id, grade in judgments.items():
        if isinstance(grade, bool) or not isinstance(grade, (int, np.integer)):
            raise EvaluationError(
                f"qrels grade for query {qid!r}, document {doc_id!r} is {grade!r}; evaluation "
                "needs integer grades (continuous labels belong in training data)."
            )
    return judgments
