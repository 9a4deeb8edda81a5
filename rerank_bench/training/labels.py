"""Training labels in ``[0, 1]``: from qrels by default, or from any label source (e.g. logs).

Why a module: the losses expect labels in ``[0, 1]``, whereas qrels hold integer grades on
collection-specific scales and interaction logs give continuous estimates. Normalising and
validating in one place means a grade of 3 or a label of 1.7 is caught before training, with the
split and query named, instead of silently skewing a loss.
"""

from __future__ import annotations

import logging
import math
from typing import Protocol, runtime_checkable

from rerank_bench.data.records import Dataset, Labels, Qrels, Queries
from rerank_bench.errors import DataFormatError

__all__ = ["LabelSource", "QrelsLabelSource", "check_labels", "labels_to_grades"]

log = logging.getLogger(__name__)


@runtime_checkable
class LabelSource(Protocol):
    """Anything that yields a split's queries and continuous labels in ``[0, 1]``."""

    def load(self, dataset: Dataset, split: str) -> tuple[Queries, Labels]:
        """Return ``(queries, labels)`` of ``split``."""


class QrelsLabelSource:
    """Labels from the split's qrels: each grade divided by the maximum grade.

    Grades at or below zero become 0. Binary qrels give 0/1; graded qrels (0..3) give 0, 1/3, 2/3,
    1, so a listwise loss sees the grade order.

    Args:
        max_grade: the grade that maps to 1.0; ``None`` takes the largest grade in the split.
    """

    def __init__(self, max_grade: int | None = None) -> None:
        if max_grade is not None and max_grade <= 0:
            raise ValueError(f"QrelsLabelSource: max_grade must be > 0, got {max_grade!r}.")
        self.max_grade = max_grade

    def load(self, dataset: Dataset, split: str) -> tuple[Queries, Labels]:
        """Return the split's queries and its qrels normalised to ``[0, 1]``."""
        records = dataset.split(split)
        top = self.max_grade
        if top is None:
            top = max((g for docs in records.qrels.values() for g in docs.values()), default=1)
            top = max(top, 1)
        labels: Labels = {
            qid: {doc_id: max(grade, 0) / top for doc_id, grade in docs.items()}
            for qid, docs in records.qrels.items()
        }
        return dict(records.queries), labels

    def __repr__(self) -> str:
        return f"QrelsLabelSource(max_grade={self.max_grade})"


def check_labels(labels: Labels, where: str) -> None:
    """Raise unless every label is a finite number in ``[0, 1]``.

    Args:
        labels: query_id -> doc_id -> label.
        where: what produced the labels (named in the error, e.g. ``"split train of scifact"``).

    Raises:
        DataFormatError: a label is outside ``[0, 1]`` or not finite; the first one is named.
    """
    for qid, docs in labels.items():
        for doc_id, value in docs.items():
            if not (isinstance(value, int | float) and math.isfinite(value) and 0 <= value <= 1):
                raise DataFormatError(
                    where,
                    None,
                    f"training label of query {qid!r}, document {doc_id!r} is {value!r}; "
                    f"expected a continuous label in [0, 1].",
                    "normalise labels to [0, 1] (graded qrels: divide by the maximum grade) "
                    "or fix the label source.",
                )


def labels_to_grades(labels: Labels, levels: int = 4) -> Qrels:
    """Quantise ``[0, 1]`` labels into integer grades ``0..levels`` for ranking evaluation."""
    return {
        qid: {doc_id: int(round(value * levels)) for doc_id, value in docs.items()}
        for qid, docs in labels.items()
    }
