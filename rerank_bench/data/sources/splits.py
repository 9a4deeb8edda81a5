"""A split from topics and qrels, with the checks every source shares.

Why one function for all sources: the conventions of :mod:`rerank_bench.data.sources` (judged
topics only, qrels never judging an unknown topic, pooled documents counted) must hold the same
whichever way the data arrived.
"""

from __future__ import annotations

import logging
from pathlib import Path

from rerank_bench.data.io import check_qrels_against_queries
from rerank_bench.data.records import Corpus, Qrels, Queries, Split
from rerank_bench.errors import DataFormatError

__all__ = ["make_split"]

logger = logging.getLogger(__name__)


def make_split(
    name: str, queries: Queries, qrels: Qrels, qrels_path: str | Path, corpus: Corpus | None = None
) -> Split:
    """Build a :class:`Split` from topics and qrels with the checks every source shares.

    Args:
        name: the split name (``test``, ``train``...).
        queries: all topics available (the split keeps the judged ones).
        qrels: the split's judgments.
        qrels_path: where the qrels came from (file or ``irds:`` id), for messages.
        corpus: when given, judged documents missing from it are counted and logged.

    Raises:
        DataFormatError: the qrels judge a topic that ``queries`` lacks, or judge nothing.
    """
    if not qrels:
        raise DataFormatError(
            qrels_path, None, f"split {name!r} has no judgments.", "point to a non-empty qrels."
        )
    check_qrels_against_queries(qrels, queries, qrels_path)
    judged = {qid: text for qid, text in queries.items() if qid in qrels}
    if len(judged) < len(queries):
        logger.info(
            "split %s: %d of %d topics have no judgments in %s and are left out",
            name,
            len(queries) - len(judged),
            len(queries),
            qrels_path,
        )
    if corpus is not None:
        pairs = sum(len(docs) for docs in qrels.values())
        missing = sum(1 for docs in qrels.values() for doc_id in docs if doc_id not in corpus)
        if missing:
            logger.info(
                "split %s: %d of %d judged documents are not in the corpus (pooled judgments: "
                "they can never be retrieved, and still count in recall and nDCG's ideal)",
                name,
                missing,
                pairs,
            )
    return Split(name=name, queries=judged, qrels=qrels)
