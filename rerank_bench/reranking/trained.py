"""The plain re-ranker that scores with a model a training stage produced.

Why one function: a stage's output is a folder of a known kind (a cross-encoder, a bi-encoder, a
memory); whatever uses it (a distillation teacher, a fused member) needs the re-ranker of that
kind over that folder, with the token budgets the model was trained with.
"""

from __future__ import annotations

from rerank_bench.errors import ConfigError
from rerank_bench.reranking.base import Reranker

__all__ = ["reranker_for"]


def reranker_for(
    kind: str, path: str, max_length: int, query_max_length: int | None, depth: int = 100
) -> Reranker:
    """A re-ranker of ``kind`` over the model folder ``path`` (raw scores, no progress bars)."""
    if kind == "cross_encoder":
        from rerank_bench.reranking.cross_encoder import CrossEncoderReranker

        return CrossEncoderReranker(model=path, depth=depth, max_length=max_length,
                                    query_max_length=query_max_length, activation="none",
                                    show_progress=False)
    if kind == "bi_encoder":
        from rerank_bench.reranking.bi_encoder import BiEncoderReranker

        return BiEncoderReranker(model=path, depth=depth, max_length=max_length,
                                 query_max_length=query_max_length or max_length,
                                 show_progress=False)
    if kind == "memory":
        from rerank_bench.reranking.memory import LogMemoryReranker

        return LogMemoryReranker(model=path, depth=depth)
    raise ConfigError(f"no re-ranker scores models of kind {kind!r}.")
