"""Training labels from an interaction log, in place of qrels.

The training data module asks a label source for ``(queries, labels)`` of a split; this one reads
a search log, maps each logged query onto the split's questions and derives labels with a chosen
method. The mapping: a log query belongs to the training question whose normalised text equals
its own (case, punctuation and spacing ignored), else, with ``near_duplicate`` set, to the unique
question with the highest Jaccard similarity at or above the threshold; queries that match no
question (or two equally) are dropped and counted. In the built-in helpdesk log, the queries ARE
the training questions as users typed them, so every search finds its question.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rerank_bench.data.records import Dataset, Labels, Queries
from rerank_bench.data.sources import resolve_path
from rerank_bench.errors import ConfigError, DataFormatError
from rerank_bench.feedback.labels import LabelMethod, make_label_method
from rerank_bench.feedback.normalize import QueryGrouper
from rerank_bench.feedback.schema import read_log
from rerank_bench.feedback.stats import LogStats, collect_stats

__all__ = ["FeedbackLabelSource"]

log = logging.getLogger(__name__)


class FeedbackLabelSource:
    """Labels derived from a search log for the questions of a split.

    Args:
        log: path of the JSONL(.gz) log (``pkg:<package>/<path>`` names a packaged file);
            ``None`` takes the dataset's first log (``Dataset.logs``).
        method: ``ctr``, ``debiased_ctr``, ``nrr`` or ``explicit``
            (:data:`~rerank_bench.feedback.labels.LABEL_METHODS`).
        options: keyword arguments of the method (``prior_strength``, ``min_propensity``...).
        near_duplicate: Jaccard threshold for matching reworded queries, or ``None`` for exact
            normalised matches only.
        similarity: ``tokens`` or ``char3`` (see :class:`QueryGrouper`).
        min_dwell_s: dwell that makes a click satisfying.

    Raises:
        ConfigError: an unknown method or option, or a bad threshold.
    """

    def __init__(
        self,
        log: str | None = None,
        method: str = "debiased_ctr",
        options: Mapping[str, Any] | None = None,
        near_duplicate: float | None = 0.6,
        similarity: str = "tokens",
        min_dwell_s: float = 30.0,
    ) -> None:
        self.log = log
        self.method_name = method
        self.options = dict(options or {})
        self.method: LabelMethod = make_label_method(method, self.options)
        self.near_duplicate = near_duplicate
        self.similarity = similarity
        self.min_dwell_s = min_dwell_s
        QueryGrouper(near_duplicate=near_duplicate, similarity=similarity)  # validates settings

    def log_path(self, dataset: Dataset) -> Path:
        """The log to read: ``log`` if set, else the dataset's first log."""
        if self.log is not None:
            return resolve_path(self.log)
        if not dataset.logs:
            raise ConfigError(
                f"dataset {dataset.name!r} ships no interaction log; set labels.log to the path "
                "of a JSONL search log (see rerank_bench/feedback/README.md)."
            )
        return Path(dataset.logs[0])

    def stats(self, dataset: Dataset, split: str) -> LogStats:
        """Read the log once and aggregate it onto the questions of ``split``.

        Raises:
            DataFormatError: the log is malformed or refers to documents not in the corpus.
        """
        path = self.log_path(dataset)
        questions = dataset.split(split).queries
        grouper = QueryGrouper(questions, self.near_duplicate, self.similarity)
        stats = collect_stats(read_log(path), grouper, self.min_dwell_s)
        unknown = [doc for doc in stats.docs if doc not in dataset.corpus]
        if unknown:
            raise DataFormatError(
                path,
                None,
                f"{len(unknown)} document ids of the log are not in the corpus of "
                f"{dataset.name!r} (e.g. {', '.join(map(repr, unknown[:3]))}).",
                "use the log recorded on this corpus, or map its ids to the corpus ids.",
            )
        if stats.n_unmatched:
            log.info(
                "%s: %d of %d searches matched no %s question and were skipped",
                path,
                stats.n_unmatched,
                stats.n_entries,
                split,
            )
        return stats

    def load(self, dataset: Dataset, split: str) -> tuple[Queries, Labels]:
        """Return the questions of ``split`` that the log covers and their labels in [0, 1].

        Raises:
            ConfigError: no search of the log matched a question of ``split``.
            DataFormatError: the log is malformed or refers to unknown documents.
        """
        stats = self.stats(dataset, split)
        labels = self.method.derive(stats)
        if not labels:
            raise ConfigError(
                f"no search of {self.log_path(dataset)} matched a question of split {split!r} "
                f"({stats.n_entries} searches read); check that the log belongs to this split, "
                "or lower labels.near_duplicate."
            )
        questions = dataset.split(split).queries
        return {qid: questions[qid] for qid in labels}, labels

    def __repr__(self) -> str:
        return (
            f"FeedbackLabelSource(log={self.log!r}, method={self.method_name!r}, "
            f"options={self.options!r}, near_duplicate={self.near_duplicate}, "
            f"similarity={self.similarity!r}, min_dwell_s={self.min_dwell_s})"
        )
