"""Position bias estimated from the log itself, with an EM position-based click model.

Users click what they look at, and they look at the top. Inverse propensity weighting removes that
bias only if we know the examination probability of each position, and a log that comes without
randomised experiments must yield it by itself. We fit the position-based model (PBM)

    P(click | q, d, k) = theta_k * gamma_{q,d}

by expectation-maximisation on aggregated counts, as in Wang et al. (2018), "Position Bias
Estimation for Unbiased Learning to Rank in Personal Search" (WSDM), Section 4; their regression EM
replaces the per-pair gamma by a feature-based model when pairs are rare, which a helpdesk log,
with many searches per need, does not need. We prefer EM to intervention harvesting (Agarwal et
al. 2019, "Estimating Position Bias without Intrusive Interventions", WSDM) because it needs no
record of which ranker produced each list: any variation of a document's position across
searches (index updates, A/B tests, the user's own wording changing the ranking) identifies the
curve, and every position and pair contributes. Like every PBM estimate, it identifies the curve
only up to scale; we report it with theta_1 = 1 (relative examination).
"""

from __future__ import annotations

import numpy as np

from rerank_bench.feedback.stats import LogStats

__all__ = ["estimate_position_bias"]


def estimate_position_bias(stats: LogStats, iterations: int = 200, tol: float = 1e-7) -> np.ndarray:
    """Examination probability per position, relative to position 1.

    Args:
        stats: the log's counts.
        iterations: maximum EM iterations.
        tol: stop when no theta moves by more than this.

    Returns:
        ``theta`` of length :attr:`LogStats.max_position` + 1 with ``theta[0]`` unused (set to 1)
        and ``theta[k]`` the examination of position ``k``, ``theta[1] == 1``; positions never
        shown get the value of the nearest shown position above them.
    """
    n_pos = stats.max_position
    theta = np.ones(n_pos + 1)
    if n_pos == 0:
        return theta
    k = stats.cell_position
    shown, clicked, pair = stats.cell_shown, stats.cell_clicked, stats.cell_pair
    not_clicked = shown - clicked
    shown_at = np.bincount(k, weights=shown, minlength=n_pos + 1)
    shown_pair = stats.pair_sum(shown)
    # Start from the 1/k curve and the pair's raw click rate, the usual PBM initialisation.
    theta[1:] = 1.0 / np.arange(1, n_pos + 1)
    gamma = np.clip(stats.pair_sum(clicked) / np.maximum(shown_pair, 1.0), 0.01, 0.99)
    eps = 1e-9
    for _ in range(iterations):
        t, g = theta[k], gamma[pair]
        no_click = np.maximum(1.0 - t * g, eps)
        examined = clicked + not_clicked * t * (1.0 - g) / no_click
        relevant = clicked + not_clicked * (1.0 - t) * g / no_click
        new_theta = np.bincount(k, weights=examined, minlength=n_pos + 1) / np.maximum(
            shown_at, eps
        )
        new_theta[shown_at == 0] = 0.0
        gamma = np.clip(stats.pair_sum(relevant) / np.maximum(shown_pair, eps), eps, 1.0 - eps)
        new_theta = np.clip(new_theta, eps, 1.0)
        new_theta[0] = 1.0
        done = np.max(np.abs(new_theta - theta)) < tol
        theta = new_theta
        if done:
            break
    # Normalise to theta_1 = 1 and fill positions nobody saw from the position above.
    if shown_at[1] > 0:
        theta = theta / theta[1]
    theta[0] = 1.0
    for pos in range(2, n_pos + 1):
        if shown_at[pos] == 0:
            theta[pos] = theta[pos - 1]
    return np.clip(theta, 0.0, 1.0)
