"""Fast, cached neural inference shared by every neural ranker.

Why a package of its own: tokenisation policy, length-sorted token-budget batching, precision,
devices, the score cache and the corpus-embedding cache are the same problem for the
cross-encoder, the bi-encoder and SPLADE (and for validating fine-tuned models), so they are solved
once here and the rankers stay small.
"""

from __future__ import annotations

from rerank_bench.inference.arrays import NpyStreamWriter, open_checked, save_checked
from rerank_bench.inference.embedding_cache import embed_corpus
from rerank_bench.inference.engine import (
    RunStats,
    calibration_inputs,
    encode_texts,
    pool,
    run_batched,
    score_pairs,
)
from rerank_bench.inference.score_cache import ScoreCache, cached_scores
from rerank_bench.inference.settings import RANKER_DEFAULTS, InferenceSettings, Precision, Side
from rerank_bench.inference.tokenize import Encoded, TextEncoder, TruncationStats

__all__ = [
    "RANKER_DEFAULTS",
    "Encoded",
    "InferenceSettings",
    "NpyStreamWriter",
    "Precision",
    "RunStats",
    "ScoreCache",
    "Side",
    "TextEncoder",
    "TruncationStats",
    "cached_scores",
    "calibration_inputs",
    "embed_corpus",
    "encode_texts",
    "open_checked",
    "pool",
    "run_batched",
    "save_checked",
    "score_pairs",
]
