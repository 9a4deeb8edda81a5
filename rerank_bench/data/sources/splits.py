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
from rerank_bench.data.sources.ids import describe_matches, match_ids, rename_ids
from rerank_bench.errors import DataFormatError

__all__ = ["make_split"]

logger = logging.getLogger(__name__)


def make_split(
    name: str,
    queries: Queries,
    qrels: Qrels,
    qrels_path: str | Path,
    corpus: Corpus | None = None,
    normalize_ids: bool = False,
) -> Split:
    """Build a :class:`Split` from topics and qrels with the checks every source shares.

    Args:
        name: the split name (``test``, ``train``...).
        queries: all topics available (the split keeps the judged ones).
        qrels: the split's judgments.
        qrels_path: where the qrels came from (file or ``irds:`` id), for messages.
        corpus: when given, judged documents missing from it are counted and logged, and those
            that match a corpus id once zero padding, case and white space are normalised are
            reported loudly (:mod:`~rerank_bench.data.sources.ids`).
        normalize_ids: map such query and document ids of the qrels to the topics' and the
            corpus' ids (``dataset.normalize_ids``); the split's notes say how many.

    Raises:
        DataFormatError: the qrels judge a topic that ``queries`` lacks, or judge nothing.
    """
    if not qrels:
        raise DataFormatError(
            qrels_path, None, f"split {name!r} has no judgments.", "point to a non-empty qrels."
        )
    notes: list[str] = []
    topic_map = match_ids([qid for qid in qrels if qid not in queries], queries)
    if normalize_ids and topic_map:
        qrels = rename_ids(qrels, queries=topic_map)
        notes.append(f"{len(topic_map)} query ids of the qrels mapped to topic ids "
                     f"(dataset.normalize_ids: {describe_matches(topic_map)})")
    try:
        check_qrels_against_queries(qrels, queries, qrels_path)
    except DataFormatError as exc:
        if not topic_map:
            raise
        raise DataFormatError(
            exc.path,
            exc.line_no,
            f"{exc.reason} {len(topic_map)} of them match topic ids once zero padding, case and "
            f"white space are normalised ({describe_matches(topic_map)}).",
            f"set dataset.normalize_ids=true to map them, or {exc.fix}",
        ) from None
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
        qrels = _judged_docs(name, qrels, corpus, normalize_ids, notes)
    return Split(name=name, queries=judged, qrels=qrels, notes=tuple(notes))


def _judged_docs(
    name: str, qrels: Qrels, corpus: Corpus, normalize_ids: bool, notes: list[str]
) -> Qrels:
    """Count judged documents missing from ``corpus``; report (or map) near-miss ids."""
    missing = {doc_id for docs in qrels.values() for doc_id in docs if doc_id not in corpus}
    if not missing:
        return qrels
    pairs = sum(len(docs) for docs in qrels.values())
    doc_map = match_ids(missing, corpus)
    if doc_map and normalize_ids:
        notes.append(f"{len(doc_map)} judged document ids mapped to corpus ids "
                     f"(dataset.normalize_ids: {describe_matches(doc_map)})")
        qrels = rename_ids(qrels, docs=doc_map)
        missing -= set(doc_map)
    elif doc_map:
        message = (
            f"{len(doc_map)} of the {len(missing)} judged document ids missing from the corpus "
            f"match a corpus id once zero padding, case and white space are normalised "
            f"({describe_matches(doc_map)}): they are scored as never retrieved, so the metrics "
            f"are too low; set dataset.normalize_ids=true to map them"
        )
        logger.warning("split %s: %s", name, message)
        notes.append(message)
    if missing:
        logger.info(
            "split %s: %d of %d judged documents are not in the corpus (pooled judgments: "
            "they can never be retrieved, and still count in recall and nDCG's ideal)",
            name,
            len(missing),
            pairs,
        )
    return qrels
