"""The plain re-ranker that scores with a model a training stage produced.

Why one module: a stage's output is a folder of a known kind (a cross-encoder, a bi-encoder, a
memory); whatever uses it (a distillation teacher, a fused member, ``reranker.model: null``) needs
the re-ranker of that kind over that folder, with the token budgets the model was trained with.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from rerank_bench.errors import ConfigError
from rerank_bench.inference import RANKER_DEFAULTS
from rerank_bench.reranking.base import Reranker

__all__ = [
    "RECORD_FILE",
    "SHARED_BUDGET",
    "inference_budgets",
    "recorded_budgets",
    "reranker_for",
    "trained_budgets",
]

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


RECORD_FILE = "rerank_bench.json"
"""What a training stage writes into the model folder it saves: the recipe and the budgets."""

SHARED_BUDGET = "shared"
"""``reranker.inference.query_max_length`` for no query budget of its own: a cross-encoder cuts
query and passage longest-first, as sentence-transformers does, and a two-tower model encodes
queries at ``max_length`` (``null`` there means: as the model was trained)."""


def recorded_budgets(model: str | Path) -> tuple[int, int | None] | None:
    """The ``(max_length, query_max_length)`` a model folder was trained with, or ``None``.

    Read from the folder's ``rerank_bench.json`` (written by every training stage), so a model
    reused later (``reranker.model=<folder>`` or ``runs:/<id>/model``) is scored with the inputs
    it learnt from: scored at 256/64 tokens, a model trained at 64/24 lost 0.12 nDCG@10.
    """
    record = Path(model) / RECORD_FILE
    if not record.is_file():
        return None
    info = json.loads(record.read_text("utf-8"))
    if not isinstance(info.get("max_length"), int):  # folders of older versions record no budgets
        return None
    return int(info["max_length"]), info.get("query_max_length")


def inference_budgets(
    configured: Mapping[str, Any], kind: str | None, trained: tuple[int, int | None] | None
) -> dict[str, Any]:
    """The budgets a re-ranker's ``inference`` node is instantiated with.

    A budget the config leaves ``null`` is the trained one (``trained``, when the model records
    one), else the default of :data:`RANKER_DEFAULTS`; a set budget is kept, and
    :data:`SHARED_BUDGET` means no query budget of its own.
    """
    budgets: dict[str, Any] = {}
    if trained is not None and kind is not None:
        as_trained = dict(zip(("max_length", "query_max_length"),
                              trained_budgets(kind, *trained), strict=True))
    else:
        as_trained = {"max_length": RANKER_DEFAULTS.max_length,
                      "query_max_length": RANKER_DEFAULTS.query_max_length}
    for key, default in as_trained.items():
        if key not in configured:
            continue
        value = configured[key]
        if value is None:
            budgets[key] = default
        elif value == SHARED_BUDGET:
            budgets[key] = None
    if trained is not None and budgets:
        log.info("scoring with the token budgets the model was trained with (%s); set "
                 "reranker.inference.max_length / query_max_length to override",
                 ", ".join(f"{k}={v}" for k, v in budgets.items()))
    return budgets


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
