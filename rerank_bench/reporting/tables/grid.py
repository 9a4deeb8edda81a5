"""Which runs make which cell: runs grouped by (row, column), and the columns each group gets.

Why apart from the numbers: grouping decides what is compared with what (one run per seed, the
newest re-run winning, rows and columns in display order) before any mean or test is computed.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from rerank_bench.errors import ConfigError
from rerank_bench.evaluation.metrics import metric_key
from rerank_bench.reporting.runs import RunRecord, resolve_metric
from rerank_bench.reporting.tables.labels import metric_label
from rerank_bench.reporting.tables.model import Column
from rerank_bench.reporting.tables.spec import TableSpec

__all__ = ["RunGroup", "group_runs", "table_columns"]

log = logging.getLogger(__name__)


@dataclass
class RunGroup:
    """The runs of one (row, column) cell, one per seed."""

    runs: list[RunRecord] = field(default_factory=list)
    duplicates: int = 0


def group_runs(
    runs: Sequence[RunRecord], spec: TableSpec
) -> tuple[dict[tuple[str, str], RunGroup], list[str], list[str], list[str]]:
    """Runs by (row, column); the newest run of each seed wins, older duplicates are counted.

    Returns:
        The groups, the row keys and the column keys in display order, and footnote sentences
        about runs left out or superseded.

    Raises:
        ConfigError: no run has both a row and a column value.
    """
    rows, columns = spec.rows, spec.columns
    grid: dict[tuple[str, str], RunGroup] = {}
    seen_seeds: dict[tuple[str, str], dict[str, int]] = {}
    row_keys: list[str] = []
    col_keys: list[str] = []
    skipped = 0
    for run in sorted(runs, key=lambda r: r.start_time):
        row, col = run.field(rows), run.field(columns)
        if row is None or col is None:
            skipped += 1
            continue
        if row not in row_keys:
            row_keys.append(row)
        if col not in col_keys:
            col_keys.append(col)
        group = grid.setdefault((row, col), RunGroup())
        seeds = seen_seeds.setdefault((row, col), {})
        seed = run.seed or ""
        if seed in seeds:  # a re-run of the same seed: keep the newest
            group.runs[seeds[seed]] = run
            group.duplicates += 1
        else:
            seeds[seed] = len(group.runs)
            group.runs.append(run)
    if not grid:
        raise ConfigError(
            f"no run has both a {rows!r} and a {columns!r} value. Fix: choose --rows/--columns "
            "among the runs' tags or params (e.g. system, reranker, dataset)."
        )
    notes = []
    if skipped:
        notes.append(f"{skipped} run(s) without a {rows!r} or {columns!r} value are not shown.")
    duplicates = sum(g.duplicates for g in grid.values())
    if duplicates:
        notes.append(f"{duplicates} older run(s) repeating a seed were superseded by newer ones.")
        log.warning("%d older duplicate runs ignored (same row, column and seed)", duplicates)
    return grid, _order(row_keys, spec.row_order), _order(col_keys, spec.column_order), notes


def _order(found: list[str], preferred: Sequence[str] | None) -> list[str]:
    if not preferred:
        return found
    first = [k for k in preferred if k in found]
    return first + [k for k in found if k not in first]


def table_columns(
    grid: Mapping[tuple[str, str], RunGroup], col_keys: Sequence[str], spec: TableSpec
) -> list[Column]:
    """The columns of each column group: ``spec.metrics``, then the efficiency metrics logged.

    Raises:
        ConfigError: a metric that no run of a column group logged.
    """
    cols: list[Column] = []
    for col_key in col_keys:
        logged = {
            key for (_, c), g in grid.items() if c == col_key for r in g.runs for key in r.metrics
        }
        for name in spec.metrics:
            key = resolve_metric(logged, name)
            if key is None:
                raise ConfigError(
                    f"metric {name!r} was not logged by any run of {col_key!r}; logged: "
                    f"{sorted(logged)}. Fix: pick --metrics among them."
                )
            cols.append(Column(col_key, key, metric_label(key)))
        for name in spec.efficiency:
            key = metric_key(name)
            if key in logged:
                higher = "_per_s" in key
                cols.append(Column(col_key, key, metric_label(key), higher, efficiency=True))
    return cols
