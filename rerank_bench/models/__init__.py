"""Model resolution and loading: a configured model name -> weights on disk, with a fingerprint.

Every stage that runs a neural model names it in config by a local folder, a package alias
(weights shipped inside a pinned pip package, for offline machines) or a hub id (connected
machines). Resolving in one place means one fingerprint scheme for every cache key and MLflow
param, and one clear error when a model cannot be found.
"""

from __future__ import annotations

from rerank_bench.models.handle import LazyModel
from rerank_bench.models.heads import SegmentCosineCrossEncoder
from rerank_bench.models.loading import load_model, load_tokenizer
from rerank_bench.models.resolve import PACKAGE_ALIASES, ResolvedModel, resolve_model

__all__ = [
    "PACKAGE_ALIASES",
    "LazyModel",
    "ResolvedModel",
    "SegmentCosineCrossEncoder",
    "load_model",
    "load_tokenizer",
    "resolve_model",
]
