"""The numbers of a cell: seed mean and spread, rank within its column, significance marks.

Why apart from grouping: these are the statistics a reader trusts the table for (per-query
values averaged over seeds, query sets aligned or refused, a corrected paired test with its
effect size, pooled columns over every column group's queries), and each step is a function
that can be checked on its own.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from rerank_bench.errors import ConfigError, EvaluationError
from rerank_bench.evaluation.significance import (
    AlignPolicy,
    TestResult,
    WinTieLoss,
    bootstrap_cis,
    check_alpha,
    comparison,
    correct,
    paired_tests,
    win_tie_loss,
)
from rerank_bench.reporting.runs import PerQuery, RunRecord
from rerank_bench.reporting.tables.grid import RunGroup
from rerank_bench.reporting.tables.model import Cell, Column, Versus
from rerank_bench.reporting.tables.spec import CI_LEVEL, POOLED, TableSpec

__all__ = [
    "PerQueryLoader",
    "cell_values",
    "mark_significance",
    "pool_columns",
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


@dataclass(frozen=True)
class _Test:
    """One test of a table's family, before its correction."""

    row: int
    column: int
    baseline: str
    result: TestResult
    ci: tuple[float, float] | None
    wtl: WinTieLoss | None


def mark_significance(
    cells: list[list[Cell]],
    row_keys: Sequence[str],
    columns: Sequence[Column],
    per_query: Sequence[Mapping[str, Mapping[str, float]]],
    spec: TableSpec,
) -> int:
    """Test the rows against the baselines in every effectiveness column and mark the cells.

    Each row is tested against every baseline listed before it (so a pair of rows is tested
    once), on the queries of the column. The p-values are corrected over
    ``spec.correction_family``: a column, a column group, or the whole table. Each tested cell
    gets a :class:`Versus` per baseline: its p-values, a direction when significant after the
    correction, the mean difference, and, when the spec asks, its bootstrap interval and its
    win/tie/loss counts.

    Returns:
        The number of tests (the size of the table's family when it is ``"table"``).

    Raises:
        EvaluationError: ``spec.alpha`` outside (0, 1), or see
            :func:`~rerank_bench.evaluation.significance.paired_tests`.
    """
    check_alpha(spec.alpha)
    baselines = spec.baselines
    tests: list[_Test] = []
    for j, column in enumerate(columns):
        if column.efficiency:
            continue
        values = per_query[j]
        for k, baseline in enumerate(baselines):
            others = {r: v for r, v in values.items() if r not in baselines[: k + 1]}
            if baseline not in values or not others:
                continue
            tested = paired_tests(
                values[baseline],
                others,
                spec.test,
                spec.align,
                spec.n_permutations,
                spec.seed,
                baseline,
            )
            pairs = [pair for pair, _ in tested.values()]
            cis = bootstrap_cis(pairs, spec.n_resamples, spec.seed, CI_LEVEL) if spec.ci else None
            for index, (row, (pair, result)) in enumerate(tested.items()):
                ci = (cis[index][1], cis[index][2]) if cis is not None else None
                wtl = win_tie_loss(pair, spec.tie_tolerance) if spec.wtl else None
                tests.append(_Test(row_keys.index(row), j, baseline, result, ci, wtl))
    families: dict[object, list[int]] = {}
    for index, test in enumerate(tests):
        key = {"column": test.column, "group": columns[test.column].group, "table": None}
        families.setdefault(key[spec.correction_family], []).append(index)
    adjusted = [1.0] * len(tests)
    for members in families.values():
        corrected = correct([tests[m].result.p_value for m in members], spec.correction)
        for member, p_adj in zip(members, corrected, strict=True):
            adjusted[member] = p_adj
    versus: dict[tuple[int, int], list[Versus]] = {}
    for test, p_adj in zip(tests, adjusted, strict=True):
        done = comparison(row_keys[test.row], test.result, p_adj, spec.alpha)
        versus.setdefault((test.row, test.column), []).append(
            Versus(
                baseline=test.baseline,
                p_value=test.result.p_value,
                p_adjusted=p_adj,
                direction=done.direction if done.significant else None,
                mean_diff=test.result.mean_diff,
                n_queries=test.result.n_queries,
                ci=test.ci,
                wtl=test.wtl,
            )
        )
    for (i, j), found in versus.items():
        cells[i][j] = _replace(cells[i][j], versus=tuple(found))
    return len(tests)


def pool_columns(
    row_keys: Sequence[str],
    columns: Sequence[Column],
    cells: Sequence[Sequence[Cell]],
    per_query: Sequence[Mapping[str, Mapping[str, float]]],
) -> tuple[list[Column], list[list[Cell]], list[Mapping[str, Mapping[str, float]]]]:
    """Columns, cells and per-query values with a :data:`POOLED` column group appended.

    Why: a claim "better across datasets" needs a test over every dataset's queries at once,
    not only one per dataset. For each effectiveness metric, a row's pooled per-query values are
    its values on every column group, concatenated (a query is named by its group and id, so
    two datasets' ``q1`` stay two queries); the pooled value is their mean, so each query weighs
    the same and a larger group weighs more. A row missing a group gets no pooled value; a
    pooled cell has no spread over seeds (its per-query values are already seed means).

    Raises:
        ConfigError: a column group is already called :data:`POOLED`.
    """
    groups = list(dict.fromkeys(c.group for c in columns if not c.efficiency))
    out_columns = list(columns)
    out_cells = [list(row) for row in cells]
    out_values = list(per_query)
    if len(groups) < 2:
        return out_columns, out_cells, out_values
    if POOLED in groups:
        raise ConfigError(
            f"a column group is called {POOLED!r}, the name of the pooled group. Fix: rename "
            "it, or leave out --pooled."
        )
    metrics = dict.fromkeys(c.metric for c in columns if not c.efficiency)
    for metric in metrics:
        js = [j for j, c in enumerate(columns) if c.metric == metric and not c.efficiency]
        out_columns.append(replace(columns[js[0]], group=POOLED))
        pooled: dict[str, dict[str, float]] = {}
        for i, row in enumerate(row_keys):
            if not all(row in per_query[j] for j in js):
                out_cells[i].append(Cell(None))
                continue
            pooled[row] = {
                f"{columns[j].group}\x1f{q}": v for j in js for q, v in per_query[j][row].items()
            }
            out_cells[i].append(
                Cell(
                    statistics.fmean(pooled[row].values()),
                    n_runs=min(cells[i][j].n_runs for j in js),
                    run_ids=tuple(dict.fromkeys(r for j in js for r in cells[i][j].run_ids)),
                )
            )
        out_values.append(pooled)
    return out_columns, out_cells, out_values


def _replace(cell: Cell, **changes: object) -> Cell:
    return replace(cell, **changes)  # type: ignore[arg-type]
