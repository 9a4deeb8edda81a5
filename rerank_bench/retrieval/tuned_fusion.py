"""Weighted fusion of a re-ranker with other rankings of the same candidates, tuned on dev.

Why: interpolating a fine-tuned re-ranker with its first stage (or with a fine-tuned bi-encoder,
or a log memory) is a weighted sum of per-query min-max normalised scores
(:func:`~rerank_bench.retrieval.fusion.weighted_sum`) whose weights must be chosen on the dev set
the model was selected on, never on the evaluated split. Each candidate set of weights is scored
on dev and the best kept (ties go to the larger weight of the re-ranker: the simpler claim).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from rerank_bench.data.records import Qrels, Run
from rerank_bench.errors import ConfigError
from rerank_bench.evaluation.metrics import evaluate_run
from rerank_bench.retrieval.fusion import weighted_sum

__all__ = ["DEFAULT_WEIGHTS", "TunedFusion", "restrict", "tune_fusion", "weight_grid"]

DEFAULT_WEIGHTS = tuple(round(0.1 * i, 1) for i in range(11))


@dataclass(frozen=True)
class TunedFusion:
    """The weights chosen on dev (one per member, the re-ranker first) and what they scored."""

    weights: tuple[float, ...]
    dev_score: float
    scores: dict[tuple[float, ...], float]

    def apply(self, runs: Sequence[Run]) -> Run:
        """Fuse ``runs`` (same members, same order) with the tuned weights."""
        return weighted_sum(runs, list(self.weights), "minmax")


def restrict(run: Run, like: Run) -> Run:
    """``run``'s scores of exactly ``like``'s documents (0 for one it lacks)."""
    return {q: {d: run.get(q, {}).get(d, 0.0) for d in docs} for q, docs in like.items()}


def weight_grid(
    n_members: int, steps: Sequence[float] = DEFAULT_WEIGHTS
) -> list[tuple[float, ...]]:
    """Every weighting of ``n_members`` runs from ``steps`` that sums to 1 (re-ranker first)."""
    if n_members < 2:
        raise ConfigError(f"fusion needs at least two members, got {n_members}.")
    if not steps or any(not 0 <= w <= 1 for w in steps):
        raise ConfigError(f"fusion weights must be values in [0, 1], got {list(steps)}.")
    grid = []
    for head in itertools.product(sorted(set(steps)), repeat=n_members - 1):
        rest = round(1.0 - sum(head), 6)
        if 0 <= rest <= 1:
            grid.append((*head, rest))
    return grid


def tune_fusion(
    qrels: Qrels,
    runs: Sequence[Run],
    rel_level: int,
    steps: Sequence[float] = DEFAULT_WEIGHTS,
    metric: str = "ndcg@10",
) -> TunedFusion:
    """The weights of ``runs`` (re-ranker first) with the best dev ``metric``.

    Args:
        qrels: dev judgments.
        runs: each member's scores of the same dev candidates, the re-ranker first.
        rel_level: relevance level of the dev split.
        steps: candidate weights of each member but the last (which gets the rest).
        metric: the selection metric (a ranx name).
    """
    scores = {
        weights: evaluate_run(qrels, weighted_sum(runs, list(weights), "minmax"), [metric],
                              rel_level=rel_level).mean[metric]
        for weights in weight_grid(len(runs), steps)
    }
    best = max(scores, key=lambda w: (scores[w], w))
    return TunedFusion(best, scores[best], scores)
