"""Hard-negative mining from a first stage, and the per-epoch sampling of training groups.

Why its own module: which negatives a cross-encoder sees decides what it learns. Negatives from
the very top of a first stage are often unjudged relevant documents (false negatives); random
ones are too easy. The rules are explicit settings (:class:`NegativeSampling`), pools are built
once, and each group is sampled from its pool with a generator seeded by ``(seed, epoch, index)``
so every epoch sees fresh negatives yet any run (and any DDP rank) is reproducible.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from rerank_bench.data.records import Labels, Run, ranking

__all__ = ["NegativeSampling", "PositivePool", "build_pools", "sample_negatives"]


@dataclass(frozen=True)
class NegativeSampling:
    """How negatives are chosen for each positive.

    Attributes:
        negatives: negatives per positive (the group size is ``1 + negatives``); 0 suits a
            bi-encoder trained on in-batch negatives alone.
        rank_from: the best first-stage rank a mined negative may have (1-based, inclusive);
            skipping the very top avoids many false negatives.
        rank_to: the worst rank (inclusive); the first stage retrieves this deep for training.
        exclude_judged: drop documents judged relevant (label > 0) from the negatives; when
            ``False`` they stay, with their own label as target.
        margin: when set, drop candidates whose first-stage score is within ``margin`` of the
            positive's (or above it): near-ties with a positive are likely false negatives. Applies
            to positives the first stage retrieved; others keep their whole pool.
        random_negatives: of the ``negatives``, how many are drawn uniformly from the corpus
            instead of the first stage.
    """

    negatives: int = 7
    rank_from: int = 1
    rank_to: int = 100
    exclude_judged: bool = True
    margin: float | None = None
    random_negatives: int = 0

    def __post_init__(self) -> None:
        if self.negatives < 0:
            raise ValueError(f"NegativeSampling: negatives must be >= 0, got {self.negatives}.")
        if not 1 <= self.rank_from <= self.rank_to:
            raise ValueError(
                f"NegativeSampling: expected 1 <= rank_from <= rank_to, got rank_from="
                f"{self.rank_from}, rank_to={self.rank_to}."
            )
        if not 0 <= self.random_negatives <= self.negatives:
            raise ValueError(
                f"NegativeSampling: random_negatives must be in [0, negatives={self.negatives}], "
                f"got {self.random_negatives}."
            )
        if self.margin is not None and self.margin < 0:
            raise ValueError(f"NegativeSampling: margin must be >= 0 or null, got {self.margin}.")


@dataclass(frozen=True, slots=True)
class PositivePool:
    """One positive of a query and the first-stage candidates its negatives are drawn from."""

    query_id: str
    positive_id: str
    pool: tuple[str, ...]


def build_pools(
    positives: Mapping[str, Sequence[str]],
    labels: Labels,
    candidates: Run,
    sampling: NegativeSampling,
) -> list[PositivePool]:
    """Build one :class:`PositivePool` per (query, positive), in a deterministic order.

    Args:
        positives: query_id -> its positive doc ids.
        labels: query_id -> doc_id -> label (judged documents of the training split).
        candidates: the first stage's ranking of each training query (at least ``rank_to`` deep).
        sampling: the mining rules.

    Returns:
        The pools, ordered by query id then positive id.
    """
    pools: list[PositivePool] = []
    for qid in sorted(positives):
        judged = labels.get(qid, {})
        ranked = ranking(candidates.get(qid, {}))
        scores = dict(ranked)
        window = ranked[sampling.rank_from - 1 : sampling.rank_to]
        base = [
            doc_id
            for doc_id, _ in window
            if not (sampling.exclude_judged and judged.get(doc_id, 0.0) > 0)
        ]
        for pos in sorted(positives[qid]):
            pool = [doc_id for doc_id in base if doc_id != pos]
            if sampling.margin is not None and pos in scores:
                ceiling = scores[pos] - sampling.margin
                pool = [doc_id for doc_id in pool if scores[doc_id] < ceiling]
            pools.append(PositivePool(qid, pos, tuple(pool)))
    return pools


def sample_negatives(
    entry: PositivePool,
    sampling: NegativeSampling,
    corpus_ids: Sequence[str],
    forbidden: Mapping[str, float],
    rng: np.random.Generator,
) -> tuple[list[str], int]:
    """Draw the negatives of one group.

    Mined negatives come from ``entry.pool`` without replacement; random ones (and any shortfall
    when the pool is too small) are drawn uniformly from ``corpus_ids``, skipping the positive, the
    documents already drawn and, when ``exclude_judged``, documents judged relevant.

    Args:
        entry: the positive and its pool.
        sampling: the rules.
        corpus_ids: every document id, in a fixed order.
        forbidden: labels of the query's judged documents.
        rng: the group's generator.

    Returns:
        ``(negatives, n_filled)``: the doc ids, and how many had to be filled at random because
        the pool was too small.
    """
    n_mined = sampling.negatives - sampling.random_negatives
    take = min(n_mined, len(entry.pool))
    chosen = [entry.pool[i] for i in rng.choice(len(entry.pool), size=take, replace=False)]
    filled = n_mined - take
    seen = set(chosen) | {entry.positive_id}
    need = sampling.negatives - len(chosen)
    attempts = 0
    while need > 0 and attempts < 50 * sampling.negatives + 100:
        attempts += 1
        doc_id = corpus_ids[int(rng.integers(len(corpus_ids)))]
        if doc_id in seen or (sampling.exclude_judged and forbidden.get(doc_id, 0.0) > 0):
            continue
        chosen.append(doc_id)
        seen.add(doc_id)
        need -= 1
    if need > 0:
        raise ValueError(
            f"cannot draw {sampling.negatives} distinct negatives for query {entry.query_id!r}: "
            f"the corpus has only {len(corpus_ids)} documents. Lower train.sampling.negatives."
        )
    return chosen, filled
