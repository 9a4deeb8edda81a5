"""The cost columns of a table: what they measured and where, and the quality/cost frontier.

Why a module of its own: a latency is only comparable with latencies measured on the same
machine, and a dollar figure is an estimate at a dated list price, so a table that shows them must
say both (:func:`cost_notes`); and the question those columns answer ("what do I pay for each
point of nDCG?") is read off the Pareto frontier (:func:`frontier_points`, drawn by
:mod:`~rerank_bench.reporting.tables.frontier_plot`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rerank_bench.errors import ConfigError
from rerank_bench.reporting.runs import RunRecord
from rerank_bench.reporting.tables.model import Table
from rerank_bench.serving import COST_METRICS, MACHINE_TAG, PRICE_DATE_TAG

__all__ = ["LATENCY", "USD", "FrontierPoint", "cost_notes", "frontier_points", "pareto_front"]

LATENCY = "latency_p50_ms"
"""The cost axis of the latency frontier."""
USD = "usd_per_1k_queries"
"""The cost axis of the money frontier."""


def cost_notes(runs_by_row: Mapping[str, Sequence[RunRecord]], row_label: Mapping[str, str],
               shown: Sequence[str]) -> list[str]:
    """Footnote sentences for the cost columns ``shown``: the machine of the serving figures
    (every machine, with its rows, when they differ), and the date of the list prices.

    Args:
        runs_by_row: the runs behind each row.
        row_label: display label of each row key.
        shown: the metric keys of the table's efficiency columns.
    """
    notes: list[str] = []
    if any(key in COST_METRICS and key not in (USD, "train_minutes") for key in shown):
        machines: dict[str, list[str]] = {}
        for row, runs in runs_by_row.items():
            seen = dict.fromkeys(r.tags[MACHINE_TAG] for r in runs if MACHINE_TAG in r.tags)
            for machine in seen:
                machines.setdefault(machine, []).append(row_label.get(row, row))
        where = (f"on {next(iter(machines))}" if len(machines) == 1 else
                 "on different machines, comparable within one only: " + "; ".join(
                     f"{m}: {', '.join(rows)}" for m, rows in machines.items()))
        paid = any(PRICE_DATE_TAG in r.tags for runs in runs_by_row.values() for r in runs)
        notes.append(
            "Serving cost: evaluated queries answered one at a time through the first stage and "
            "the re-ranking, pair scores computed (never read from the cache), as each run "
            f"measured it {where}"
            + ("; – for a paid API stage (its latency is the provider's)." if paid else ".")
        )
    if USD in shown:
        dates = sorted({r.tags[PRICE_DATE_TAG] for runs in runs_by_row.values() for r in runs
                        if PRICE_DATE_TAG in r.tags})
        prices = f"list prices of {', '.join(dates)}" if dates else "list prices"
        notes.append(
            f"$/1k queries: an estimate from counted tokens (or search units) at the {prices} "
            "in the provider configs, per query at serving time (a corpus embedded once is not "
            "counted); – for a system with no paid stage."
        )
    return notes


@dataclass(frozen=True, slots=True)
class FrontierPoint:
    """One system of a frontier: its quality, its cost, and whether nothing beats it on both."""

    label: str
    quality: float
    cost: float
    on_front: bool


def pareto_front(points: Sequence[tuple[float, float]]) -> list[bool]:
    """For each ``(quality, cost)``, whether no other point is at least as good on both and
    better on one (higher quality, lower cost)."""
    return [
        not any(q2 >= q and c2 <= c and (q2 > q or c2 < c) for q2, c2 in points)
        for q, c in points
    ]


def frontier_points(table: Table, cost: str, metric: str | None = None,
                    group: str | None = None) -> list[FrontierPoint]:
    """The rows of ``table`` with both a value of ``metric`` (default: the first effectiveness
    metric) and of the cost column ``cost`` in column group ``group`` (default: the first),
    marked on or off the Pareto frontier. A row without a $ figure costs $0 (no paid stage)."""
    quality_cols = [j for j, c in enumerate(table.columns) if not c.efficiency]
    if not quality_cols:
        raise ConfigError("the table has no effectiveness column to plot against cost.")
    first = table.columns[quality_cols[0]]
    metric, group = metric or first.metric, group or first.group
    q_j = next((j for j in quality_cols if table.columns[j].metric == metric
                and table.columns[j].group == group), None)
    c_j = next((j for j, c in enumerate(table.columns) if c.metric == cost and c.group == group),
               None)
    if q_j is None:
        raise ConfigError(f"the table has no column {metric!r} of {group!r}.")
    rows = []
    for i, cells in enumerate(table.cells):
        quality = cells[q_j].mean
        value = cells[c_j].mean if c_j is not None else None
        if value is None and cost == USD and quality is not None:
            value = 0.0
        if quality is not None and value is not None:
            rows.append((table.row_labels[i], quality, value))
    front = pareto_front([(q, c) for _, q, c in rows])
    return [FrontierPoint(label, q, c, f) for (label, q, c), f in zip(rows, front, strict=True)]
