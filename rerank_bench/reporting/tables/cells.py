"""The numbers of a cell: seed mean and spread, rank within its column, significance marks.

Why apart from grouping: these are the statistics a reader trusts the table for (per-query
values averaged over seeds, query sets aligned or refused, a corrected paired test), and each
step is a function that can be checked on its own.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from rerank_bench.errors import EvaluationError
from rerank_bench.evaluation.significance import AlignPolicy, compare_to_baseline
from rerank_bench.reporting.runs import PerQuery, RunRecord
from rerank_bench.reporting.tables.grid import RunGroup
from rerank_bench.reporting.tables.model import Cell, Column
from rerank_bench.reporting.tables.spec import TableSpec

__all__ = [
    "PerQueryLoader",
    "cell_values",
    "mark_significance",
    "rank_column",
    "shared_queries",
]

PerQueryLoader = Callable[[RunRecord], PerQuery]
"""Loads a run's per-query metrics (:meth:`~rerank_bench.reporting.runs.RunStore.per_query`)."""


def shared_queries(
    grid: Mapping[tuple[str, str], RunGroup],
    present: Sequence[str],
    col_key: str,
    align: AlignPolicy,
    per_query: PerQueryLoader | None,
    notes: list[str],
) -> frozenset[str] | None:
    """The queries every run of a column shares, when they differ and alignment is asked."""
    runs = [run for row in present for run in grid[(row, col_key)].runs]
    tagged = {run.query_set for run in runs if run.query_set}
    if per_query is not None and align == "intersect":
        sets = {run.run_id: per_query(run).query_ids for run in runs}
        if len(set(sets.values())) <= 1 and len(tagged) <= 1:
            return None
        shared = frozenset.intersection(*sets.values())
        if not shared:
            raise EvaluationError(f"the runs of {col_key!r} share no evaluated query.")
        largest = max(len(s) for s in sets.values())
        notes.append(
            f"{col_key}: runs were evaluated on different query sets; every value of this "
            f"column is computed on the {len(shared)} shared queries (largest set: {largest})."
        )
        return shared
    if len(tagged) > 1:
        by_set: dict[str, list[str]] = {}
        for run in runs:
            by_set.setdefault(run.query_set or "?", []).append(f"{run.system} ({run.run_id[:8]})")
        raise EvaluationError(
            f"runs of {col_key!r} were evaluated on {len(tagged)} different query sets "
            f"(tag query_set): {by_set}. Comparing their means would mislead. Fix: filter the "
            "runs to one split/query set, or align them explicitly on the shared queries "
            "(`--align intersect`)."
        )
    return None


def cell_values(
    group: RunGroup,
    column: Column,
    shared: frozenset[str] | None,
    per_query: PerQueryLoader | None,
) -> tuple[Cell, dict[str, float] | None]:
    """The mean/std of a cell and, when available, its seed-averaged per-query values."""
    ids = tuple(r.run_id for r in group.runs)
    per_seed: list[Mapping[str, float]] = []
    if per_query is not None and not column.efficiency:
        for run in group.runs:
            values = per_query(run).metric(column.metric)
            if values is None:
                raise EvaluationError(
                    f"run {run.run_id} ({run.system}) has no per-query values of "
                    f"{column.metric!r} in its per_query.json; re-run it."
                )
            per_seed.append(values)
    if shared is not None and per_seed:
        means = [statistics.fmean(v[q] for q in shared) for v in per_seed]
    else:
        found = [r.metrics.get(column.metric) for r in group.runs]
        means = [float(m) for m in found if m is not None]
    if not means:
        return Cell(None, run_ids=ids), None
    std = statistics.stdev(means) if len(means) > 1 else None
    averaged: dict[str, float] | None = None
    if per_seed:
        queries = shared if shared is not None else frozenset(per_seed[0])
        for values in per_seed[1:]:
            if shared is None and frozenset(values) != queries:
                raise EvaluationError(
                    f"seeds of {group.runs[0].system} on {column.group!r} were evaluated on "
                    "different queries; align them with `--align intersect`."
                )
        averaged = {q: statistics.fmean(v[q] for v in per_seed) for q in queries}
    return Cell(statistics.fmean(means), std, len(means), run_ids=ids), averaged


def rank_column(cells: list[list[Cell]], j: int, column: Column, decimals: int) -> None:
    """Mark the best (1) and second-best (2) values of column ``j``, ties sharing a rank."""
    shown: dict[int, float] = {}
    for i, row in enumerate(cells):
        mean = row[j].mean
        if mean is not None:
            shown[i] = round(mean, decimals)
    if len(shown) < 2:
        return
    distinct = sorted(set(shown.values()), reverse=column.higher_is_better)
    for i, value in shown.items():
        rank = distinct.index(value) + 1
        if rank <= 2:
            cells[i][j] = _replace(cells[i][j], rank=rank)


def mark_significance(
    cells: list[list[Cell]],
    row_keys: Sequence[str],
    j: int,
    base: Mapping[str, float],
    others: Mapping[str, Mapping[str, float]],
    baseline: str,
    spec: TableSpec,
) -> None:
    """Test every other row of column ``j`` against ``baseline`` and mark its cells.

    Each cell gets its uncorrected and corrected p-values, and a direction when the difference
    is significant after the correction over the comparisons of the column.
    """
    comparisons = compare_to_baseline(
        base,
        others,
        spec.test,
        spec.correction,
        spec.alpha,
        spec.align,
        spec.n_permutations,
        spec.seed,
        baseline,
    )
    for comparison in comparisons:
        i = row_keys.index(comparison.system)
        cells[i][j] = _replace(
            cells[i][j],
            direction=comparison.direction if comparison.significant else None,
            p_value=comparison.result.p_value,
            p_adjusted=comparison.p_adjusted,
        )


def _replace(cell: Cell, **changes: object) -> Cell:
    return replace(cell, **changes)  # type: ignore[arg-type]
