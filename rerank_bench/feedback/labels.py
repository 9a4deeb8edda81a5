"""Label derivation: turn a search log's counts into continuous relevance labels in [0, 1].

Each method answers "how useful is document d for need q?" from a different reading of the log,
and each is smoothed towards the log-wide rate with a Beta prior (empirical Bayes: prior mean =
the global rate of the same quantity, strength ``prior_strength`` pseudo-impressions), so a
document shown twice and clicked once does not outrank one clicked 400 times in 1,000. Formulas
and references are in ``rerank_bench/feedback/README.md``:

- ``ctr``: smoothed click-through rate (position-biased, the baseline every log gives).
- ``debiased_ctr``: inverse-propensity-weighted click rate, propensities from the EM position-based
  model fitted on the same log (:mod:`rerank_bench.feedback.propensity`).
- ``nrr``: normalised reciprocal rank of the satisfying click (the last long-dwell click).
- ``explicit``: explicit votes (helpful, resolved, reformulations) pooled with debiased
  satisfying clicks; one vote weighs ``explicit_weight`` impressions.

A graded view (:meth:`LabelMethod.grades`) cuts labels at fixed thresholds, for evaluation with
integer-grade metrics; :func:`binarise` gives the binary view.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from rerank_bench.data.records import Labels, Qrels
from rerank_bench.errors import ConfigError
from rerank_bench.feedback.propensity import estimate_position_bias
from rerank_bench.feedback.stats import LogStats

__all__ = [
    "DebiasedCTRLabels",
    "ExplicitFeedbackLabels",
    "LABEL_METHODS",
    "LabelMethod",
    "ReciprocalRankLabels",
    "SmoothedCTRLabels",
    "binarise",
    "make_label_method",
    "to_grades",
]


def to_grades(labels: Labels, thresholds: Sequence[float]) -> Qrels:
    """Integer grades: the number of ``thresholds`` (ascending) a label reaches."""
    cuts = np.asarray(sorted(thresholds))
    return {
        qid: {doc: int(np.searchsorted(cuts, value, side="right")) for doc, value in docs.items()}
        for qid, docs in labels.items()
    }


def binarise(labels: Labels, threshold: float) -> Qrels:
    """Binary judgments: 1 where the label reaches ``threshold``, else 0."""
    return to_grades(labels, [threshold])


class LabelMethod(ABC):
    """A label derivation method.

    Args:
        prior_strength: pseudo-impressions of the Beta prior (0 disables smoothing).
        min_impressions: pairs shown fewer times get no label.

    Raises:
        ConfigError: a negative prior strength or minimum.
    """

    name: ClassVar[str] = "method"
    grade_thresholds: ClassVar[tuple[float, ...]] = (0.1, 0.25, 0.5)

    def __init__(self, prior_strength: float = 5.0, min_impressions: int = 1) -> None:
        if prior_strength < 0 or min_impressions < 0:
            raise ConfigError(
                f"{type(self).__name__}: prior_strength and min_impressions must be >= 0, got "
                f"{prior_strength} and {min_impressions}."
            )
        self.prior_strength = prior_strength
        self.min_impressions = min_impressions

    @abstractmethod
    def scores(self, stats: LogStats) -> np.ndarray:
        """One label in [0, 1] per pair of ``stats``."""

    def _smooth(self, successes: np.ndarray, trials: np.ndarray) -> np.ndarray:
        """Beta-smoothed rate, the prior centred on the global rate, clipped to [0, 1]."""
        total = trials.sum()
        mean = float(np.clip(successes.sum() / total, 0.0, 1.0)) if total > 0 else 0.0
        a, b = self.prior_strength * mean, self.prior_strength * (1.0 - mean)
        denom = np.maximum(trials + a + b, 1e-12)
        return np.clip((successes + a) / denom, 0.0, 1.0)

    def derive(self, stats: LogStats) -> Labels:
        """Labels ``{group_id: {doc_id: value}}`` for every pair shown often enough."""
        values = self.scores(stats)
        shown = stats.pair_sum(stats.cell_shown)
        labels: Labels = {}
        for pair in np.flatnonzero(shown >= max(self.min_impressions, 1)):
            group = stats.groups[stats.pair_group[pair]]
            labels.setdefault(group, {})[stats.docs[stats.pair_doc[pair]]] = float(values[pair])
        return labels

    def grades(self, labels: Labels) -> Qrels:
        """The graded (0..len(grade_thresholds)) view of labels made by this method."""
        return to_grades(labels, self.grade_thresholds)


class SmoothedCTRLabels(LabelMethod):
    """Click-through rate with a Beta prior: (clicks + a) / (impressions + a + b)."""

    name = "ctr"
    grade_thresholds = (0.1, 0.25, 0.45)

    def scores(self, stats: LogStats) -> np.ndarray:
        return self._smooth(stats.pair_sum(stats.cell_clicked), stats.pair_sum(stats.cell_shown))


class _PropensityMethod(LabelMethod):
    """Shared settings of the methods that reweight clicks by 1 / examination probability.

    Args:
        min_propensity: floor on theta before inverting (caps weights at 1 / min_propensity).
        em_iterations: EM iterations of the position-bias estimate.
        position_bias: a known examination curve (theta of positions 1, 2, ...; e.g. from a
            randomisation experiment) used instead of the EM estimate; deeper positions take the
            last value.
    """

    def __init__(
        self,
        prior_strength: float = 5.0,
        min_impressions: int = 1,
        min_propensity: float = 0.05,
        em_iterations: int = 200,
        position_bias: Sequence[float] | None = None,
    ) -> None:
        super().__init__(prior_strength, min_impressions)
        if not 0 < min_propensity <= 1:
            raise ConfigError(
                f"{type(self).__name__}: min_propensity must be in (0, 1], got {min_propensity}; "
                "it clips 1/theta so that rare deep clicks cannot dominate (0.05 caps it at 20)."
            )
        if position_bias is not None and (
            not position_bias or not all(0 < float(t) <= 1 for t in position_bias)
        ):
            raise ConfigError(
                f"{type(self).__name__}: position_bias must list examination probabilities in "
                f"(0, 1] for positions 1, 2, ..., got {position_bias!r}."
            )
        self.min_propensity = min_propensity
        self.em_iterations = em_iterations
        self.position_bias = None if position_bias is None else [float(t) for t in position_bias]

    def examination(self, stats: LogStats) -> np.ndarray:
        """theta indexed by position (index 0 unused): the given curve, or the EM estimate."""
        if self.position_bias is None:
            return estimate_position_bias(stats, iterations=self.em_iterations)
        n = max(stats.max_position, len(self.position_bias))
        known = self.position_bias + [self.position_bias[-1]] * (n - len(self.position_bias))
        return np.asarray([1.0, *known])

    def inverse_propensity(self, stats: LogStats) -> np.ndarray:
        """1 / max(theta_k, min_propensity) per cell."""
        theta = self.examination(stats)
        return 1.0 / np.maximum(theta[stats.cell_position], self.min_propensity)


class DebiasedCTRLabels(_PropensityMethod):
    """Inverse-propensity-weighted click rate: (sum clicks / theta_k + a) / (impressions + a + b).

    Joachims, Swaminathan and Schnabel (2017), "Unbiased Learning-to-Rank with Biased Feedback"
    (WSDM), with theta estimated by EM (:func:`estimate_position_bias`) and clipped at
    ``min_propensity`` (Strehl et al. 2010). It estimates the click rate the document would have
    if it were always examined, i.e. its attractiveness.
    """

    name = "debiased_ctr"
    grade_thresholds = (0.15, 0.35, 0.6)

    def scores(self, stats: LogStats) -> np.ndarray:
        weighted = stats.pair_sum(stats.cell_clicked * self.inverse_propensity(stats))
        return self._smooth(weighted, stats.pair_sum(stats.cell_shown))


class ReciprocalRankLabels(LabelMethod):
    """Normalised reciprocal rank of the satisfying click.

    Each search credits its satisfying click (last click with dwell >= ``min_dwell_s``, see
    :func:`~rerank_bench.feedback.stats.satisfying_click`) with 1/rank. A pair's label is its
    credit divided by the credit it would have earned had it satisfied every search that showed it
    (sum over impressions of 1/rank), Beta-smoothed: (sum_sat 1/k + a) / (sum_shown 1/k + a + b).
    Weighting by 1/rank counts the searches where the document sat high, and was seen, most.
    """

    name = "nrr"
    grade_thresholds = (0.1, 0.3, 0.6)

    def scores(self, stats: LogStats) -> np.ndarray:
        return self._smooth(stats.pair_rr_sat, stats.pair_rr_shown)


class ExplicitFeedbackLabels(_PropensityMethod):
    """Explicit votes pooled with debiased satisfying clicks.

    Rule: label = (w * votes_pos + sum_sat 1/theta_k + a) / (w * (votes_pos + votes_neg)
    + impressions + a + b). A vote is ``helpful`` on the last clicked document, ``resolved=true``
    for the satisfying click, and ``resolved=false`` or a reformulation against every clicked
    document; each vote weighs ``explicit_weight`` impressions, because a user who says so is
    surer evidence than one who merely stayed. Pairs without votes fall back to the debiased
    satisfied-click rate.
    """

    name = "explicit"
    grade_thresholds = (0.1, 0.3, 0.6)

    def __init__(
        self,
        prior_strength: float = 5.0,
        min_impressions: int = 1,
        min_propensity: float = 0.05,
        em_iterations: int = 200,
        position_bias: Sequence[float] | None = None,
        explicit_weight: float = 5.0,
    ) -> None:
        super().__init__(
            prior_strength, min_impressions, min_propensity, em_iterations, position_bias
        )
        if explicit_weight < 0:
            raise ConfigError(f"explicit_weight must be >= 0, got {explicit_weight}.")
        self.explicit_weight = explicit_weight

    def scores(self, stats: LogStats) -> np.ndarray:
        w = self.explicit_weight
        sat = stats.pair_sum(stats.cell_sat * self.inverse_propensity(stats))
        successes = w * stats.pair_votes_pos + sat
        trials = w * (stats.pair_votes_pos + stats.pair_votes_neg) + stats.pair_sum(
            stats.cell_shown
        )
        return self._smooth(successes, trials)


LABEL_METHODS: dict[str, type[LabelMethod]] = {
    cls.name: cls
    for cls in (SmoothedCTRLabels, DebiasedCTRLabels, ReciprocalRankLabels, ExplicitFeedbackLabels)
}


def make_label_method(name: str, options: dict[str, Any] | None = None) -> LabelMethod:
    """Build the method registered as ``name`` with keyword ``options``.

    Raises:
        ConfigError: an unknown name or an option the method does not take.
    """
    try:
        cls = LABEL_METHODS[name]
    except KeyError:
        raise ConfigError(
            f"unknown label method {name!r}; choose one of {', '.join(sorted(LABEL_METHODS))}."
        ) from None
    try:
        return cls(**(options or {}))
    except TypeError as exc:
        raise ConfigError(f"label method {name!r}: {exc}. Check labels.options.") from None
