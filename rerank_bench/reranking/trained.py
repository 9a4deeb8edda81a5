"""The plain re-ranker that scores with a model a training stage produced.

Why one module: a stage's output is a folder of a known kind (a cross-encoder, a bi-encoder, a
memory); whatever uses it (a distillation teacher, a fused member, ``reranker.model: null``) needs
the re-ranker of that kind over that folder, with the token budgets the model was trained with.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from rerank_bench.errors import ConfigError
from rerank_bench.inference import RANKER_DEFAULTS
from rerank_bench.reranking.base import Reranker

__all__ = ["reranker_for", "trained_budgets"]

log = logging.getLogger(__name__)


def trained_budgets(
    kind: str, max_length: int, query_max_length: int | None
) -> tuple[int, int | None]:
    """The ``(max_length, query_max_length)`` of :class:`InferenceSettings` that score a model of
    ``kind`` as it was trained.

    A bi-encoder trains its query budget apart from the document budget (``None``: the same),
    while the settings read a two-tower ``query_max_length`` as a query budget below
    ``max_length`` (:meth:`InferenceSettings.for_side`): an equal budget is ``None``, and a larger
    one, which the settings cannot hold, is cut to the document budget with a warning.
    """
    if kind == "bi_encoder" and query_max_length is not None and query_max_length >= max_length:
        if query_max_length > max_length:
            log.warning("bi-encoder trained with %d-token queries and %d-token documents: scored "
                        "with %d-token queries", query_max_length, max_length, max_length)
        query_max_length = None
    return max_length, query_max_length


def reranker_for(
    kind: str, path: str, max_length: int, query_max_length: int | None, depth: int = 100
) -> Reranker:
    """A re-ranker of ``kind`` over the model folder ``path`` (raw scores, no progress bars)."""
    if kind == "memory":  # a memory keeps its own budget
        from rerank_bench.reranking.memory import LogMemoryReranker

        return LogMemoryReranker(model=path, depth=depth)
    if kind not in ("cross_encoder", "bi_encoder"):
        raise ConfigError(f"no re-ranker scores models of kind {kind!r}.")
    max_length, query_max_length = trained_budgets(kind, max_length, query_max_length)
    inference = replace(RANKER_DEFAULTS, max_length=max_length,
                        query_max_length=query_max_length, show_progress=False)
    if kind == "cross_encoder":
        from rerank_bench.reranking.cross_encoder import CrossEncoderReranker

        return CrossEncoderReranker(path, depth=depth, inference=inference, activation="none")
    from rerank_bench.reranking.bi_encoder import BiEncoderReranker

    return BiEncoderReranker(path, depth=depth, inference=inference)
