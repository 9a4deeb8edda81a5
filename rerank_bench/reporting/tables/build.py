"""Building a :class:`~rerank_bench.reporting.tables.model.Table` from runs and a table spec.

Why one entry point: grouping, cell statistics, ranks, significance marks and the footnote that
explains them are computed in one pass, so a rendered table never shows a mark its footnote does
not explain. :func:`tabulate` takes the settings as one :class:`TableSpec`; :func:`build_table`
is the same with the spec's fields as keywords (``build_table(runs, loader, baseline="bm25")``).
Both end in :func:`table_from_cells`, which goes from cell means and per-query values to ranks,
marks and footnote, and which tables of runs evaluated in memory use too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Concatenate, ParamSpec

from rerank_bench.errors import ConfigError
from rerank_bench.evaluation.significance import describe
from rerank_bench.reporting.runs import RunRecord, first_stage_records
from rerank_bench.reporting.tables.cells import (
    PerQueryLoader,
    cell_values,
    mark_significance,
    rank_column,
    shared_queries,
)
from rerank_bench.reporting.tables.grid import RunGroup, group_runs, table_columns
from rerank_bench.reporting.tables.model import Cell, Column, Table
from rerank_bench.reporting.tables.spec import TableSpec

__all__ = ["build_table", "table_from_cells", "tabulate"]

_SpecFields = ParamSpec("_SpecFields")


def tabulate(
    runs: Sequence[RunRecord], spec: TableSpec, per_query: PerQueryLoader | None = None
) -> Table:
    """Aggregate runs into a :class:`Table`.

    Args:
        runs: finished runs (see :meth:`~rerank_bench.reporting.runs.RunStore.search`).
        spec: what the table shows and how it tests (:class:`TableSpec`).
        per_query: loads a run's per-query metrics; needed for significance and alignment.

    Returns:
        The table.

    Raises:
        ConfigError: no runs, an unknown baseline, a metric that no run logged, or per-query
            metrics needed but no loader given.
        EvaluationError: different query sets under ``align="refuse"``.
    """
    if not runs:
        raise ConfigError(
            "no runs to tabulate. Fix: check --experiment and --filter (only FINISHED runs count)."
        )
    if spec.rows == "condition" and spec.row_labels is None:  # shown by display name
        display = {r.condition: r.run_name for r in runs if r.condition != r.run_name}
        spec = replace(spec, row_labels=display or None)
    grid, row_keys, col_keys, notes = group_runs(runs, spec)
    baseline = spec.baseline
    if baseline is not None and baseline not in row_keys:
        derived = [r for r in first_stage_records(runs) if r.field(spec.rows) == baseline]
        if derived:  # the re-ranking runs' own first stage
            grid, row_keys, col_keys, notes = group_runs([*runs, *derived], spec)
            notes.append(f"{spec.row_label(baseline)}: the first stage of the re-ranking runs, "
                         "evaluated with them (no run of its own).")
    if baseline is not None and baseline not in row_keys:
        raise ConfigError(
            f"baseline {baseline!r} is not a row; rows ({spec.rows}) are {row_keys}. "
            "Fix: pass one of them to --baseline."
        )
    if baseline is not None:
        row_keys = [baseline, *(r for r in row_keys if r != baseline)]
    cols = table_columns(grid, col_keys, spec)
    if baseline is not None or spec.align == "intersect":
        if per_query is None:
            raise ConfigError("significance and alignment need per-query metrics; pass a loader.")
    cells, values = _fill_cells(grid, row_keys, col_keys, cols, spec, per_query, notes)
    collapsed = {
        row
        for (row, _), group in grid.items()
        if any(run.tags.get("status_collapse") == "true" for run in group.runs)
    }
    labels = [spec.row_label(r) + (" ⚠" if r in collapsed else "") for r in row_keys]
    if collapsed:
        notes.append(
            "⚠: training collapsed: the model learned from the labels (fine-tuned, or a log "
            "memory) was no better than its first stage on dev (MLflow tag collapse_reason); its "
            "numbers are not evidence for learning from them."
        )
    run_ids = tuple(r.run_id for g in grid.values() for r in g.runs)
    return table_from_cells(row_keys, labels, cols, cells, values, spec, notes, run_ids)


def table_from_cells(
    row_keys: Sequence[str],
    row_labels: Sequence[str],
    columns: Sequence[Column],
    cells: list[list[Cell]],
    per_query: Sequence[Mapping[str, Mapping[str, float]]],
    spec: TableSpec,
    notes: Sequence[str] = (),
    run_ids: tuple[str, ...] = (),
) -> Table:
    """Rank every column, test every row against ``spec.baseline``, and write the footnote.

    Why one function for every table: a table of MLflow runs (:func:`tabulate`) and one of runs
    evaluated in memory (:func:`~rerank_bench.reporting.tables.compare`) must mark the same
    differences the same way (bold / underlined, † / ‡ after the same corrected test) and explain
    them in the same words.

    Args:
        row_keys: the rows, the baseline (if any) first.
        row_labels: their display labels.
        columns: the columns.
        cells: ``cells[i][j]``, with means (ranks and marks are added here).
        per_query: for each column, row key -> per-query values (rows without values absent; the
            queries already aligned).
        spec: the baseline, test, correction, alpha and display settings.
        notes: footnote sentences of the caller (grouping, alignment), kept first.
        run_ids: the runs behind the table.
    """
    notes = list(notes)
    baseline = spec.baseline
    n_queries: dict[str, int] = {}
    for j, column in enumerate(columns):
        if column.efficiency:
            continue
        rank_column(cells, j, column, spec.decimals)
        values = per_query[j]
        if baseline is not None and baseline in values:
            others = {r: v for r, v in values.items() if r != baseline}
            if others:
                mark_significance(cells, row_keys, j, values[baseline], others, baseline, spec)
                n_queries.setdefault(column.group, len(values[baseline]))
    if any(c.n_runs > 1 for row in cells for c in row):
        notes.insert(0, "Values are means over seeds ± sample standard deviation.")
    if baseline is not None and n_queries:
        sizes = ", ".join(f"{k}: {v}" for k, v in n_queries.items())
        method = describe(spec.test, spec.correction, spec.alpha, spec.n_permutations, spec.seed)
        notes.append(
            f"† / ‡: significantly better / worse than {spec.row_label(baseline)} ({method}; "
            f"the family is the comparisons with the baseline in each column; queries per "
            f"column: {sizes})."
        )
    notes.append("Bold: best value of a column; underlined: second best.")
    effectiveness = [c.label for c in columns if not c.efficiency]
    default_caption = (
        f"{', '.join(dict.fromkeys(effectiveness))} by {spec.rows} and {spec.columns}."
    )
    return Table(
        row_keys=tuple(row_keys),
        row_labels=tuple(row_labels),
        columns=tuple(columns),
        cells=tuple(tuple(row) for row in cells),
        row_header=spec.row_header or spec.rows.split(".")[-1].replace("_", " ").capitalize(),
        caption=spec.caption or default_caption,
        notes=tuple(notes),
        decimals=spec.decimals,
        baseline=baseline,
        run_ids=run_ids,
    )


def _fill_cells(
    grid: Mapping[tuple[str, str], RunGroup],
    row_keys: Sequence[str],
    col_keys: Sequence[str],
    cols: Sequence[Column],
    spec: TableSpec,
    per_query: PerQueryLoader | None,
    notes: list[str],
) -> tuple[list[list[Cell]], list[dict[str, dict[str, float]]]]:
    """Every cell's seed mean and spread, and each column's seed-averaged per-query values.

    Where a column group's runs were evaluated on different queries and ``align="intersect"``,
    both are computed on the shared queries, and a note saying so is appended to ``notes``.
    """
    cells: list[list[Cell]] = [[Cell(None)] * len(cols) for _ in row_keys]
    values: list[dict[str, dict[str, float]]] = [{} for _ in cols]
    for col_key in col_keys:
        present = [r for r in row_keys if (r, col_key) in grid]
        shared = shared_queries(grid, present, col_key, spec.align, per_query, notes)
        for j, column in enumerate(cols):
            if column.group != col_key:
                continue
            for i, row in enumerate(row_keys):
                group = grid.get((row, col_key))
                if group is None:
                    continue
                cells[i][j], pq = cell_values(group, column, shared, per_query)
                if pq is not None:
                    values[j][row] = pq
    return cells, values


def _with_spec_keywords(
    spec_type: Callable[_SpecFields, TableSpec],
) -> Callable[Concatenate[Sequence[RunRecord], PerQueryLoader | None, _SpecFields], Table]:
    """:func:`tabulate` taking the fields of ``spec_type`` as keywords.

    Why derived from the spec's constructor rather than written out: the keywords, their types
    and defaults are :class:`TableSpec`'s own, listed once, and mypy checks every keyword call
    against them.
    """

    def build_table(
        runs: Sequence[RunRecord],
        per_query: PerQueryLoader | None = None,
        /,
        *args: _SpecFields.args,
        **settings: _SpecFields.kwargs,
    ) -> Table:
        """Aggregate runs into a :class:`Table`; the keywords are :class:`TableSpec`'s fields.

        ``build_table(runs, per_query, **settings)`` is ``tabulate(runs, TableSpec(**settings),
        per_query)``; see :func:`tabulate`.
        """
        return tabulate(runs, spec_type(*args, **settings), per_query)

    return build_table


build_table = _with_spec_keywords(TableSpec)
