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
from rerank_bench.tracking.names import JOB_KEY_TAG

__all__ = ["RunGroup", "group_runs", "row_keys", "table_columns"]

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
    found_rows: list[str] = []
    col_keys: list[str] = []
    skipped = 0
    labels = row_keys(runs, rows, columns)
    for run in sorted(runs, key=lambda r: r.start_time):
        row, col = labels.get(run.run_id), run.field(columns)
        if row is None or col is None:
            skipped += 1
            continue
        if row not in found_rows:
            found_rows.append(row)
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
        notes.append(f"{duplicates} older run(s) of the same condition and seed were superseded by "
                     "newer ones.")
        log.warning("%d older duplicate runs ignored (same row, column and seed)", duplicates)
    return grid, _order(found_rows, spec.row_order), _order(col_keys, spec.column_order), notes


_NOT_A_CONDITION = ("seed", "tracking.", "paths.")
"""Params that do not make another condition: the seed (a cell's runs are its seeds) and where
results go."""


def _condition(run: RunRecord) -> str:
    """What identifies a run's condition: its job key (tag), else its params bar the seed."""
    return run.tags.get(JOB_KEY_TAG) or repr(sorted(
        (k, v) for k, v in run.params.items() if not k.startswith(_NOT_A_CONDITION)
    ))


def row_keys(runs: Sequence[RunRecord], field: str, columns: str | None = None) -> dict[str, str]:
    """Run id -> row key: the run's ``field``, told apart where runs of different conditions
    share it within a column group (``columns``: a run field, e.g. ``dataset``).

    Why: rows were keyed by the system name alone, so a table of a sweep or of a reproduction
    whose conditions share a system (``bm25>>finetuned`` trained on clicks, on votes, on
    judgments) kept the newest run and dropped the others as "superseded". Runs of one condition
    (the same job key, or the same params bar the seed) share a row, as its seeds and re-runs;
    runs of different conditions under one value get the params that differ appended
    (``bm25 (retriever.k1=0.6)``). Runs without the field are left out.
    """
    groups: dict[tuple[str, str | None], list[RunRecord]] = {}
    for run in runs:
        value = run.field(field)
        if value is not None:
            column = run.field(columns) if columns else None
            groups.setdefault((value, column), []).append(run)
    keys: dict[str, str] = {}
    for (value, _), group in groups.items():
        if len({_condition(r) for r in group}) == 1:
            keys.update((r.run_id, value) for r in group)
            continue
        differing = sorted({
            k for r in group for k in r.params
            if not k.startswith(_NOT_A_CONDITION)
            and len({other.params.get(k) for other in group}) > 1
        })
        for run in group:
            shown = ", ".join(f"{k}={run.params.get(k)}" for k in differing[:3])
            more = ", ..." if len(differing) > 3 else ""
            keys[run.run_id] = f"{value} ({shown}{more})" if shown else value
    return keys


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
