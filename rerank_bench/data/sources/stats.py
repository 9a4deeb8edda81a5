"""The counts that describe a loaded dataset, for logs, MLflow params and dataset cards.

Why apart from the sources: the counts are read off a :class:`Dataset` alone, whichever source
loaded it.
"""

from __future__ import annotations

from rerank_bench.data.records import Dataset

__all__ = ["dataset_stats"]


def dataset_stats(dataset: Dataset) -> dict[str, int]:
    """Counts that describe a loaded dataset (for logs, MLflow params and dataset cards).

    Returns:
        ``docs`` and, per split, ``<split>/queries``, ``<split>/judgments``, ``<split>/relevant``
        (grade >= ``dataset.rel_level``) and ``<split>/judged_not_in_corpus``.
    """
    stats = {"docs": len(dataset.corpus)}
    for name, split in dataset.splits.items():
        grades = [
            (doc_id, grade) for docs in split.qrels.values() for doc_id, grade in docs.items()
        ]
        stats[f"{name}/queries"] = len(split.queries)
        stats[f"{name}/judgments"] = len(grades)
        stats[f"{name}/relevant"] = sum(grade >= dataset.rel_level for _, grade in grades)
        stats[f"{name}/judged_not_in_corpus"] = sum(
            doc_id not in dataset.corpus for doc_id, _ in grades
        )
    return stats
