"""Paper-style labels of metric keys: ``ndcg_at_10`` -> ``nDCG@10``.

Why a module of its own: tables and plots must label the same metric the same way.
"""

from __future__ import annotations

import re

__all__ = ["metric_label"]

_EFFICIENCY_LABELS = {
    "queries_per_s_first_stage": "q/s (1st stage)",
    "pairs_per_s_rerank": "pairs/s (re-rank)",
    "time_first_stage_s": "1st stage (s)",
    "time_rerank_s": "re-rank (s)",
    "time_train_s": "train (s)",
    "time_total_s": "total (s)",
    "latency_p50_ms": "p50 ms/query",
    "latency_p95_ms": "p95 ms/query",
    "serving_pairs_per_s": "pairs/s (served)",
    "serving_peak_mb": "peak MB",
    "train_minutes": "train (min)",
    "usd_per_1k_queries": "$/1k queries (est.)",
}
_METRIC_NAMES = {
    "ndcg": "nDCG",
    "mrr": "MRR",
    "recall": "R",
    "map": "MAP",
    "precision": "P",
    "hit_rate": "HR",
    "hits": "Hits",
    "r_precision": "R-Prec",
    "bpref": "bpref",
    "f1": "F1",
}
_KEY_RE = re.compile(r"^(?P<name>[a-z_]+?)(_at_(?P<k>\d+))?(_l(?P<level>\d+))?$")


def metric_label(key: str) -> str:
    """A paper-style label of a metric key: ``ndcg_at_10`` -> ``nDCG@10``, ``_l2`` -> ``-l2``."""
    if key in _EFFICIENCY_LABELS:
        return _EFFICIENCY_LABELS[key]
    match = _KEY_RE.match(key)
    if match is None or match["name"] not in _METRIC_NAMES:
        return key
    label = _METRIC_NAMES[match["name"]]
    if match["k"]:
        label += f"@{match['k']}"
    if match["level"]:
        label += f"-l{match['level']}"
    return label
