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
    pool_columns,
    rank_column,
    shared_queries,
)
from rerank_bench.reporting.tables.cost import cost_notes
from rerank_bench.reporting.tables.grid import RunGroup, group_runs, table_columns
from rerank_bench.reporting.tables.model import Cell, Column, Table
from rerank_bench.reporting.tables.spec import CI_LEVEL, POOLED, TableSpec, baseline_letter

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
            metrics needed (significance, alignment, pooling) but no loader given.
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
    baselines = spec.baselines
    missing = [b for b in baselines if b not in row_keys]
    derived = (
        [r for r in first_stage_records(runs) if r.field(spec.rows) in missing] if missing else []
    )
    if derived:  # the re-ranking runs' own first stage
        grid, row_keys, col_keys, notes = group_runs([*runs, *derived], spec)
        notes += [
            f"{spec.row_label(b)}: the first stage of the re-ranking runs, evaluated with them "
            "(no run of its own)."
            for b in missing
            if b in row_keys
        ]
    for baseline in baselines:
        if baseline not in row_keys:
            raise ConfigError(
                f"baseline {baseline!r} is not a row; rows ({spec.rows}) are {row_keys}. "
                "Fix: pass one of them to --baseline."
            )
    row_keys = [*baselines, *(r for r in row_keys if r not in baselines)]
    cols = table_columns(grid, col_keys, spec)
    if baselines or spec.align == "intersect" or spec.pooled:
        if per_query is None:
            raise ConfigError(
                "significance, alignment and pooling need per-query metrics; pass a loader."
            )
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
    runs_by_row = {row: [r for (k, _), g in grid.items() if k == row for r in g.runs]
                   for row in row_keys}
    notes += cost_notes(runs_by_row, {r: spec.row_label(r) for r in row_keys},
                        [c.metric for c in cols if c.efficiency])
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
    """Pool the column groups (when asked), rank every column, test the rows against the
    baselines over the spec's family, and write the footnote.

    Why one function for every table: a table of MLflow runs (:func:`tabulate`) and one of runs
    evaluated in memory (:func:`~rerank_bench.reporting.tables.compare`) must mark the same
    differences the same way (bold / underlined, † / ‡ after the same corrected test) and explain
    them in the same words.

    Args:
        row_keys: the rows, the baselines (if any) first, in order.
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
    baselines = spec.baselines
    pooled = False
    if spec.pooled:
        columns, cells, per_query = pool_columns(row_keys, columns, cells, per_query)
        pooled = any(c.group == POOLED for c in columns)
    for j, column in enumerate(columns):
        if not column.efficiency:
            rank_column(cells, j, column, spec.decimals)
    n_tests = mark_significance(cells, row_keys, columns, per_query, spec) if baselines else 0
    n_queries: dict[str, int] = {}
    for j, column in enumerate(columns):
        tested = [row[j].versus[0] for row in cells if row[j].versus]
        if tested:
            n_queries.setdefault(column.group, tested[0].n_queries)
    if any(c.n_runs > 1 for row in cells for c in row):
        notes.insert(0, "Values are means over seeds ± sample standard deviation.")
    if pooled:
        groups = ", ".join(dict.fromkeys(c.group for c in columns if c.group != POOLED))
        notes.append(
            f"{POOLED}: the queries of every {spec.columns} ({groups}) concatenated and tested "
            f"as one sample, each query weighing the same (a larger {spec.columns} weighs more); "
            f"no spread over seeds; a row needs every {spec.columns} to have a value."
        )
    if n_tests:
        notes.append(_significance_note(spec, n_tests, n_queries, pooled))
    if n_tests and (spec.ci or spec.wtl):
        notes.append(_comparisons_note(spec))
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
        baselines=baselines,
        run_ids=run_ids,
    )


def _significance_note(
    spec: TableSpec, n_tests: int, n_queries: Mapping[str, int], pooled: bool
) -> str:
    """The footnote sentence that explains the marks: what is tested, how, and the family."""
    method = describe(spec.test, spec.correction, spec.alpha, spec.n_permutations, spec.seed)
    sizes = ", ".join(f"{k}: {v}" for k, v in n_queries.items())
    baselines = spec.baselines
    several = len(baselines) > 1
    also_pooled = f" and {POOLED}" if pooled else ""
    family = {
        "column": f"the family is the comparisons with the baseline{'s' * several} in each "
        "column",
        "group": f"the family is every comparison on one {spec.columns} (each row against each "
        f"baseline on each metric){f'; {POOLED} is a family of its own' if pooled else ''}",
        "table": f"the family is every comparison in the table, {n_tests} tests: each row "
        f"against each baseline on each metric of each {spec.columns}{also_pooled}",
    }[spec.correction_family]
    details = f"{method}; {family}; queries per column: {sizes}"
    if not several:
        return (
            f"† / ‡: significantly better / worse than {spec.row_label(baselines[0])} "
            f"({details})."
        )
    letters = ", ".join(
        f"{baseline_letter(k)}: {spec.row_label(b)}" for k, b in enumerate(baselines)
    )
    return (
        f"†x / ‡x: significantly better / worse than baseline x ({letters}; each row is tested "
        f"against the baselines listed before it; {details})."
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


def _comparisons_note(spec: TableSpec) -> str:
    """The footnote sentence that explains the comparisons block (``spec.ci``, ``spec.wtl``)."""
    parts = ["Comparisons: Δ is the mean per-query difference, row minus baseline"]
    if spec.ci:
        parts[0] += (
            f", with a paired percentile bootstrap {CI_LEVEL:.0%} interval over queries "
            f"({spec.n_resamples:,} resamples, seed {spec.seed})"
        )
    parts.append("p: uncorrected, p adj.: corrected over the family above")
    if spec.wtl:
        parts.append(
            "W/T/L: queries where the row scores above / within "
            f"±{spec.tie_tolerance:g} of (a tie) / below the baseline"
        )
    return "; ".join(parts) + "."
